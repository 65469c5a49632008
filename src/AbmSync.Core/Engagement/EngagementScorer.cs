using System.Globalization;
using System.Text;

namespace AbmSync.Core.Engagement;

/// <summary>
/// An account's engagement: the decayed score (0–100), when it last engaged, and whether it is surging, with the
/// reason a person reads in either system.
/// </summary>
public sealed record AccountEngagement(int Score, DateTimeOffset? LastEngaged, bool Surge, decimal ThisWeek, decimal WeeklyBaseline, string Reason)
{
    /// <summary>The reason lands in a Salesforce Text(255) field, like the tier reason.</summary>
    public const int ReasonMaxLength = 255;
}

/// <summary>
/// Scores an account's engagement from its dated signals: each signal weighs its type's weight times its amount and
/// halves every half-life; the decayed points over <see cref="EngagementRules.FullScoreAt"/> make the score. A surge
/// compares this week's points (not decayed) with the average week of the four before it.
/// </summary>
public sealed class EngagementScorer(EngagementRules rules)
{
    public EngagementRules Rules { get; } = rules;

    public AccountEngagement Evaluate(IEnumerable<EngagementSignal> signals, DateTimeOffset now)
    {
        // Decay runs from the start of the run's day (UTC), not from the clock: two runs on one day agree, so an
        // account is not rewritten on every run just because time passed, and an idle day fades it once, at midnight.
        var evaluatedAt = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var weekStart = evaluatedAt.AddDays(-7);
        var baselineStart = evaluatedAt.AddDays(-35);
        var recentStart = evaluatedAt.AddDays(-Rules.HalfLifeDays);

        // Sorted before summing: decimal sums of decayed points can round in the last digit, and the score must not
        // depend on the order the connectors delivered the signals in.
        var counted = signals
            .Where(s => s.At <= now)
            .OrderBy(s => s.At)
            .ThenBy(s => s.Type, StringComparer.Ordinal)
            .ThenBy(s => s.Amount)
            .ThenBy(s => s.ContactId, StringComparer.Ordinal)
            .ThenBy(s => s.AccountId, StringComparer.Ordinal);

        decimal decayed = 0, thisWeek = 0, earlierWeeks = 0, recentDecayed = 0;
        DateTimeOffset? lastEngaged = null;
        var recent = new Dictionary<string, (decimal Amount, decimal Points)>(StringComparer.Ordinal);
        foreach (var signal in counted)
        {
            var weight = Rules.Weight(signal.Type);
            // A type weighted 0 is one the rules say is not engagement: it neither scores nor dates the last engagement.
            if (weight == 0 || signal.Amount == 0)
            {
                continue;
            }
            var points = weight * signal.Amount;
            var age = Math.Max(0, (evaluatedAt - signal.At).TotalDays);
            var fading = points * (decimal)Math.Pow(0.5, age / Rules.HalfLifeDays);
            decayed += fading;
            if (lastEngaged is null || signal.At > lastEngaged)
            {
                lastEngaged = signal.At;
            }
            if (signal.At > weekStart)
            {
                thisWeek += points;
            }
            else if (signal.At > baselineStart)
            {
                earlierWeeks += points;
            }
            if (signal.At > recentStart)
            {
                var (amount, total) = recent.GetValueOrDefault(signal.Type);
                recent[signal.Type] = (amount + signal.Amount, total + fading);
                recentDecayed += fading;
            }
        }

        // Capped before scaling: anything past a full score scores 100 anyway, and huge counts must not overflow.
        var scaled = Math.Min(decayed, Rules.FullScoreAt * 2) * 100m / Rules.FullScoreAt;
        var score = (int)Math.Clamp(Math.Round(scaled, 0, MidpointRounding.AwayFromZero), 0m, 100m);

        var weeklyBaseline = earlierWeeks / 4m;
        // Against an empty baseline any real week is a jump: a new or long-quiet account that wakes up is surging,
        // and minThisWeek keeps a single stray page view from counting as one.
        var surge = thisWeek >= Rules.Surge.MinThisWeek
            && (weeklyBaseline == 0 ? thisWeek > 0 : thisWeek >= Rules.Surge.Ratio * weeklyBaseline);

        var reason = Reason(score, recent, decayed - recentDecayed, surge, thisWeek, weeklyBaseline);
        return new AccountEngagement(score, lastEngaged, surge, thisWeek, weeklyBaseline, reason);
    }

    string Reason(int score, Dictionary<string, (decimal Amount, decimal Points)> recent, decimal olderPoints, bool surge,
        decimal thisWeek, decimal weeklyBaseline)
    {
        var days = Plural(Rules.HalfLifeDays, "day", "days");
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"engagement {score}: ");
        if (recent.Count == 0 && olderPoints <= 0)
        {
            text.Append("no engagement signals");
        }
        else
        {
            if (recent.Count == 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"nothing in the last {days}, only older engagement");
            }
            else
            {
                var parts = recent
                    .OrderByDescending(r => r.Value.Points)
                    .ThenBy(r => r.Key, StringComparer.Ordinal)
                    .Select(r => Describe(r.Key, r.Value.Amount));
                text.AppendJoin(", ", parts).Append(CultureInfo.InvariantCulture, $" in the last {days}");
                if (olderPoints > 0)
                {
                    text.Append(", plus older engagement");
                }
            }
            text.Append(CultureInfo.InvariantCulture, $" (half-life {days})");
        }
        if (surge)
        {
            var before = weeklyBaseline == 0 ? "none before" : $"{Format(weeklyBaseline)} a week before";
            text.Append(CultureInfo.InvariantCulture, $"; surging: {Plural(thisWeek, "point", "points")} this week against {before}");
        }
        return text.Length <= AccountEngagement.ReasonMaxLength
            ? text.ToString()
            : text.ToString(0, AccountEngagement.ReasonMaxLength - 1) + "…";
    }

    static string Describe(string type, decimal amount) => type switch
    {
        SignalTypes.PageView => Plural(amount, "page view", "page views"),
        SignalTypes.EmailOpen => Plural(amount, "email open", "email opens"),
        SignalTypes.EmailClick => Plural(amount, "email click", "email clicks"),
        SignalTypes.FormSubmission => Plural(amount, "form submission", "form submissions"),
        SignalTypes.Backfill => Plural(amount, "point of earlier activity", "points of earlier activity"),
        _ => Plural(amount, type, type + "s"),
    };

    static string Plural(decimal amount, string one, string many) => $"{Format(amount)} {(amount == 1 ? one : many)}";

    static string Format(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
