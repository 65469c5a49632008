using System.Globalization;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>
/// Record merges: the primary survives with its id, takes the values it lacks from the merged record, lists the merged
/// ids in <c>hs_merged_object_ids</c>, inherits its associations, and the merged id resolves to it from then on.
/// </summary>
internal static class HsMerge
{
    static readonly HashSet<string> System = new(StringComparer.Ordinal)
    {
        "hs_object_id", "createdate", "hs_createdate", "hs_lastmodifieddate", "lastmodifieddate", "hs_merged_object_ids",
    };

    public static HsRecord Merge(HsPortal portal, HsRecord primary, HsRecord merged, HsActor actor, DateTimeOffset? at = null)
    {
        var values = merged.Props
            .Where(p => !System.Contains(p.Key) && !primary.Props.ContainsKey(p.Key))
            .ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);

        var mergedIds = Ids(primary).Concat([merged.Id]).Concat(Ids(merged)).Distinct().Order();
        portal.Associations.MoveAll(merged.Type, merged.Id, primary.Id);
        // Frees the merged record's unique values before the survivor takes any of them.
        portal.Archive(merged, at);
        portal.Remove(merged);
        portal.MergedInto[merged.Type][merged.Id] = primary.Id;
        foreach (var old in Ids(merged))
        {
            portal.MergedInto[merged.Type][old] = primary.Id;
        }

        portal.Apply(primary, values, actor, at);
        primary.Props["hs_merged_object_ids"] = string.Join(';', mergedIds.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        HsPortal.Touch(primary, at ?? portal.Now);
        return primary;
    }

    static IEnumerable<long> Ids(HsRecord record) =>
        record.Props.TryGetValue("hs_merged_object_ids", out var ids)
            ? ids.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(i => long.Parse(i, CultureInfo.InvariantCulture))
            : [];
}
