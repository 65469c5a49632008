using AbmSync.Core.Mapping;

namespace AbmSync.Core.Sync;

/// <summary>One of the two systems a record lives in.</summary>
public enum SyncSide { Salesforce, HubSpot }

/// <summary>
/// What a field's text means, so that two texts compare as values: <c>"5000000.00"</c> and <c>"5000000"</c> are the
/// same number, <c>"True"</c> and <c>"true"</c> the same boolean. A field with no declared kind is <see cref="Text"/>.
/// </summary>
public enum FieldKind { Text, Number, Boolean, Date, DateTime, Picklist, Reference }

/// <summary>
/// Who a user on one side is on the other. A null answer means the owner cannot be mapped: the other side's owner is
/// left as it is and the plan says so, rather than clearing an owner or guessing one.
/// </summary>
public sealed record OwnerMap(Func<string, string?> HubSpotOwnerOf, Func<string, string?> SalesforceUserOf)
{
    /// <summary>An identity that maps nobody (for mappings without an owner field).</summary>
    public static OwnerMap None { get; } = new(_ => null, _ => null);
}

/// <summary>Everything the planner needs besides the record pair: the mapping, the clock reading and the knobs.</summary>
/// <param name="Mapping">The object mapping; the planner knows no object or field names beyond it.</param>
/// <param name="Now">The time of the run, passed in because Core has no clock.</param>
/// <param name="Owners">Owner identity across the systems.</param>
/// <param name="SalesforceKinds">Salesforce field name → kind; a field not listed is text.</param>
/// <param name="HubSpotKinds">HubSpot property name → kind; a property not listed is text.</param>
/// <param name="CreateInHubSpot">Whether a Salesforce record with no twin may be created in HubSpot.</param>
/// <param name="CreateInSalesforce">Whether a HubSpot record with no twin may be created in Salesforce.</param>
/// <param name="HubSpotTimeZone">The portal's time zone: where a Salesforce date meets a HubSpot date-time.</param>
/// <param name="LatestWinsFallback">The policy used when <c>latest-wins</c> cannot tell which change came last.</param>
public sealed record PlanContext(
    ObjectMapping Mapping,
    DateTimeOffset Now,
    OwnerMap Owners,
    IReadOnlyDictionary<string, FieldKind> SalesforceKinds,
    IReadOnlyDictionary<string, FieldKind> HubSpotKinds,
    bool CreateInHubSpot,
    bool CreateInSalesforce,
    ConflictPolicy LatestWinsFallback = ConflictPolicy.SalesforceWins,
    Func<string, OwnerMap>? Links = null,
    TimeZoneInfo? HubSpotTimeZone = null)
{
    /// <summary>
    /// The id translation of a linked field: Salesforce id ↔ its twin's HubSpot id in the named pair, the same shape as
    /// the owner map. A record of that pair not linked (yet) translates to nothing: the other side is left unchanged.
    /// </summary>
    public OwnerMap LinksOf(string pair) => Links?.Invoke(pair) ?? OwnerMap.None;

    /// <summary>The kind of a field on one side (text when not declared).</summary>
    public FieldKind KindOf(SyncSide side, string field) =>
        (side == SyncSide.Salesforce ? SalesforceKinds : HubSpotKinds).GetValueOrDefault(field, FieldKind.Text);
}

/// <summary>A record as read from one side.</summary>
/// <param name="Id">The record's id on its side.</param>
/// <param name="Values">Field → canonical text as read (null or "" = blank).</param>
/// <param name="Deleted">The record is deleted (Salesforce) or archived (HubSpot).</param>
/// <param name="ModifiedAt">The record's last modification time.</param>
/// <param name="LastModifiedByUs">The last modification was our own write, so <paramref name="ModifiedAt"/> says nothing about a person's edit.</param>
/// <param name="FieldTimes">Per-field change times where the side keeps history (may be null or partial).</param>
public sealed record SideRecord(
    string Id,
    IReadOnlyDictionary<string, string?> Values,
    bool Deleted = false,
    DateTimeOffset? ModifiedAt = null,
    bool LastModifiedByUs = false,
    IReadOnlyDictionary<string, DateTimeOffset>? FieldTimes = null);

/// <summary>
/// The value each field held on each side when we last wrote or accepted it (null or "" = blank). A field absent from
/// a side's dictionary was never set by us: that is what lets a first link tell "never set" from "cleared".
/// </summary>
public sealed record FieldBaselines(IReadOnlyDictionary<string, string?> Salesforce, IReadOnlyDictionary<string, string?> HubSpot)
{
    /// <summary>No baselines on either side (a record never synced).</summary>
    public static FieldBaselines Empty { get; } = new(new Dictionary<string, string?>(), new Dictionary<string, string?>());
}

/// <summary>
/// Values that rules own outright (a tier, a score) per side: written wherever the side's value differs. They are not
/// mapping fields and take no part in conflict resolution.
/// </summary>
public sealed record RuleValues(IReadOnlyDictionary<string, string?> Salesforce, IReadOnlyDictionary<string, string?> HubSpot)
{
    /// <summary>No rule-owned values.</summary>
    public static RuleValues None { get; } = new(new Dictionary<string, string?>(), new Dictionary<string, string?>());
}

/// <summary>Whether the two records are known twins.</summary>
public enum LinkStatus { Unlinked, Linked, LinkedTwinDeleted }

/// <summary>The link between a record pair, and for a deleted twin which side deleted it.</summary>
public sealed record LinkState(LinkStatus Status, SyncSide? DeletedSide = null)
{
    /// <summary>Not linked yet.</summary>
    public static LinkState Unlinked { get; } = new(LinkStatus.Unlinked);

