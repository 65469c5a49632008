using System.Text;
using System.Text.Json.Nodes;

namespace AbmSync.Bench.Kill;

/// <summary>Both emulators' <c>GET /_sandbox/export</c> of one world at one moment.</summary>
public sealed record WorldExport(JsonObject Salesforce, JsonObject HubSpot)
{
    public static async Task<WorldExport> TakeAsync(KillWorld world, CancellationToken ct) =>
        new(await world.ExportAsync(Api.Salesforce, ct), await world.ExportAsync(Api.HubSpot, ct));
}

/// <summary>
/// The ids a world was seeded with, taken from its export before any sync. Seeded ids are the same in two sandboxes
/// of one seed; anything else was created by a sync, and its id depends on the order of creation.
/// </summary>
public sealed class SeededIds
{
    public HashSet<string> Salesforce { get; } = new(StringComparer.Ordinal);

    /// <summary>HubSpot ids are only unique per object type: "companies/5000000001".</summary>
    public HashSet<string> HubSpot { get; } = new(StringComparer.Ordinal);

    public static SeededIds From(WorldExport initial)
    {
        var seeded = new SeededIds();
        foreach (var (_, _, id, _) in WorldCanon.SalesforceRecords(initial.Salesforce))
        {
            seeded.Salesforce.Add(id);
        }
        foreach (var (type, id, _) in WorldCanon.HubSpotRecords(initial.HubSpot))
        {
            seeded.HubSpot.Add($"{type}/{id}");
        }
        return seeded;
    }
}

