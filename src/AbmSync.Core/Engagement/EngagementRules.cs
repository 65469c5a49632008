namespace AbmSync.Core.Engagement;

/// <summary>The kinds of engagement signal the rules can weigh: activities, HubSpot's counters, and the first-read backfill.</summary>
public static class SignalTypes
{
    public const string Meeting = "meeting";
    public const string Call = "call";
    public const string Email = "email";
    public const string Note = "note";
    public const string PageView = "page-view";
    public const string Visit = "visit";
    public const string EmailOpen = "email-open";
    public const string EmailClick = "email-click";
    public const string FormSubmission = "form-submission";
    /// <summary>A contact's counters as first seen: the history before AbmSync watched it, already weighted per counter.</summary>
    public const string Backfill = "backfill";

    public static readonly IReadOnlyList<string> All =
        [Meeting, Call, Email, Note, PageView, Visit, EmailOpen, EmailClick, FormSubmission, Backfill];

    /// <summary>The types HubSpot keeps as running counts on a contact, each with a companion last-time property.</summary>
    public static readonly IReadOnlyList<string> Counters = [PageView, Visit, EmailOpen, EmailClick, FormSubmission];
}

/// <summary>When an account counts as surging: this week's points against its usual week.</summary>
public sealed record SurgeRule(decimal Ratio, decimal MinThisWeek)
{
    public static readonly SurgeRule Default = new(2m, 10m);
}

/// <summary>
/// The engagement section of <c>rules.yaml</c>: how much each signal type weighs, how fast it fades, how many decayed
/// points make a full score, and what a surge is.
/// </summary>
public sealed record EngagementRules(int HalfLifeDays, decimal FullScoreAt, IReadOnlyDictionary<string, decimal> Weights, SurgeRule Surge)
{
    /// <summary>A type the rules do not list weighs nothing, so adding a signal source never changes scores by itself.</summary>
    public decimal Weight(string type) => Weights.TryGetValue(type, out var weight) ? weight : 0m;

    /// <summary>What a rules file without an engagement section gets: the shipped weights.</summary>
    public static readonly EngagementRules Default = new(30, 100m, new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        [SignalTypes.Meeting] = 10m, [SignalTypes.Call] = 5m, [SignalTypes.Email] = 2m, [SignalTypes.Note] = 1m,
        [SignalTypes.PageView] = 0.2m, [SignalTypes.Visit] = 1m, [SignalTypes.EmailOpen] = 0.5m, [SignalTypes.EmailClick] = 2m,
        [SignalTypes.FormSubmission] = 8m, [SignalTypes.Backfill] = 1m,
    }, SurgeRule.Default);
}
