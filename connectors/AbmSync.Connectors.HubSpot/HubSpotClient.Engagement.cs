using System.Globalization;
using System.Runtime.CompilerServices;

namespace AbmSync.Connectors.HubSpot;

/// <summary>A logged activity (meeting, call, email, note) with when it happened and whom it concerns.</summary>
public sealed record HubSpotActivity(
    string Id,
    string Type,
    DateTimeOffset? Timestamp,
    IReadOnlyDictionary<string, string?> Properties,
    IReadOnlyList<string> ContactIds,
    IReadOnlyList<string> CompanyIds);

/// <summary>One page of activities; <see cref="Watermark"/> as in <see cref="HubSpotChangePage"/>.</summary>
public sealed record HubSpotActivityPage(IReadOnlyList<HubSpotActivity> Activities, DateTimeOffset? Watermark);

/// <summary>
/// Engagement signals every paid tier has: contact summary properties and the activity objects. The Enterprise-only
/// events API is not used here.
/// </summary>
public static class HubSpotEngagement
{
    /// <summary>Contact summary properties: email, web, conversion and sales-activity counts and last dates.</summary>
    public static readonly IReadOnlyList<string> ContactSummaryProperties =
    [
        "email", "jobtitle", "associatedcompanyid", "hubspot_owner_id", "lastmodifieddate", "lifecyclestage",
        "hs_email_last_open_date", "hs_email_last_click_date", "hs_email_last_send_date", "hs_email_open", "hs_email_click",
        "hs_sales_email_last_replied",
        "num_conversion_events", "recent_conversion_date", "recent_conversion_event_name", "first_conversion_date",
        "hs_analytics_num_page_views", "hs_analytics_num_visits", "hs_analytics_last_visit_timestamp",
        "hs_last_sales_activity_timestamp", "notes_last_contacted",
    ];

    /// <summary>The activity object types read as engagement.</summary>
    public static readonly IReadOnlyList<string> ActivityTypes = ["meetings", "calls", "emails", "notes"];

    /// <summary>The properties read for one activity type: hs_timestamp (when it happened) plus what tells its kind.</summary>
    public static IReadOnlyList<string> ActivityProperties(string activityType) => activityType switch
    {
        "meetings" => ["hs_timestamp", "hubspot_owner_id", "hs_meeting_start_time", "hs_meeting_outcome", "hs_meeting_title"],
        "calls" => ["hs_timestamp", "hubspot_owner_id", "hs_call_direction", "hs_call_duration", "hs_call_disposition", "hs_call_status"],
        "emails" => ["hs_timestamp", "hubspot_owner_id", "hs_email_direction", "hs_email_subject"],
        "notes" => ["hs_timestamp", "hubspot_owner_id"],
        _ => ["hs_timestamp", "hubspot_owner_id"],
    };
}

public sealed partial class HubSpotClient
{
    /// <summary>Contacts' engagement summary properties, by contact id (batch read, 100 per call).</summary>
    public Task<HubSpotBatchResult> ReadContactEngagementAsync(IReadOnlyList<string> contactIds, CancellationToken ct = default) =>
        BatchReadAsync("contacts", contactIds, HubSpotEngagement.ContactSummaryProperties, null, ct);

    /// <summary>
    /// Activities of one type changed since <paramref name="since"/>, page by page (incremental search), each with its
    /// associated contact and company ids (two association batch reads per page).
    /// </summary>
    public async IAsyncEnumerable<HubSpotActivityPage> ReadActivitiesAsync(
        string activityType,
        DateTimeOffset since,
        DateTimeOffset? until = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var page in ReadModifiedAsync(activityType, HubSpotEngagement.ActivityProperties(activityType), since, until, MaxSearchLimit, ct))
        {
            var ids = page.Records.Select(r => r.Id).ToList();
            var contacts = await BatchReadAssociationsAsync(activityType, "contacts", ids, ct);
            var companies = await BatchReadAssociationsAsync(activityType, "companies", ids, ct);
            var activities = page.Records.Select((r, i) => new HubSpotActivity(
                r.Id,
                activityType,
                ParseMs(r["hs_timestamp"]) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
                r.Properties,
                [.. contacts[i].To.Select(t => t.ToId)],
                [.. companies[i].To.Select(t => t.ToId)])).ToList();
            yield return new HubSpotActivityPage(activities, page.Watermark);
        }
    }
}