/// <summary>One record after canonicalisation: a key that means the same record in both worlds, and its comparable fields.</summary>
public sealed record CanonicalRecord(string Key, string Id, IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// Turns a world's export into records that can be compared with another world's, whatever order the sync created
/// records in. A seeded record's key is its id. A record the sync created is keyed by what it is the twin of (a
/// HubSpot company by its <c>abm_salesforce_id</c>, a Salesforce contact created from HubSpot by its
/// <c>ABM_HubSpot_Id__c</c>), else its email, domain or name. Every value that is the id of a created record becomes
/// that record's key, so a link compares by what it points at. Timestamps and last-modifier fields are dropped: the
/// two worlds ran at other times, and a write repeated after a kill legitimately moves them.
/// </summary>
public static class WorldCanon
{
    /// <summary>System-maintained Salesforce fields: when and by whom, never what.</summary>
    static readonly HashSet<string> SalesforceDropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "Id", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp",
        "LastActivityDate", "LastViewedDate", "LastReferencedDate",
    };

    /// <summary>System-maintained HubSpot properties and record fields (the record's own id is its key).</summary>
    static readonly HashSet<string> HubSpotDropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "id", "createdAt", "updatedAt", "archivedAt",
        "createdate", "hs_createdate", "hs_lastmodifieddate", "lastmodifieddate", "hs_object_id",
        "hs_updated_by_user_id", "hs_created_by_user_id",
    };

    /// <summary>The fields by which a record the sync created says which record it is the twin of.</summary>
    static readonly string[] HubSpotTwinProperties = ["abm_salesforce_id", "abm_salesforce_lead_id"];
    const string SalesforceTwinField = "ABM_HubSpot_Id__c";

    /// <summary>Every Salesforce record: (sObject, collection name, id, record).</summary>
    public static IEnumerable<(string Type, string Collection, string Id, JsonObject Record)> SalesforceRecords(JsonObject export)
    {
        foreach (var (type, node) in export)
        {
            if (node is JsonArray array)
            {
                foreach (var record in array.OfType<JsonObject>())
                {
                    if (record["Id"] is JsonValue id && id.TryGetValue<string>(out var text))
                    {
                        yield return (type, $"Salesforce {type}", text, record);
                    }
                }
            }
        }
    }

    /// <summary>Every HubSpot record with an id (objects and owners): (object type, id, record).</summary>
    public static IEnumerable<(string Type, string Id, JsonObject Record)> HubSpotRecords(JsonObject export)
    {
        foreach (var (type, node) in export)
        {
            if (node is JsonArray array)
            {
                foreach (var record in array.OfType<JsonObject>())
                {
                    if (record["id"] is JsonValue id && id.TryGetValue<string>(out var text))
                    {
                        yield return (type, text, record);
                    }
                }
            }
        }
    }

    public static IReadOnlyDictionary<string, List<CanonicalRecord>> Canonicalise(WorldExport export, SeededIds seeded)
    {
        var salesforce = SalesforceRecords(export.Salesforce).ToList();
        var hubSpot = HubSpotRecords(export.HubSpot).ToList();

        // Keys of seeded records first: they need nothing else.
        var salesforceKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        var hubSpotKeys = new Dictionary<(string Type, string Id), string>();
        var seededHubSpotById = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (_, _, id, _) in salesforce.Where(r => seeded.Salesforce.Contains(r.Id)))
        {
            salesforceKeys[id] = id;
        }
        foreach (var (type, id, _) in hubSpot.Where(r => seeded.HubSpot.Contains($"{r.Type}/{r.Id}")))
        {
            var key = $"{type}/{id}";
            hubSpotKeys[(type, id)] = key;
            (seededHubSpotById.TryGetValue(id, out var list) ? list : seededHubSpotById[id] = []).Add(key);
        }

        // Created records: keyed by the seeded record they are the twin of, else by a natural key.
        var createdSalesforce = new HashSet<string>(StringComparer.Ordinal);
        var createdHubSpotById = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (type, id, record) in hubSpot.Where(r => !seeded.HubSpot.Contains($"{r.Type}/{r.Id}")))
        {
            var properties = record["properties"] as JsonObject;
            string? natural = null;
            foreach (var twin in HubSpotTwinProperties)
            {
                if (Text(properties?[twin]) is { } twinId && seeded.Salesforce.Contains(twinId))
                {
                    natural = $"{twin}={twinId}";
                    break;
                }
            }
            natural ??= Natural(properties, "email", "domain", "name") ?? $"id={id}";
            var key = $"{type}/new({natural})";
            hubSpotKeys[(type, id)] = key;
            (createdHubSpotById.TryGetValue(id, out var list) ? list : createdHubSpotById[id] = []).Add(key);
        }
        foreach (var (type, _, id, record) in salesforce.Where(r => !seeded.Salesforce.Contains(r.Id)))
        {
            string? natural = null;
            if (Text(record[SalesforceTwinField]) is { } twinId && seededHubSpotById.TryGetValue(twinId, out var twins) && twins.Count == 1)
            {
                natural = $"hs={twins[0]}";
            }
            natural ??= Natural(record, "Email", "Website", "Name") ?? $"id={id}";
            salesforceKeys[id] = $"{type}/new({natural})";
            createdSalesforce.Add(id);
        }

        string Canon(string field, string value, bool idContext)
        {
            // Salesforce ids are 15/18 characters with an object prefix: a match is an id wherever it stands.
            if (createdSalesforce.Contains(value))
            {
                return "→" + salesforceKeys[value];
            }
            // HubSpot ids are plain numbers: only a field that holds ids is read as one.
            if ((idContext || IdLike(field)) && createdHubSpotById.TryGetValue(value, out var keys))
            {
                return "→" + string.Join("|", keys.Order(StringComparer.Ordinal));
            }
            return value;
        }

        var world = new Dictionary<string, List<CanonicalRecord>>(StringComparer.Ordinal);
        List<CanonicalRecord> Collection(string name) => world.TryGetValue(name, out var list) ? list : world[name] = [];

        foreach (var (_, collection, id, record) in salesforce)
        {
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, node) in record)
            {
                if (!SalesforceDropped.Contains(name) && Text(node) is { } value)
                {
                    fields[name] = Canon(name, value, idContext: false);
                }
            }
            Collection(collection).Add(new CanonicalRecord(salesforceKeys[id], id, fields));
        }

        foreach (var (type, id, record) in hubSpot)
        {
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, node) in record)
            {
                if (name == "properties" && node is JsonObject properties)
                {
                    foreach (var (property, value) in properties)
                    {
                        if (!HubSpotDropped.Contains(property) && Text(value) is { } text)
                        {
                            fields["properties." + property] = Canon(property, text, idContext: false);
                        }
                    }
                }
                else if (!HubSpotDropped.Contains(name) && Text(node) is { } value)
                {
                    fields[name] = Canon(name, value, idContext: false);
                }
            }
            Collection($"HubSpot {type}").Add(new CanonicalRecord(hubSpotKeys[(type, id)], id, fields));
        }

        // Everything else the exporter gives (associations, merges): each entry is its own key, ids canonicalised.
        foreach (var (name, node) in export.HubSpot)
        {
            if (node is JsonArray array && !array.OfType<JsonObject>().Any(e => e["id"] is not null))
            {
                foreach (var entry in array)
                {
                    var key = Flatten(entry, (type, id) => hubSpotKeys.GetValueOrDefault((type, id)), Canon);
                    Collection($"HubSpot {name}").Add(new CanonicalRecord(key, "", new Dictionary<string, string>()));
                }
            }
            else if (node is JsonObject map)
            {
                foreach (var (inner, value) in map)
                {
                    if (value is JsonObject entries)
                    {
                        foreach (var (from, to) in entries)
                        {
                            // merges: {"companies": {"merged id": "survivor id"}}, ids of that type.
                            var fromKey = hubSpotKeys.GetValueOrDefault((inner, from)) ?? Canon(inner, from, idContext: true);
                            var toKey = Text(to) is { } t ? hubSpotKeys.GetValueOrDefault((inner, t)) ?? Canon(inner, t, idContext: true) : "null";
                            Collection($"HubSpot {name}").Add(new CanonicalRecord($"{inner}: {fromKey} → {toKey}", "", new Dictionary<string, string>()));
                        }
                    }
                    else
                    {
                        Collection($"HubSpot {name}").Add(new CanonicalRecord($"{inner}={Text(value)}", "", new Dictionary<string, string>()));
                    }
                }
            }
        }
        return world;
    }

    /// <summary>An association (or any entry without an id) as one line, its HubSpot ids replaced by their records' keys.</summary>
    static string Flatten(JsonNode? entry, Func<string, string, string?> keyOf, Func<string, string, bool, string> canon)
    {
        if (entry is not JsonObject fields)
        {
            return Text(entry) ?? "null";
        }
        var text = new StringBuilder();
        foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var raw = Text(value) ?? "null";
            // Associations name each end's type beside its id ("to": "contacts", "toId": "1003491").
            var typed = name.Length > 2 && name.EndsWith("Id", StringComparison.Ordinal) && Text(fields[name[..^2]]) is { } type
                ? keyOf(type, raw) ?? $"{type}/{raw} (no such record)"
                : canon(name, raw, false);
            text.Append(name).Append('=').Append(typed).Append(' ');
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>The first of the named fields that has a value, as "field=value" (emails and domains in lower case).</summary>
    static string? Natural(JsonObject? record, params string[] names)
    {
        foreach (var name in names)
        {
            if (Text(record?[name]) is { Length: > 0 } value)
            {
                return $"{name.ToLowerInvariant()}={(name is "Name" or "name" ? value : value.Trim().ToLowerInvariant())}";
            }
        }
        return null;
    }

    /// <summary>A field that holds an id: AccountId, ABM_HubSpot_Id__c, abm_salesforce_id, associatedcompanyid, hubspot_owner_id.</summary>
    static bool IdLike(string field) =>
        field.EndsWith("id", StringComparison.OrdinalIgnoreCase) || field.EndsWith("id__c", StringComparison.OrdinalIgnoreCase) ||
        field.Contains("_id", StringComparison.OrdinalIgnoreCase);

    /// <summary>A value as comparable text; null (or absent) is no value. Strings as themselves, the rest as JSON.</summary>
    static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var other => other.ToJsonString(),
    };
}

