using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Dashboard;

/// <summary>
/// One system's API day as the runs count it: AbmSync's calls (every process on this state store) against the share
/// of the allocation it may use. <see cref="Allowed"/> is null until a response has told this process the allocation.
/// </summary>
public sealed record ApiBudget(string System, string Day, long Used, long? Allowed)
{
    public long? Left => Allowed is { } allowed ? Math.Max(0, allowed - Used) : null;
}

/// <summary>The budgets the runs enforce (Salesforce: the last 24 hours; HubSpot: since the portal's midnight).</summary>
public sealed class ApiBudgets(StateStore store, SalesforceClient salesforce, HubSpotRateLimiter hubSpot, SyncCache cache,
    IOptions<SyncOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<ApiBudget>> TodayAsync()
    {
        var now = time.GetUtcNow();
        var salesforceAllowed = salesforce.GetBudget(cache.OrgLimits) is { Max: > 0 } org
            ? (long)Math.Floor(org.Max * options.Value.SalesforceCallShare)
            : (long?)null;
        var local = TimeZoneInfo.ConvertTime(now, cache.HubSpotTimeZone);
        var midnight = new DateTimeOffset(local.Date, local.Offset);
        var hubSpotAllowed = hubSpot.Status is { DailyLimit: > 0 } portal
            ? (long)Math.Floor(portal.DailyLimit!.Value * options.Value.HubSpotCallShare)
            : (long?)null;
        return
        [
            new ApiBudget(Side.Salesforce, "last 24 hours", await store.ApiUsageSinceAsync(Side.Salesforce, now.AddHours(-24)), salesforceAllowed),
            new ApiBudget(Side.HubSpot, "since the portal's midnight", await store.ApiUsageSinceAsync(Side.HubSpot, midnight), hubSpotAllowed),
        ];
    }
}
