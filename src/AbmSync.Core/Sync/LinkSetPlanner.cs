namespace AbmSync.Core.Sync;

/// <summary>
/// What to change so that both sides hold <see cref="Result"/>: the linked records to add and to remove on each side
/// (Salesforce ids of the other pair's records), and the set both agree on afterwards, the next baseline.
/// </summary>
public sealed record LinkSetPlan(
    IReadOnlySet<string> Result,
    IReadOnlyList<string> AddInSalesforce,
    IReadOnlyList<string> RemoveInSalesforce,
    IReadOnlyList<string> AddInHubSpot,
    IReadOnlyList<string> RemoveInHubSpot)
{
    public bool IsEmpty => AddInSalesforce.Count + RemoveInSalesforce.Count + AddInHubSpot.Count + RemoveInHubSpot.Count == 0;
}

/// <summary>
/// A record's links to many records of another pair: an opportunity's contact roles, which are a deal's contact
/// associations in HubSpot. A set is not one value, so it is merged, not decided by a policy: what either side added
/// since the baseline is added to the other, what either side removed is removed from the other, and the rest stays.
/// Both sides are given in one id space (the Salesforce ids of linked records), so a record not linked on the other
/// side never takes part. Without a baseline (the first comparison) nothing is removed: the union is kept.
/// </summary>
public static class LinkSetPlanner
{
    public static LinkSetPlan Plan(IReadOnlySet<string> salesforce, IReadOnlySet<string> hubSpot, IReadOnlySet<string>? baseline)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        if (baseline is null)
        {
            result.UnionWith(salesforce);
            result.UnionWith(hubSpot);
        }
        else
        {
            result.UnionWith(baseline.Where(id => salesforce.Contains(id) && hubSpot.Contains(id)));
            result.UnionWith(salesforce.Where(id => !baseline.Contains(id)));
            result.UnionWith(hubSpot.Where(id => !baseline.Contains(id)));
        }
        return new LinkSetPlan(
            result,
            [.. result.Where(id => !salesforce.Contains(id))],
            [.. salesforce.Where(id => !result.Contains(id)).Order(StringComparer.Ordinal)],
            [.. result.Where(id => !hubSpot.Contains(id))],
            [.. hubSpot.Where(id => !result.Contains(id)).Order(StringComparer.Ordinal)]);
    }

    /// <summary>A set as a baseline value: its ids sorted, semicolon-separated (empty for none).</summary>
    public static string Format(IEnumerable<string> ids) => string.Join(';', ids.Order(StringComparer.Ordinal));

    /// <summary>The set a baseline value holds.</summary>
    public static IReadOnlySet<string> Parse(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
}