/// <summary>One field that differs between the two worlds for the same record.</summary>
public sealed record FieldDifference(string Collection, string Key, string ReferenceId, string KilledId, string Field, string? Reference, string? Killed);

/// <summary>The comparison of one collection (an object type, or associations).</summary>
public sealed record CollectionComparison(string Collection, int Reference, int Killed, int Lost, int Duplicated, int Extra, int Wrong);

/// <summary>
/// Lost: keys of the reference missing from the killed world. Duplicated: extra copies of a key in either world,
/// plus keys the reference does not have. Wrong: keys in both whose fields differ.
/// </summary>
public sealed record WorldComparison(
    IReadOnlyList<CollectionComparison> Collections,
    IReadOnlyList<string> LostKeys,
    IReadOnlyList<string> DuplicatedKeys,
    IReadOnlyList<FieldDifference> Differences)
{
    public int Lost => Collections.Sum(c => c.Lost);
    public int Duplicated => Collections.Sum(c => c.Duplicated + c.Extra);
    public int Wrong => Collections.Sum(c => c.Wrong);
    public bool Equal => Lost == 0 && Duplicated == 0 && Wrong == 0;

    /// <summary>Every difference is kept (keys and fields); printing shows the first few.</summary>
    public static WorldComparison Compare(IReadOnlyDictionary<string, List<CanonicalRecord>> reference, IReadOnlyDictionary<string, List<CanonicalRecord>> killed)
    {
        var collections = new List<CollectionComparison>();
        var lostKeys = new List<string>();
        var duplicatedKeys = new List<string>();
        var differences = new List<FieldDifference>();
        foreach (var name in reference.Keys.Union(killed.Keys).Order(StringComparer.Ordinal))
        {
            var before = (reference.GetValueOrDefault(name) ?? []).GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var after = (killed.GetValueOrDefault(name) ?? []).GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var lost = before.Keys.Where(k => !after.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            var extra = after.Keys.Where(k => !before.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            var duplicated = 0;
            foreach (var (world, groups) in new[] { ("reference", before), ("killed", after) })
            {
                foreach (var (key, copies) in groups.Where(g => g.Value.Count > 1).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    duplicated += copies.Count - 1;
                    duplicatedKeys.Add($"{name} {key}: {copies.Count} copies in the {world} world (ids {string.Join(", ", copies.Select(c => c.Id))})");
                }
            }
            lostKeys.AddRange(lost.Select(k => $"{name} {k} (id {before[k][0].Id})"));
            duplicatedKeys.AddRange(extra.Select(k => $"{name} {k}: only in the killed world (id {string.Join(", ", after[k].Select(c => c.Id))})"));
            var wrong = 0;
            foreach (var key in before.Keys.Where(after.ContainsKey).Order(StringComparer.Ordinal))
            {
                var a = before[key][0];
                var b = after[key][0];
                var fields = a.Fields.Keys.Union(b.Fields.Keys).Where(f => a.Fields.GetValueOrDefault(f) != b.Fields.GetValueOrDefault(f)).Order(StringComparer.Ordinal).ToList();
                if (fields.Count > 0)
                {
                    wrong++;
                    differences.AddRange(fields.Select(f => new FieldDifference(name, key, a.Id, b.Id, f, a.Fields.GetValueOrDefault(f), b.Fields.GetValueOrDefault(f))));
                }
            }
            collections.Add(new CollectionComparison(name, before.Values.Sum(g => g.Count), after.Values.Sum(g => g.Count), lost.Count, duplicated, extra.Count, wrong));
        }
        return new WorldComparison(collections, lostKeys, duplicatedKeys, differences);
    }

    public void Print(TextWriter output, int examples = 10)
    {
        Report.Table(output, ["collection", "reference", "killed", "lost", "duplicated", "extra", "wrong"],
            Collections.Select(c => (IReadOnlyList<string>)[c.Collection, Report.N(c.Reference), Report.N(c.Killed), Report.N(c.Lost), Report.N(c.Duplicated), Report.N(c.Extra), Report.N(c.Wrong)]));
        foreach (var key in LostKeys.Take(examples))
        {
            output.WriteLine($"  lost: {key}");
        }
        foreach (var key in DuplicatedKeys.Take(examples))
        {
            output.WriteLine($"  duplicated: {key}");
        }
        foreach (var d in Differences.Take(examples))
        {
            output.WriteLine($"  wrong: {d.Collection} {d.Key} (ids {d.ReferenceId} / {d.KilledId}) {d.Field}: reference {Quote(d.Reference)}, killed {Quote(d.Killed)}");
        }
        var more = Math.Max(0, LostKeys.Count - examples) + Math.Max(0, DuplicatedKeys.Count - examples) + Math.Max(0, Differences.Count - examples);
        if (more > 0)
        {
            output.WriteLine($"  … and {Report.N(more)} more");
        }
    }

    static string Quote(string? value) => value is null ? "(none)" : "\"" + value + "\"";
}