    /// <summary>Linked twins.</summary>
    public static LinkState Linked { get; } = new(LinkStatus.Linked);

    /// <summary>Linked, and the record on <paramref name="side"/> was deleted.</summary>
    public static LinkState TwinDeleted(SyncSide side) => new(LinkStatus.LinkedTwinDeleted, side);
}

/// <summary>One record pair to plan.</summary>
/// <param name="Salesforce">The Salesforce record, or null when there is none (or it was not read).</param>
/// <param name="HubSpot">The HubSpot record, or null when there is none (or it was not read).</param>
/// <param name="Link">The pair's link state.</param>
/// <param name="Baselines">The per-field baselines of both sides.</param>
/// <param name="Rules">Rule-owned values per side; null for none.</param>
public sealed record PlanInput(
    SideRecord? Salesforce,
    SideRecord? HubSpot,
    LinkState Link,
    FieldBaselines Baselines,
    RuleValues? Rules = null);

/// <summary>What happens to the link (and the records) besides field writes.</summary>
public enum LinkActionKind { None, CreateInHubSpot, CreateInSalesforce, Unlink, DeleteInHubSpot, DeleteInSalesforce, Skip }

/// <summary>The link action of a plan, with the reason when it is a skip (or another action worth explaining).</summary>
public sealed record LinkAction(LinkActionKind Kind, string? Reason = null)
{
    /// <summary>Nothing to do to the link.</summary>
    public static LinkAction None { get; } = new(LinkActionKind.None);
}

/// <summary>How a two-way field whose sides both changed (or disagree) was settled.</summary>
/// <param name="SalesforceField">The Salesforce field.</param>
/// <param name="HubSpotField">The HubSpot property.</param>
/// <param name="Policy">The field's policy.</param>
/// <param name="Winner">The side whose value stands.</param>
/// <param name="SalesforceValue">Salesforce's value as read.</param>
/// <param name="HubSpotValue">HubSpot's value as read.</param>
/// <param name="Reason">Why the winner won, in a few words.</param>
/// <param name="Uncertain">Latest-wins could not tell and the fallback decided.</param>
/// <param name="DecidedBy">For latest-wins, the times compared and where they came from.</param>
public sealed record ConflictDecision(
    string SalesforceField,
    string HubSpotField,
    ConflictPolicy Policy,
    SyncSide Winner,
    string? SalesforceValue,
    string? HubSpotValue,
    string Reason,
    bool Uncertain,
    string? DecidedBy);

/// <summary>
/// A one-way field whose target someone changed since we last wrote it, and that the plan puts back. The write itself
/// is in the side's writes as well; this list lets the runner count (and report) corrections apart from ordinary writes.
/// </summary>
public sealed record FieldCorrection(SyncSide Side, string Field, string? Found, string? Baseline, string? PutBack);

/// <summary>Something the plan could not do, or chose not to do, for one field.</summary>
/// <param name="Code">A stable code: <see cref="OwnerUnmapped"/>, <see cref="ValueUnmapped"/> or <see cref="HeldDisagreement"/>.</param>
/// <param name="Side">The side left unchanged.</param>
/// <param name="Field">The field on that side.</param>
/// <param name="Detail">Human-readable detail.</param>
public sealed record PlanNote(string Code, SyncSide Side, string Field, string Detail)
{
    /// <summary>An owner id has no counterpart on the other side; the other side's owner was left unchanged.</summary>
    public const string OwnerUnmapped = "owner-unmapped";

    public const string LinkUnmapped = "link-unmapped";

    /// <summary>A value has no counterpart through the value map (a <c>"*"</c> fallback has no reverse); nothing was written.</summary>
    public const string ValueUnmapped = "value-unmapped";

    /// <summary>
    /// The sides disagree, neither changed since the last sync, and one value cannot be carried across: the
    /// disagreement was accepted at the last sync and is kept until someone changes one side.
    /// </summary>
    public const string HeldDisagreement = "held-disagreement";
}

/// <summary>The plan for one record pair.</summary>
/// <param name="Link">What happens to the link.</param>
/// <param name="SalesforceWrites">Salesforce field → value to write (null = clear). For a create, the new record's values.</param>
/// <param name="HubSpotWrites">HubSpot property → value to write (null = clear). For a create, the new record's values.</param>
/// <param name="Conflicts">Every two-way field whose sides both changed to different values, and how it was settled.</param>
/// <param name="Corrections">One-way targets a person changed and the plan puts back (also present in the writes).</param>
/// <param name="Notes">Per-field notes such as owner-unmapped.</param>
/// <param name="NewBaselines">Both sides' baselines as they will be once the writes succeed; the runner persists them.</param>
public sealed record RecordPlan(
    LinkAction Link,
    IReadOnlyDictionary<string, string?> SalesforceWrites,
    IReadOnlyDictionary<string, string?> HubSpotWrites,
    IReadOnlyList<ConflictDecision> Conflicts,
    IReadOnlyList<FieldCorrection> Corrections,
    IReadOnlyList<PlanNote> Notes,
    FieldBaselines NewBaselines)
{
    /// <summary>No writes on either side (the link action and notes may still say something).</summary>
    public bool IsEmpty => SalesforceWrites.Count == 0 && HubSpotWrites.Count == 0;

    /// <summary>Writes that are not corrections, on both sides together.</summary>
    public int OrdinaryWriteCount => SalesforceWrites.Count + HubSpotWrites.Count - Corrections.Count;
}
