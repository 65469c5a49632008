using System.Globalization;
using System.Text.Json;

namespace AbmSync.Connectors.HubSpot;

public sealed record HubSpotAssociationType(string Category, int TypeId, string? Label);

public sealed record HubSpotAssociatedRecord(string ToId, IReadOnlyList<HubSpotAssociationType> Types);

/// <summary>The records one input is associated with (empty when none).</summary>
public sealed record HubSpotAssociations(string FromId, IReadOnlyList<HubSpotAssociatedRecord> To);

public sealed record HubSpotAssociationPair(string FromId, string ToId);

/// <summary>Result of an association write: pairs HubSpot confirmed, and its errors (context.ids name the inputs).</summary>
public sealed record HubSpotAssociationWriteResult(int Written, IReadOnlyList<HubSpotError> Errors);

public sealed partial class HubSpotClient
{
    /// <summary>HubSpot's cap on inputs per associations batch read (since 2025-02-10).</summary>
    public const int MaxAssociationReadBatch = 1000;

    /// <summary>Inputs per association write call; HubSpot documents no higher cap that we could confirm.</summary>
    public const int MaxAssociationWriteBatch = 100;

    /// <summary>/crm/v4/associations/{from}/{to} for "v3" configuration, /crm/associations/{yyyy-mm}/{from}/{to} otherwise.</summary>
    internal string AssociationsPath(string fromObjectType, string toObjectType)
    {
        ValidateSegment(fromObjectType, nameof(fromObjectType));
        ValidateSegment(toObjectType, nameof(toObjectType));
        var o = Options;
        return o.IsLegacyV3
            ? $"/crm/v4/associations/{fromObjectType}/{toObjectType}"
            : $"/crm/associations/{o.ApiVersion}/{fromObjectType}/{toObjectType}";
    }

    /// <summary>
    /// POST .../associations/{from}/{to}/batch/read for every id (≤1,000 per call), following each input's own paging
    /// cursor, so that a company with thousands of contacts comes back whole. One entry per input id, in input order.
    /// </summary>
    public async Task<IReadOnlyList<HubSpotAssociations>> BatchReadAssociationsAsync(
        string fromObjectType,
        string toObjectType,
        IReadOnlyList<string> fromIds,
        CancellationToken ct = default)
    {
        var path = $"{AssociationsPath(fromObjectType, toObjectType)}/batch/read";
        var found = new Dictionary<string, List<HubSpotAssociatedRecord>>(StringComparer.Ordinal);
        var pending = fromIds.Distinct(StringComparer.Ordinal).Select(id => (Id: id, After: (string?)null)).ToList();
        while (pending.Count > 0)
        {
            var next = new List<(string Id, string? After)>();
            var answers = await InFlight.SelectAsync(pending.Chunk(MaxAssociationReadBatch).ToList(), Options.BatchesInFlight, async (chunk, token) =>
            {
                var body = new { inputs = chunk.Select(p => new { id = p.Id, after = p.After }).ToArray() };
                using var doc = await SendAsync(HttpMethod.Post, path, body, token);
                return doc.RootElement.Clone();
            }, ct);
            foreach (var answer in answers)
            {
                foreach (var result in HubSpotJson.Results(answer))
                {
                    var from = result.TryGetProperty("from", out var f) ? HubSpotJson.GetString(f, "id") : null;
                    if (from is null)
                    {
                        continue;
                    }

                    if (!found.TryGetValue(from, out var list))
                    {
                        found[from] = list = [];
                    }

                    if (result.TryGetProperty("to", out var to) && to.ValueKind == JsonValueKind.Array)
                    {
                        list.AddRange(to.EnumerateArray().Select(ParseAssociated));
                    }

                    if (HubSpotJson.NextAfter(result) is { } after)
                    {
                        next.Add((from, after));
                    }
                }

                // A 207 lists inputs without associations (or unknown ids) as errors: for a reader they simply have none.
            }

            pending = next;
        }

        return [.. fromIds.Select(id => new HubSpotAssociations(id, found.TryGetValue(id, out var list) ? list : []))];
    }

