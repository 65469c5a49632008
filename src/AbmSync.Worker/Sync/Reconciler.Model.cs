namespace AbmSync.Worker.Sync;

/// <summary>The kinds of drift <c>abmsync reconcile</c> reports, as its JSON spells them.</summary>
public static class DriftCategories
{
    /// <summary>A Salesforce record in scope with no link of any status, that the sync would create in HubSpot or match there.</summary>
    public const string MissingInHubSpot = "missing-in-hubspot";

    /// <summary>A HubSpot record passing the mapping's HubSpot filter with no link, that this pair would create in Salesforce.</summary>
    public const string MissingInSalesforce = "missing-in-salesforce";

    /// <summary>An active link whose records disagree on a mapped field (the owner apart) as the planner compares them.</summary>
    public const string FieldDrift = "field-drift";

    /// <summary>An active link whose Salesforce or HubSpot record no longer exists.</summary>
    public const string OrphanLink = "orphan-link";

    /// <summary>Several records on one side sharing a match key's value (a domain, an email).</summary>
    public const string DuplicateCandidates = "duplicate-candidates";

    /// <summary>An active link whose Salesforce owner maps to a HubSpot owner other than <c>hubspot_owner_id</c>.</summary>
    public const string OwnerMismatch = "owner-mismatch";

    public static readonly IReadOnlyList<string> All = [MissingInHubSpot, MissingInSalesforce, FieldDrift, OrphanLink, DuplicateCandidates, OwnerMismatch];
}

/// <summary>
/// One finding. <see cref="Id"/> is what the report prints: the Salesforce id (missing in HubSpot), the HubSpot id
/// (missing in Salesforce), <c>salesforceId/hubspotId</c> (a link's drift, an orphan link, an owner mismatch), or a
/// duplicate group's ids joined by <c>+</c>.
/// </summary>
public sealed record DriftItem(string Object, string Category, string Id)
{
    public string? SalesforceId { get; init; }
    public string? HubSpotId { get; init; }

    /// <summary>The mapped fields that disagree, by their Salesforce names (field drift, owner mismatch).</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];

    /// <summary>Why <c>--repair</c> leaves it as it is; null when repair heals it.</summary>
    public string? Leave { get; init; }

    /// <summary>An orphan link's tombstone: the side whose record is gone.</summary>
    public string? Tombstone { get; init; }
}

/// <summary>Something the report says besides its counts, and repair leaves alone.</summary>
/// <param name="Category">The category it would have been in: a tombstoned link's surviving record is never re-created.</param>
public sealed record LeftItem(string Object, string Id, string Category, string Why);

/// <summary>One pair's drift, with what was read to find it.</summary>
public sealed record PairDrift(string Object, IReadOnlyList<DriftItem> Items, IReadOnlyList<LeftItem> Tombstoned, IReadOnlyList<string> Notes)
{
    public int SalesforceRead { get; init; }
    public int SalesforceInScope { get; init; }
    public int HubSpotRead { get; init; }
    public int ActiveLinks { get; init; }

    public int Count(string category) => Items.Count(i => i.Category == category);
}

/// <summary>
/// Every pair's drift and the totals. A HubSpot contact is read by both the contacts and the leads pair, so a
/// duplicate group of HubSpot contacts shows under both pairs and counts once in the totals: totals count distinct ids.
/// </summary>
public sealed record DriftReport(IReadOnlyList<PairDrift> Pairs, long SalesforceCalls, long HubSpotCalls)
{
    /// <summary>Ids shown per category.</summary>
    public const int MaxExamples = 10;

    public IEnumerable<string> Ids(string category) =>
        Pairs.SelectMany(p => p.Items).Where(i => i.Category == category).Select(i => i.Id).Distinct(StringComparer.Ordinal);

    public int Count(string category) => Ids(category).Count();

    public IReadOnlyList<string> Examples(string category) => [.. Ids(category).Take(MaxExamples)];

    public bool IsClean => DriftCategories.All.All(c => Count(c) == 0);

    /// <summary>The report in the shape the issue fixed: <c>{"categories": {c: n}, "examples": {c: [ids]}}</c>, every category present.</summary>
    public object ToJson() => new Dictionary<string, object>
    {
        ["categories"] = DriftCategories.All.ToDictionary(c => c, Count),
        ["examples"] = DriftCategories.All.ToDictionary(c => c, Examples),
    };
}

/// <summary>What one pair's repair did before and through its sync run.</summary>
public sealed record PairRepair(string Object, int ReRead, int Tombstoned, SyncSummary? Run);

/// <summary><c>reconcile --repair</c>: the report before, what was done, the report after, and what was left with why.</summary>
public sealed record RepairOutcome(DriftReport Before, IReadOnlyList<PairRepair> Repairs, DriftReport After, IReadOnlyList<LeftItem> Left)
{
    /// <summary>Per category, the findings of the report before that repair acted on and the report after no longer has.</summary>
    public IReadOnlyDictionary<string, int> Repaired { get; init; } = new Dictionary<string, int>();

    public object ToJson() => new Dictionary<string, object>
    {
        ["before"] = Before.ToJson(),
        ["after"] = After.ToJson(),
        ["repaired"] = DriftCategories.All.ToDictionary(c => c, c => Repaired.GetValueOrDefault(c)),
        ["left"] = Left.Select(l => new Dictionary<string, string> { ["id"] = l.Id, ["category"] = l.Category, ["why"] = l.Why }).ToList(),
    };
}
