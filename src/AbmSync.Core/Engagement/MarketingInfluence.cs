using System.Globalization;

namespace AbmSync.Core.Engagement;

/// <summary>Whether marketing influenced an opportunity, the latest signal that did, and why, in plain words.</summary>
public sealed record InfluenceDecision(bool Influenced, DateTimeOffset? LatestSignal, string Reason);

/// <summary>
/// Marketing influence: an opportunity is influenced when its account engaged in the attribution window before the
/// opportunity was created, both ends included. Engagement after creation is sales follow-up, not influence.
/// </summary>
public sealed class MarketingInfluence(InfluenceRules rules)
{
    public InfluenceRules Rules { get; } = rules;

    /// <param name="created">When the opportunity was created.</param>
    /// <param name="signals">When the opportunity's account engaged, in any order.</param>
    public InfluenceDecision Assess(DateTimeOffset created, IEnumerable<DateTimeOffset> signals)
    {
        // Unlike stages and coverage, this is measured from the opportunity's own instant: it never changes with
        // the run, so there is no day of runs to keep in agreement.
        var from = created.AddDays(-Rules.AttributionDays);
        DateTimeOffset? latest = null;
        foreach (var at in signals)
        {
            if (at >= from && at <= created && (latest is null || at > latest))
            {
                latest = at;
            }
        }
        if (latest is not { } hit)
        {
            return new InfluenceDecision(false, null,
                $"not influenced: no engagement in the {Rules.AttributionDays} days before {Day(created)}");
        }
        var days = (created.UtcDateTime.Date - hit.UtcDateTime.Date).Days;
        var when = days switch
        {
            0 => "on the day the opportunity was created",
            1 => "1 day before the opportunity was created",
            _ => $"{days} days before the opportunity was created",
        };
        return new InfluenceDecision(true, hit, $"influenced: the account engaged {when} ({Day(hit)})");
    }

    static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
