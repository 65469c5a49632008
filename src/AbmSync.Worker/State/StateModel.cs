namespace AbmSync.Worker.State;

/// <summary>The sides a record lives on.</summary>
public static class Side
{
    public const string Salesforce = "salesforce";
    public const string HubSpot = "hubspot";

    /// <summary>Not a side but its cursor: how far Salesforce's deleted records have been asked for.</summary>
    public const string SalesforceDeletes = "salesforce-deletes";
}

public sealed record RecordLink(string Object, string SalesforceId, string HubSpotId, string LinkReason, DateTimeOffset LinkedAt,
    DateTimeOffset? SalesforceModstamp, string Status = LinkStatuses.Active)
{
    /// <summary>For a merge tombstone: the HubSpot record the twin went into.</summary>
    public string? MergedInto { get; init; }

    /// <summary>The HubSpot record a child of this record belongs to: after a merge, the one it went into.</summary>
    public string CurrentHubSpotId => MergedInto ?? HubSpotId;
}

/// <summary>What a link is now.</summary>
public static class LinkStatuses
{
    public const string Active = "active";

    /// <summary>A lead's link after the contact it was converted to took over its HubSpot record.</summary>
    public const string Converted = "converted";

    /// <summary>A tombstone: the Salesforce record was deleted (its twin deleted too, unlinked, or kept by onDelete).</summary>
    public const string SalesforceDeleted = "salesforce-deleted";

    /// <summary>A tombstone: the HubSpot record was archived or deleted.</summary>
    public const string HubSpotDeleted = "hubspot-deleted";

    /// <summary>A tombstone: the HubSpot twin was merged into another record's twin (the record it went into is kept).</summary>
    public const string HubSpotMerged = "hubspot-merged";

    /// <summary>A tombstone: the Salesforce record was merged into its master, which took over the link.</summary>
    public const string SalesforceMerged = "salesforce-merged";

    /// <summary>True for every status that means the pair no longer syncs and nothing is created again.</summary>
    public static bool IsTombstone(string status) => status is SalesforceDeleted or HubSpotDeleted or HubSpotMerged or SalesforceMerged;
}

public sealed record SyncCursor(DateTimeOffset ModifiedAt, string RecordId);

public sealed record WrittenValues(IReadOnlyDictionary<string, string> Values, string Hash)
{
    /// <summary>When the run that wrote them committed; null where not read back.</summary>
    public DateTimeOffset? WrittenAt { get; init; }
}

/// <summary>
/// A record that failed to sync on one side. <see cref="Payload"/> is what we tried to write there (field → value);
/// <see cref="NextAttemptAt"/> is when a run may try it again (null: the next run).
/// </summary>
public sealed record DeadLetter(
    long Id, string Object, string Side, string RecordId, string Code, string Message, string? Fields, int Attempts,
    string Status, DateTimeOffset FirstFailedAt, DateTimeOffset LastFailedAt,
    IReadOnlyDictionary<string, string?>? Payload = null, DateTimeOffset? NextAttemptAt = null);

/// <summary>Where a dead letter is.</summary>
public static class DeadLetterStatuses
{
    /// <summary>Read again by id by the runs once it is due.</summary>
    public const string Open = "open";

    /// <summary>Failed on every step of the backoff: waits for a person (<c>abmsync dead-letters retry</c>).</summary>
    public const string Parked = "parked";

    /// <summary>The record went through later.</summary>
    public const string Resolved = "resolved";

    /// <summary>A person gave up on it: never retried, kept for the record.</summary>
    public const string Discarded = "discarded";

    public static readonly IReadOnlyList<string> All = [Open, Parked, Resolved, Discarded];
}

/// <summary>Dead-letter codes the store treats differently from a failure.</summary>
public static class DeadLetterCodes
{
    /// <summary>
    /// The record's parent (a contact's account) is not linked yet. Nothing failed: it is read again every run, costs
    /// no attempt, and goes through once the parent is linked.
    /// </summary>
    public const string WaitingForParent = "WAITING_FOR_PARENT";
}

/// <summary>A failure to record: a new dead letter, or one more attempt of an existing one.</summary>
public sealed record RecordFailure(string Side, string RecordId, string Code, string Message, IReadOnlyList<string> Fields)
{
    /// <summary>
    /// The writes we tried on <see cref="Side"/>, field → value, kept as JSON with the dead letter so that a person
    /// sees what was refused. Field values only: never a token or any other secret.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Payload { get; init; }
}

public sealed record Decision(
    string Object, string RecordId, string Kind, string? Value, int? Score, string? Detail, string Reason, string? OwnerId,
    bool Locked, long? RunId, DateTimeOffset DecidedAt);

public sealed record OwnerIdentity(string SalesforceUserId, string Email, bool SalesforceActive, string? HubSpotOwnerId);

public sealed record SyncRun(
    long Id, string Object, string Direction, string Mode, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Status,
    int RecordsRead, int HubSpotRecordsWritten, int SalesforceRecordsWritten, int DeadLettered, int SalesforceCalls,
    int HubSpotCalls, string? Message, DateTimeOffset? LastSeenAlive = null)
{
    /// <summary>What the run expected to spend before it started (the last run of its object), beside what it spent.</summary>
    public long? EstimatedSalesforceCalls { get; init; }
    public long? EstimatedHubSpotCalls { get; init; }

    /// <summary>The process that ran it (host/pid); null for runs from before the run log kept it.</summary>
    public string? Worker { get; init; }
}

/// <summary>Everything one page of a run changes in the state store, committed in one transaction.</summary>
public sealed class PageCommit(string objectName, long runId)
{
    public string Object { get; } = objectName;
    public long RunId { get; } = runId;
    public List<RecordLink> Links { get; } = [];
    /// <summary>Links of this or another pair whose status changes (a lead's link once its contact takes over).</summary>
    public List<(string Object, string SalesforceId, string Status)> LinkStatuses { get; } = [];
    /// <summary>Merge tombstones: the link's status and the HubSpot record its twin went into.</summary>
    public List<(string SalesforceId, string Status, string MergedInto)> Merged { get; } = [];
    /// <summary>Email hashes of people HubSpot deleted for good (GDPR): never created again.</summary>
    public List<string> Forgotten { get; } = [];
    /// <summary>Links handed from a merged-away Salesforce record to its master (which had none).</summary>
    public List<(string FromSalesforceId, string ToSalesforceId)> MovedLinks { get; } = [];
    public List<(string Side, string RecordId, WrittenValues Values)> Written { get; } = [];
    public List<Decision> Decisions { get; } = [];
    /// <summary>Rule decisions appended to the ledger with the page's writes, in the same transaction.</summary>
    public List<LedgerEntry> Ledger { get; } = [];
    /// <summary>The rules' snapshot of the records the page read (<see cref="RuleSubjectRow"/>), and the records it no longer holds.</summary>
    public List<RuleSubjectRow> Subjects { get; } = [];
    public List<(string Object, string RecordId)> SubjectsGone { get; } = [];
    public List<RecordFailure> Failures { get; } = [];
    /// <summary>Records that synced cleanly: their open dead letters on that side are resolved.</summary>
    public List<(string Side, string RecordId)> Succeeded { get; } = [];
    public SyncCursor? Cursor { get; set; }
    public string CursorSide { get; set; } = Side.Salesforce;
    /// <summary>Whose cursor it is: the object, or the object and partition (cursors are kept per partition).</summary>
    public string? CursorScope { get; set; }
}
