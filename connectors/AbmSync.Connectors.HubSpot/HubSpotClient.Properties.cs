using System.Text.Json;

namespace AbmSync.Connectors.HubSpot;

/// <summary>Properties, property groups and owners: the portal's schema and its users.</summary>
public sealed partial class HubSpotClient
{
    /// <summary>GET {properties}/{type}: every property of the object type.</summary>
    public async Task<IReadOnlyList<HubSpotProperty>> GetPropertiesAsync(string objectType, bool archived = false, CancellationToken ct = default)
    {
        using var doc = await SendAsync(HttpMethod.Get, $"{PropertiesPath(objectType)}?archived={(archived ? "true" : "false")}", null, ct);
        return [.. HubSpotJson.Results(doc.RootElement).Select(ParseProperty)];
    }

    /// <summary>GET {properties}/{type}/groups.</summary>
    public async Task<IReadOnlyList<HubSpotPropertyGroup>> GetPropertyGroupsAsync(string objectType, CancellationToken ct = default)
    {
        using var doc = await SendAsync(HttpMethod.Get, $"{PropertiesPath(objectType)}/groups", null, ct);
        return [.. HubSpotJson.Results(doc.RootElement).Select(ParseGroup)];
    }

    /// <summary>
    /// POST {properties}/{type}/groups (201). A group that already exists answers 409. Retried on transient failures
    /// like a read: a replay of a create that had landed answers that 409, so the caller treats 409 as "there".
    /// </summary>
    public async Task<HubSpotPropertyGroup> CreatePropertyGroupAsync(
        string objectType,
        string name,
        string label,
        int displayOrder = -1,
        CancellationToken ct = default)
    {
        using var doc = await SendAsync(HttpMethod.Post, $"{PropertiesPath(objectType)}/groups", new { name, label, displayOrder }, ct);
        return ParseGroup(doc.RootElement);
    }

    /// <summary>
    /// POST {properties}/{type}/batch/create; a 207 lists the refused definitions in <see cref="HubSpotPropertyCreateResult.Errors"/>.
    /// Retried on transient failures: property names are unique, so a replay of a create that had landed is refused
    /// per property as already existing, never duplicated.
    /// </summary>
    public async Task<HubSpotPropertyCreateResult> CreatePropertiesAsync(
        string objectType,
        IReadOnlyList<HubSpotPropertyDefinition> definitions,
        CancellationToken ct = default)
    {
        if (definitions.Count == 0)
        {
            return new HubSpotPropertyCreateResult([], []);
        }

        var body = new
        {
            inputs = definitions.Select(d => new
            {
                name = d.Name,
                label = d.Label,
                type = d.Type,
                fieldType = d.FieldType,
                groupName = d.GroupName,
                description = d.Description,
                hasUniqueValue = d.HasUniqueValue,
                externalOptions = d.ReferencedObjectType is null ? (bool?)null : true,
                referencedObjectType = d.ReferencedObjectType,
                options = d.Options?.Select((o, i) => new
                {
                    label = o.Label,
                    value = o.Value,
                    displayOrder = o.DisplayOrder ?? i,
                    hidden = o.Hidden,
                    description = o.Description,
                }).ToArray(),
            }).ToArray(),
        };
        using var doc = await SendAsync(HttpMethod.Post, $"{PropertiesPath(objectType)}/batch/create", body, ct);
        return new HubSpotPropertyCreateResult(
            [.. HubSpotJson.Results(doc.RootElement).Select(ParseProperty)],
            HubSpotJson.ParseBatchErrors(doc.RootElement, Options));
    }

    /// <summary>GET /crm/v3/owners (or /crm/owners/{yyyy-mm}), every page. Archived owners are listed by a separate call with <paramref name="archived"/> true.</summary>
    public async Task<IReadOnlyList<HubSpotOwner>> ListOwnersAsync(bool archived = false, CancellationToken ct = default)
    {
        var owners = new List<HubSpotOwner>();
        string? after = null;
        do
        {
            var path = $"{OwnersPath()}?limit=100&archived={(archived ? "true" : "false")}" +
                       (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");
            using var doc = await SendAsync(HttpMethod.Get, path, null, ct);
            foreach (var e in HubSpotJson.Results(doc.RootElement))
            {
                owners.Add(new HubSpotOwner(
                    HubSpotJson.GetString(e, "id") ?? string.Empty,
                    HubSpotJson.GetString(e, "email"),
                    HubSpotJson.GetString(e, "firstName"),
                    HubSpotJson.GetString(e, "lastName"),
                    e.TryGetProperty("userId", out var u) && u.TryGetInt64(out var userId) ? userId : null,
                    HubSpotJson.GetBool(e, "archived"))
                {
                    Teams = e.TryGetProperty("teams", out var teams) && teams.ValueKind == JsonValueKind.Array
                        ? [.. teams.EnumerateArray().Select(t => new HubSpotTeam(HubSpotJson.GetString(t, "id") ?? "", HubSpotJson.GetString(t, "name") ?? "", HubSpotJson.GetBool(t, "primary")))]
                        : [],
                });
            }

            after = HubSpotJson.NextAfter(doc.RootElement);
        }
        while (after is not null);

        return owners;
    }

    private static HubSpotProperty ParseProperty(JsonElement e) => new(
        HubSpotJson.GetString(e, "name") ?? string.Empty,
        HubSpotJson.GetString(e, "label") ?? string.Empty,
        HubSpotJson.GetString(e, "type") ?? string.Empty,
        HubSpotJson.GetString(e, "fieldType") ?? string.Empty,
        HubSpotJson.GetString(e, "groupName"),
        HubSpotJson.GetBool(e, "hasUniqueValue"),
        HubSpotJson.GetBool(e, "hubspotDefined"),
        HubSpotJson.GetBool(e, "calculated"),
        e.TryGetProperty("modificationMetadata", out var m) && HubSpotJson.GetBool(m, "readOnlyValue"),
        HubSpotJson.GetBool(e, "archived"),
        e.TryGetProperty("options", out var opts) && opts.ValueKind == JsonValueKind.Array
            ? [.. opts.EnumerateArray().Select(o => new HubSpotPropertyOption(
                HubSpotJson.GetString(o, "label") ?? string.Empty,
                HubSpotJson.GetString(o, "value") ?? string.Empty,
                o.TryGetProperty("displayOrder", out var d) && d.TryGetInt32(out var order) ? order : null,
                HubSpotJson.GetBool(o, "hidden"),
                HubSpotJson.GetString(o, "description")))]
            : [])
    {
        ReferencedObjectType = HubSpotJson.GetString(e, "referencedObjectType"),
    };

    private static HubSpotPropertyGroup ParseGroup(JsonElement e) => new(
        HubSpotJson.GetString(e, "name") ?? string.Empty,
        HubSpotJson.GetString(e, "label") ?? string.Empty,
        e.TryGetProperty("displayOrder", out var d) && d.TryGetInt32(out var order) ? order : null,
        HubSpotJson.GetBool(e, "archived"));

    // ---------------------------------------------------------------- transport
}
