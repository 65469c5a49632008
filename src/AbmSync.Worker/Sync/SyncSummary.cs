using AbmSync.Core.Sync;

namespace AbmSync.Worker.Sync;

/// <summary>What to run: which object pair, incremental from the cursors (default) or a full read; for real or as a dry run.</summary>
public sealed record SyncRequest(bool Full = false, bool DryRun = false, string Object = ObjectPairs.Accounts)
{
    /// <summary>Which share of the pair's records this run plans and writes (all by default).</summary>
    public Partition Partition { get; init; } = Partition.All;

    /// <summary>Which side's changes drive the run: both in turn (the default), or one.</summary>
    public SyncDirections Direction { get; init; } = SyncDirections.Both;

    /// <summary>Salesforce ids to read again whatever the cursor says (change events, a person's "sync this now").</summary>
    public IReadOnlyList<string> ReRead { get; init; } = [];
}

/// <summary>
/// A share of a pair's records: those whose Salesforce id falls in bucket <see cref="Index"/> of <see cref="Count"/>
/// (a stable hash, the same in every process). Partitions are disjoint, so runs of different partitions may go at
/// once: each has its own cursors and lease. Every partition reads every change (the population rules see them all)
/// and plans and writes only its own records.
/// </summary>
public sealed record Partition(int Index, int Count)
{
    public static Partition All { get; } = new(0, 1);

    public bool IsAll => Count == 1;

    public bool Contains(string salesforceId) => IsAll || Bucket(salesforceId) == Index;

    /// <summary>The key cursors and leases are kept under: the pair's name, with the partition when there are several.</summary>
    public string Key(string pair) => IsAll ? pair : $"{pair}#{Index}/{Count}";

    /// <summary>FNV-1a over the id's characters: stable across processes and runs, unlike string.GetHashCode.</summary>
    int Bucket(string id)
    {
        var hash = 2166136261u;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % (uint)Count);
    }

    public static Partition Parse(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var count) && count >= 1 && index >= 0 && index < count
            ? new Partition(index, count)
            : throw new FormatException($"a partition is INDEX/COUNT with 0 <= INDEX < COUNT, such as 0/4; '{text}' is not");
    }

    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>
/// Which side's changes a run reads and carries. Each record is planned against both sides whichever side drove it;
/// the direction only says whose changes are looked for.
/// </summary>
public enum SyncDirections { Both, SalesforceToHubSpot, HubSpotToSalesforce }

/// <summary>One write a run made, or in a dry run would make.</summary>
public sealed record PlannedWrite(string System, string Operation, string SalesforceId, string? HubSpotId, IReadOnlyDictionary<string, string> Values);

/// <summary>One record's plan as <c>abmsync plan</c> shows it: the writes to each side, conflicts, corrections, the tier move.</summary>
public sealed record PlannedRecord(
    string? SalesforceId,
    string? HubSpotId,
    string Link,
    IReadOnlyDictionary<string, string?> SalesforceWrites,
    IReadOnlyDictionary<string, string?> HubSpotWrites,
    IReadOnlyList<ConflictDecision> Conflicts,
    IReadOnlyList<FieldCorrection> Corrections,
    IReadOnlyList<PlanNote> Notes,
    string? TierFrom,
    string? TierTo);

/// <summary>What one run did.</summary>
public sealed record SyncSummary(
    long RunId,
    string Object,
    string Status,
    int RecordsRead,
    int RecordsUnchanged,
    int HubSpotCreated,
    int HubSpotUpdated,
    int SalesforceUpdated,
    int DeadLettered,
    int Linked,
    IReadOnlyDictionary<string, int> AccountsPerTier,
    int AccountsWithHubSpotOwner,
    int AccountsWithoutHubSpotOwner,
    IReadOnlyList<string> UnmatchedOwnerEmails,
    IReadOnlyList<string> CreatedHubSpotProperties,
    IReadOnlyList<PlannedWrite> Writes,
    TimeSpan Elapsed,
    string? Message)
{
    /// <summary>What the pair's rules decided, in lines: match rate and ambiguous count, routing, ownership conflicts.</summary>
    public IReadOnlyList<string> RuleReport { get; init; } = [];

    /// <summary>HubSpot records read as changes (the Salesforce count is <see cref="RecordsRead"/>).</summary>
    public int HubSpotRead { get; init; }

    /// <summary>Engagement signals stored that were not stored before (activities, or the contacts' counters).</summary>
    public int SignalsAdded { get; init; }
    /// <summary>Values a person changed on the side a field only flows to, put back.</summary>
    public int Corrections { get; init; }
    /// <summary>Two-way fields both sides changed, each decided by its policy.</summary>
    public int Conflicts { get; init; }
    public int Excluded { get; init; }
    /// <summary>Records deleted in Salesforce since the cursor (read through queryAll): they leave the rules' population.</summary>
    public int Deleted { get; init; }
    /// <summary>Salesforce records created from their HubSpot twins (MQLs as contacts or leads).</summary>
    public int SalesforceCreated { get; init; }
    /// <summary>Links ended because a record was deleted on one side; the twin followed the mapping's onDelete.</summary>
    public int Unlinked { get; init; }
    /// <summary>Links a merge moved to the surviving record (on either side), and HubSpot twins merged after a Salesforce merge.</summary>
    public int Merged { get; init; }
    /// <summary>Why the Salesforce deletes were swept by id this run (the cursor was older than the deleted-records window), or null.</summary>
    public string? DeleteGap { get; init; }
    /// <summary>Changes to link sets (an opportunity's contact roles, a deal's contacts) made on either side.</summary>
    public int LinkSetChanges { get; init; }
    public IReadOnlyList<PlannedRecord> Plans { get; init; } = [];
}

/// <summary>
/// The state store keys a record by its Salesforce id; a HubSpot record that has no Salesforce twin yet (a create in
/// Salesforce that failed, or one flagged as ambiguous) is keyed <c>hubspot:{id}</c> until it has one.
/// </summary>
public static class HubSpotKey
{
    const string Prefix = "hubspot:";

    public static string For(string hubSpotId) => Prefix + hubSpotId;

    public static bool IsHubSpotKey(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    public static string IdOf(string key) => key[Prefix.Length..];
}
