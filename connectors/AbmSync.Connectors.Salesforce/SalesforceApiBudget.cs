namespace AbmSync.Connectors.Salesforce;

/// <summary>
/// The share of the org's rolling 24-hour API allocation a run may use. "Used" is the org-wide count Salesforce reports
/// (every client, the native HubSpot connector included), so the budget shrinks when others are busy.
/// </summary>
public sealed record SalesforceApiBudget(long Max, long Used, double Share)
{
    /// <summary>Calls the org may reach before we stop: floor(Max × Share).</summary>
    public long Allowed => (long)Math.Floor(Max * Share);

    /// <summary>Calls left before reaching <see cref="Allowed"/> (never negative).</summary>
    public long Remaining => Math.Max(0, Allowed - Used);

    /// <summary>True when <paramref name="calls"/> more calls keep the org's usage within the share.</summary>
    public bool Fits(long calls) => Used + calls <= Allowed;

    /// <summary>
    /// Builds the budget from the freshest source: the Sforce-Limit-Info header of the last response when there is one
    /// (it arrives with every call), else /limits DailyApiRequests (Max − Remaining).
    /// </summary>
    public static SalesforceApiBudget? From(ApiUsage? lastUsage, OrgLimits? limits, double share)
    {
        if (share is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(share), "The share must be in (0, 1].");
        }

        if (lastUsage is { Max: > 0 } usage)
        {
            return new SalesforceApiBudget(usage.Max, usage.Used, share);
        }

        return limits?.DailyApiRequests is { } daily
            ? new SalesforceApiBudget(daily.Max, daily.Max - daily.Remaining, share)
            : null;
    }
}

public sealed partial class SalesforceClient
{
    /// <summary>The budget from the last Sforce-Limit-Info (or <paramref name="limits"/>) and <see cref="SalesforceOptions.DailyApiShare"/>; null before any call.</summary>
    public SalesforceApiBudget? GetBudget(OrgLimits? limits = null) =>
        SalesforceApiBudget.From(LastApiUsage, limits, _options.DailyApiShare);
}
