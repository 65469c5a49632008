using System.Globalization;
using System.Text.Json;

namespace AbmSync.Connectors.HubSpot;

/// <summary>A pipeline of deals (or tickets) and its stages, in display order.</summary>
public sealed record HubSpotPipeline(string Id, string Label, bool Archived, IReadOnlyList<HubSpotPipelineStage> Stages);

/// <summary>
/// One stage. <see cref="IsClosed"/> and <see cref="Probability"/> come from the stage's metadata (strings on the
/// wire): a closed stage with probability 1 is won, a closed one with probability 0 is lost.
/// </summary>
public sealed record HubSpotPipelineStage(string Id, string Label, bool Archived, bool IsClosed, decimal? Probability)
{
    public bool IsWon => IsClosed && Probability == 1m;
    public bool IsLost => IsClosed && Probability == 0m;
}

public sealed partial class HubSpotClient
{
    /// <summary>GET /crm/v3/pipelines/{objectType} (or /crm/pipelines/{yyyy-mm}/{objectType}): every pipeline with its stages.</summary>
    public async Task<IReadOnlyList<HubSpotPipeline>> GetPipelinesAsync(string objectType, CancellationToken ct = default)
    {
        using var doc = await SendAsync(HttpMethod.Get, VersionedPath("pipelines", objectType), null, ct);
        return [.. HubSpotJson.Results(doc.RootElement).Select(p => new HubSpotPipeline(
            HubSpotJson.GetString(p, "id") ?? "",
            HubSpotJson.GetString(p, "label") ?? "",
            p.TryGetProperty("archived", out var archived) && archived.ValueKind == JsonValueKind.True,
            p.TryGetProperty("stages", out var stages) && stages.ValueKind == JsonValueKind.Array ? [.. stages.EnumerateArray().Select(Stage)] : []))];
    }

    private static HubSpotPipelineStage Stage(JsonElement s)
    {
        var metadata = s.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        string? Meta(string name) => metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;
        return new HubSpotPipelineStage(
            HubSpotJson.GetString(s, "id") ?? "",
            HubSpotJson.GetString(s, "label") ?? "",
            s.TryGetProperty("archived", out var archived) && archived.ValueKind == JsonValueKind.True,
            string.Equals(Meta("isClosed"), "true", StringComparison.OrdinalIgnoreCase),
            decimal.TryParse(Meta("probability"), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : null);
    }
}