    /// <summary>
    /// POST .../associations/{from}/{to}/batch/associate/default: links each pair with HubSpot's default (unlabeled)
    /// association type, e.g. contact→company or deal→company. Repeating a pair is harmless, so it may be retried.
    /// </summary>
    public async Task<HubSpotAssociationWriteResult> BatchAssociateDefaultAsync(
        string fromObjectType,
        string toObjectType,
        IReadOnlyList<HubSpotAssociationPair> pairs,
        CancellationToken ct = default)
    {
        return await WriteAssociationChunksAsync($"{AssociationsPath(fromObjectType, toObjectType)}/batch/associate/default", pairs,
            chunk => new { inputs = chunk.Select(p => new { from = new { id = p.FromId }, to = new { id = p.ToId } }).ToArray() }, ct);
    }

    /// <summary>POST .../associations/{from}/{to}/batch/create with explicit (e.g. labelled or primary) association types.</summary>
    public async Task<HubSpotAssociationWriteResult> BatchCreateAssociationsAsync(
        string fromObjectType,
        string toObjectType,
        IReadOnlyList<HubSpotAssociationPair> pairs,
        int associationTypeId,
        string associationCategory = "HUBSPOT_DEFINED",
        CancellationToken ct = default)
    {
        return await WriteAssociationChunksAsync($"{AssociationsPath(fromObjectType, toObjectType)}/batch/create", pairs, chunk => new
        {
            inputs = chunk.Select(p => new
            {
                from = new { id = p.FromId },
                to = new { id = p.ToId },
                types = new[] { new { associationCategory, associationTypeId } },
            }).ToArray(),
        }, ct);
    }

    /// <summary>An association write, 100 pairs a call, several calls in flight; the answers summed in the order of the chunks.</summary>
    async Task<HubSpotAssociationWriteResult> WriteAssociationChunksAsync(string path, IReadOnlyList<HubSpotAssociationPair> pairs,
        Func<HubSpotAssociationPair[], object> bodyOf, CancellationToken ct)
    {
        var answers = await InFlight.SelectAsync(pairs.Chunk(MaxAssociationWriteBatch).ToList(), Options.BatchesInFlight, async (chunk, token) =>
        {
            using var doc = await SendAsync(HttpMethod.Post, path, bodyOf(chunk), token);
            return (Written: HubSpotJson.Results(doc.RootElement).Count(), Errors: HubSpotJson.ParseBatchErrors(doc.RootElement, Options));
        }, ct);
        return new HubSpotAssociationWriteResult(answers.Sum(a => a.Written), [.. answers.SelectMany(a => a.Errors)]);
    }

    /// <summary>
    /// POST .../associations/{from}/{to}/batch/archive: removes every association between each pair (all types). The
    /// records stay; removing a pair that is not associated is harmless, so it may be retried.
    /// </summary>
    public async Task<HubSpotAssociationWriteResult> BatchArchiveAssociationsAsync(
        string fromObjectType,
        string toObjectType,
        IReadOnlyList<HubSpotAssociationPair> pairs,
        CancellationToken ct = default)
    {
        var path = $"{AssociationsPath(fromObjectType, toObjectType)}/batch/archive";
        var errors = new List<HubSpotError>();
        var inputs = pairs.GroupBy(p => p.FromId, StringComparer.Ordinal)
            .Select(g => new { from = new { id = g.Key }, to = g.Select(p => new { id = p.ToId }).ToArray() }).ToList();
        foreach (var chunk in inputs.Chunk(MaxAssociationWriteBatch))
        {
            using var doc = await SendAsync(HttpMethod.Post, path, new { inputs = chunk }, ct);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                errors.AddRange(HubSpotJson.ParseBatchErrors(doc.RootElement, Options));
            }
        }

        return new HubSpotAssociationWriteResult(pairs.Count, errors);
    }

    private static HubSpotAssociatedRecord ParseAssociated(JsonElement e) => new(
        HubSpotJson.GetString(e, "toObjectId") ?? string.Empty,
        e.TryGetProperty("associationTypes", out var types) && types.ValueKind == JsonValueKind.Array
            ? [.. types.EnumerateArray().Select(t => new HubSpotAssociationType(
                HubSpotJson.GetString(t, "category") ?? string.Empty,
                t.TryGetProperty("typeId", out var id) && id.TryGetInt32(out var typeId) ? typeId
                    : int.TryParse(HubSpotJson.GetString(t, "typeId"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0,
                HubSpotJson.GetString(t, "label")))]
            : []);
}
