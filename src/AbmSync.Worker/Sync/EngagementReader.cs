using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Core.Engagement;
using AbmSync.Worker.State;
using Microsoft.Extensions.Logging;

namespace AbmSync.Worker.Sync;

/// <summary>
/// Turns what HubSpot knows of engagement into dated signals in the state store, with only what the rules need:
/// logged activities (meetings, calls, emails, notes) read incrementally with their contact and company
/// associations, and contacts' running counters (page views, visits, email opens and clicks, form submissions), read
/// with the contacts pass as the increase since the last read.
/// </summary>
public sealed partial class EngagementReader(HubSpotClient hubSpot, StateStore store, SyncConfiguration configuration, TimeProvider time,
    ILogger<EngagementReader> logger)
{
    /// <summary>The state store's object name for engagement's cursors and runs.</summary>
    public const string Object = "engagement";

    /// <summary>
    /// How far back a re-read starts before the cursor: HubSpot's search index lags a write by seconds, so an
    /// activity logged just before the last read may only now be visible. Signals are stored once by source key.
    /// </summary>
    static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    /// <summary>A counter type, the contact property HubSpot counts it in, and the companion "last time" property.</summary>
    public static readonly IReadOnlyList<(string Type, string Count, string LastAt)> Counters =
    [
        (SignalTypes.PageView, "hs_analytics_num_page_views", "hs_analytics_last_visit_timestamp"),
        (SignalTypes.Visit, "hs_analytics_num_visits", "hs_analytics_last_visit_timestamp"),
        (SignalTypes.EmailOpen, "hs_email_open", "hs_email_last_open_date"),
        (SignalTypes.EmailClick, "hs_email_click", "hs_email_last_click_date"),
        (SignalTypes.FormSubmission, "num_conversion_events", "recent_conversion_date"),
    ];

    /// <summary>The contact properties the contacts pass reads besides its mapping, for the counters and the contact's company.</summary>
    public static readonly IReadOnlyList<string> ContactProperties =
        [.. Counters.SelectMany(c => new[] { c.Count, c.LastAt }).Append("associatedcompanyid").Distinct(StringComparer.Ordinal)];

    public sealed record ActivityRead(int Activities, int NewSignals, IReadOnlyDictionary<string, int> PerType);

    /// <summary>
    /// Reads every activity type changed since its cursor and stores a signal per activity and associated contact
    /// (one per activity when it has no contact), with the first associated company. The cursor of a type moves only
    /// after its page's signals are stored, so a run stopped half-way reads that page again and adds nothing twice.
    /// </summary>
    public async Task<ActivityRead> ReadActivitiesAsync(long runId, bool full, bool dryRun, CancellationToken ct)
    {
        var perType = new Dictionary<string, int>(StringComparer.Ordinal);
        var activities = 0;
        var added = 0;
        var accountOf = await store.GetLinkedHubSpotIdsAsync(ObjectPairs.Accounts);
        foreach (var activityType in HubSpotEngagement.ActivityTypes)
        {
            var side = CursorSide(activityType);
            var cursor = full ? null : await store.GetCursorAsync(Object, side);
            var since = cursor is null ? DateTimeOffset.UnixEpoch : cursor.ModifiedAt - Overlap;
            var count = 0;
            await foreach (var page in hubSpot.ReadActivitiesAsync(activityType, since, ct: ct))
            {
                count += page.Activities.Count;
                if (dryRun)
                {
                    // A dry run only counts: nothing is stored and no cursor moves.
                    continue;
                }
                added += await store.AddSignalsAsync([.. page.Activities.SelectMany(a => ToSignals(a, accountOf))]);
                if (page.Watermark is { } watermark)
                {
                    var commit = new PageCommit(Object, runId) { Cursor = new SyncCursor(watermark, ""), CursorSide = side, CursorScope = Object };
                    await store.CommitPageAsync(commit);
                }
            }
            perType[activityType] = count;
            activities += count;
        }
        LogActivitiesRead(logger, runId, activities, added);
        return new ActivityRead(activities, added, perType);
    }

    public static string CursorSide(string activityType) => $"hubspot-{activityType}";

    /// <summary>The signal type of an activity object type.</summary>
    public static string SignalType(string activityType) => activityType switch
    {
        "meetings" => SignalTypes.Meeting,
        "calls" => SignalTypes.Call,
        "emails" => SignalTypes.Email,
        "notes" => SignalTypes.Note,
        _ => throw new ArgumentOutOfRangeException(nameof(activityType), activityType, "not an activity type"),
    };

    /// <summary>
    /// One signal per associated contact, so that each contact counts as engaged; an account counts the activity
    /// once however many of its people were there (<see cref="ActivityKey"/>). An activity without a date (a draft)
    /// is no engagement yet.
    /// </summary>
    public static IEnumerable<StoredSignal> ToSignals(HubSpotActivity activity, IReadOnlyDictionary<string, string> accountOfCompany)
    {
        if (activity.Timestamp is not { } at)
        {
            yield break;
        }
        var type = SignalType(activity.Type);
        var company = activity.CompanyIds.Order(StringComparer.Ordinal).FirstOrDefault();
        var account = company is null ? null : accountOfCompany.GetValueOrDefault(company);
        var key = $"{activity.Type}/{activity.Id}";
        if (activity.ContactIds.Count == 0)
        {
            yield return new StoredSignal(key, type, at, 1m, null, account, company);
            yield break;
        }
        foreach (var contact in activity.ContactIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            yield return new StoredSignal($"{key}#{contact}", type, at, 1m, contact, account, company);
        }
    }

    /// <summary>What an account counts once: the activity a signal came from (its source key up to the contact).</summary>
    public static string ActivityKey(StoredSignal signal) => signal.SourceKey.Split('#')[0];

    /// <summary>
    /// Stores the counter signals of HubSpot contacts read by the contacts pass: the increase since each contact's last
    /// read, dated by the counter's companion time, or one backfill on its first read. The signals are stored before
    /// the baselines: a run stopped between the two computes the same increases again, under the same source keys.
    /// </summary>
    public async Task<int> StoreCountersAsync(IReadOnlyCollection<HubSpotObject> contacts)
    {
        if (contacts.Count == 0)
        {
            return 0;
        }
        var rules = configuration.Rules.Engagement ?? EngagementRules.Default;
        // Only this page's companies: a page of contacts names a few, the link table holds every account.
        var companyIds = contacts.Select(c => c["associatedcompanyid"]).OfType<string>().Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var accountOf = (await store.GetLinksByHubSpotIdAsync(ObjectPairs.Accounts, companyIds))
            .Where(l => l.Value.Status == LinkStatuses.Active).ToDictionary(l => l.Key, l => l.Value.SalesforceId, StringComparer.Ordinal);
        var ids = contacts.Select(c => c.Id).Distinct(StringComparer.Ordinal).ToList();
        var baselines = await store.CounterBaselinesAsync(ids);
        var signals = new List<StoredSignal>();
        var next = new Dictionary<string, IReadOnlyDictionary<string, decimal>>(StringComparer.Ordinal);
        var readAt = time.GetUtcNow();
        foreach (var contact in contacts.DistinctBy(c => c.Id))
        {
            var readings = Counters.Select(c => new CounterReading(c.Type, Number(contact[c.Count]), Date(contact[c.LastAt]))).ToList();
            if (readings.All(r => r.Value is null) && !baselines.ContainsKey(contact.Id))
            {
                // HubSpot has counted nothing for this contact yet: nothing to backfill, and no baseline worth a row.
                continue;
            }
            var company = contact["associatedcompanyid"] is { Length: > 0 } c0 ? c0 : null;
            var account = company is null ? null : accountOf.GetValueOrDefault(company);
            var read = CounterSignals.Since(contact.Id, account, readings, baselines.GetValueOrDefault(contact.Id), rules);
            foreach (var s in read.Signals)
            {
                // A backfill has no date of its own: it is dated by the read, once (its key has no time in it).
                var key = s.Type == SignalTypes.Backfill
                    ? $"counter/{contact.Id}/backfill"
                    : $"counter/{contact.Id}/{s.Type}/{s.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
                signals.Add(new StoredSignal(key, s.Type, s.Type == SignalTypes.Backfill && s.At > readAt ? readAt : s.At, s.Amount, contact.Id, account, company));
            }
            next[contact.Id] = read.Baseline;
        }
        var added = await store.AddSignalsAsync(signals);
        await store.SaveCounterBaselinesAsync(next);
        return added;
    }

    static decimal? Number(string? text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>HubSpot datetimes come as ISO 8601 or as epoch milliseconds, depending on the property.</summary>
    internal static DateTimeOffset? Date(string? text) =>
        text is not { Length: > 0 } ? null
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.ToUniversalTime()
        : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "engagement run {RunId}: read {Activities} activities, {Added} new signals")]
    static partial void LogActivitiesRead(ILogger logger, long runId, int activities, int added);
}
