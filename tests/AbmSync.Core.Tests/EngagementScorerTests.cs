using AbmSync.Core.Engagement;

namespace AbmSync.Core.Tests;

public class EngagementScorerTests
{
    // The run's day starts at Day; Now is the middle of it.
    static readonly DateTimeOffset Day = new(2026, 3, 15, 0, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset Now = Day.AddHours(12);

    static readonly IReadOnlyDictionary<string, decimal> Weights = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        [SignalTypes.Meeting] = 10m,
        [SignalTypes.Call] = 5m,
        [SignalTypes.Email] = 2m,
        [SignalTypes.Note] = 1m,
        [SignalTypes.PageView] = 0.2m,
        [SignalTypes.Visit] = 0m,
        [SignalTypes.EmailClick] = 2m,
        [SignalTypes.FormSubmission] = 8m,
        [SignalTypes.Backfill] = 1m,
        // email-open is not listed: it weighs 0.
    };

    internal static EngagementRules Rules(int halfLifeDays = 30, decimal fullScoreAt = 100m, decimal ratio = 2m, decimal minThisWeek = 10m) =>
        new(halfLifeDays, fullScoreAt, Weights, new SurgeRule(ratio, minThisWeek));

    static AccountEngagement Evaluate(IEnumerable<EngagementSignal> signals, DateTimeOffset now, EngagementRules? rules = null) =>
        new EngagementScorer(rules ?? Rules()).Evaluate(signals, now);

    static EngagementSignal Signal(string type, DateTimeOffset at, decimal amount = 1m, string? contact = "003A") =>
        new(type, at, amount, contact, "001A");

    static IEnumerable<EngagementSignal> Repeat(string type, DateTimeOffset at, int count) =>
        Enumerable.Range(0, count).Select(i => Signal(type, at, contact: $"003{i}"));

    /// <summary>The score the brief's formula gives for points of one age, computed independently of the scorer.</summary>
    static int Expected(decimal points, double ageDays, int halfLifeDays, decimal fullScoreAt) =>
        (int)Math.Min(100m, Math.Round(points * (decimal)Math.Pow(0.5, ageDays / halfLifeDays) * 100m / fullScoreAt, MidpointRounding.AwayFromZero));

    static int ExpectedSum(decimal fullScoreAt, params (decimal Points, double AgeDays)[] parts) =>
        (int)Math.Min(100m, Math.Round(parts.Sum(p => p.Points * (decimal)Math.Pow(0.5, p.AgeDays / 30)) * 100m / fullScoreAt, MidpointRounding.AwayFromZero));

    [Fact]
    public void Evaluate_DecaysOnlyAcrossTheDayBoundary()
    {
        var signals = new[] { Signal(SignalTypes.Meeting, Day.AddDays(-14)) };
        var rules = Rules(fullScoreAt: 10m);

        var earlyToday = Evaluate(signals, Day.AddMinutes(1), rules);
        var lateToday = Evaluate(signals, Day.AddHours(23).AddMinutes(59), rules);
        var tomorrow = Evaluate(signals, Day.AddDays(1).AddMinutes(1), rules);

        Assert.Equal(earlyToday, lateToday);
        Assert.Equal(Expected(10m, 14, 30, 10m), lateToday.Score);
        Assert.Equal(Expected(10m, 15, 30, 10m), tomorrow.Score);
        Assert.True(tomorrow.Score < lateToday.Score, $"{tomorrow.Score} should be below {lateToday.Score}");
    }

    [Fact]
    public void Evaluate_SignalLaterOnTheRunDay_HasNoAge()
    {
        // A one-day half-life would make a negative age visibly grow the points (2^0.375 = 1.3 times).
        var atMidnight = Evaluate([Signal(SignalTypes.Meeting, Day)], Now, Rules(halfLifeDays: 1, fullScoreAt: 20m));
        var thisMorning = Evaluate([Signal(SignalTypes.Meeting, Day.AddHours(9))], Now, Rules(halfLifeDays: 1, fullScoreAt: 20m));

        Assert.Equal(50, atMidnight.Score);
        Assert.Equal(50, thisMorning.Score);
    }

    [Theory]
    [InlineData(1, 1, 50)]
    [InlineData(7, 1, 50)]
    [InlineData(30, 1, 50)]
    [InlineData(365, 1, 50)]
    [InlineData(30, 2, 25)]
    [InlineData(30, 3, 13)]
    public void Evaluate_SignalOneHalfLifeOld_CountsHalf(int halfLifeDays, int halfLives, int score)
    {
        var signal = Signal(SignalTypes.Meeting, Day.AddDays(-halfLifeDays * halfLives));

        var result = Evaluate([signal], Now, Rules(halfLifeDays, fullScoreAt: 10m));

        Assert.Equal(score, result.Score);
    }

    [Fact]
    public void Evaluate_FutureSignals_AreIgnored()
    {
        var past = Signal(SignalTypes.Call, Day.AddDays(-1));
        var later = Signal(SignalTypes.Meeting, Now.AddMinutes(1));

        var result = Evaluate([past, later], Now, Rules(fullScoreAt: 5m));
        var atNow = Evaluate([past, later with { At = Now }], Now, Rules(fullScoreAt: 5m));

        Assert.Equal(Expected(5m, 1, 30, 5m), result.Score);
        Assert.Equal(past.At, result.LastEngaged);
        Assert.Equal(5m, result.ThisWeek);
        Assert.Equal(Now, atNow.LastEngaged);
        Assert.Equal(15m, atNow.ThisWeek);
    }

    public static TheoryData<decimal, int> Rounding => new()
    {
        { 0.49m, 0 },
        { 0.5m, 1 },
        { 1.49m, 1 },
        { 2.5m, 3 },
        { 3.5m, 4 },
        { 99.5m, 100 },
    };

    [Theory]
    [MemberData(nameof(Rounding))]
    public void Evaluate_RoundsHalfAwayFromZero(decimal notes, int score)
    {
        // Notes weigh 1 and a fresh signal has not decayed, so the decayed points are the amount itself.
        var result = Evaluate([Signal(SignalTypes.Note, Day, notes)], Now);

        Assert.Equal(score, result.Score);
    }

    [Theory]
    [InlineData(10, 100)]
    [InlineData(11, 100)]
    [InlineData(1000, 100)]
    [InlineData(9, 90)]
    public void Evaluate_ScoreIsCappedAt100(int meetings, int score)
    {
        var result = Evaluate(Repeat(SignalTypes.Meeting, Day, meetings), Now);

        Assert.Equal(score, result.Score);
    }

    [Fact]
    public void Evaluate_HugeAmounts_DoNotOverflow()
    {
        var result = Evaluate([Signal(SignalTypes.Meeting, Day, decimal.MaxValue / 20m)], Now);

        Assert.Equal(100, result.Score);
    }

    [Theory]
    [InlineData(SignalTypes.Visit)]
    [InlineData(SignalTypes.EmailOpen)]
    [InlineData("webinar")]
    public void Evaluate_ZeroWeightAndUnlistedTypes_ScoreNothing(string type)
    {
        var result = Evaluate(Repeat(type, Day.AddDays(-1), 100), Now, Rules(minThisWeek: 0m));

        Assert.Equal(0, result.Score);
        Assert.Null(result.LastEngaged);
        Assert.Equal(0m, result.ThisWeek);
        Assert.False(result.Surge);
        Assert.Equal("engagement 0: no engagement signals", result.Reason);
    }

    [Fact]
    public void Evaluate_LastEngaged_IgnoresZeroWeightTypes()
    {
        var meeting = Signal(SignalTypes.Meeting, Day.AddDays(-3));
        var visit = Signal(SignalTypes.Visit, Day.AddDays(-1));
        var open = Signal(SignalTypes.EmailOpen, Day.AddHours(2));

        var result = Evaluate([visit, meeting, open], Now);

        Assert.Equal(meeting.At, result.LastEngaged);
    }

    [Fact]
    public void Evaluate_NoSignals_IsZeroAndQuiet()
    {
        var result = Evaluate([], Now);

        Assert.Equal(new AccountEngagement(0, null, false, 0m, 0m, "engagement 0: no engagement signals"), result);
    }

    // thisWeek and earlier are meeting counts (10 points each): this week's two days ago, the earlier ones 20 days ago.
    public static TheoryData<int, int, decimal, decimal, bool> Surges => new()
    {
        // Against an empty baseline, at or above minThisWeek surges, below does not.
        { 1, 0, 10m, 0m, true },
        { 3, 0, 30m, 0m, true },
        { 0, 0, 0m, 0m, false },
        // Exactly ratio x baseline surges; just below does not.
        { 2, 4, 20m, 10m, true },
        { 4, 8, 40m, 20m, true },
        { 3, 8, 30m, 20m, false },
        // One meeting against a quiet month surges; a quiet week after busy ones does not.
        { 1, 1, 10m, 2.5m, true },
        { 0, 4, 0m, 10m, false },
    };

    [Theory]
    [MemberData(nameof(Surges))]
    public void Evaluate_Surge_ComparesThisWeekWithTheAverageWeekBefore(int thisWeek, int earlier, decimal points, decimal baseline, bool surge)
    {
        var signals = Repeat(SignalTypes.Meeting, Day.AddDays(-2), thisWeek).Concat(Repeat(SignalTypes.Meeting, Day.AddDays(-20), earlier));

        var result = Evaluate(signals, Now);

        Assert.Equal(points, result.ThisWeek);
        Assert.Equal(baseline, result.WeeklyBaseline);
        Assert.Equal(surge, result.Surge);
        Assert.Equal(surge, result.Reason.Contains("surging", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(8, 8, true)]
    [InlineData(8, 8.5, false)]
    [InlineData(7.9, 8, false)]
    [InlineData(0.1, 0, true)]
    [InlineData(0, 0, false)]
    public void Evaluate_Surge_BelowMinThisWeekAgainstEmptyBaseline(double formsThisWeek, double minThisWeek, bool surge)
    {
        // A form submission weighs 8; the fraction makes the points land either side of minThisWeek.
        EngagementSignal[] signals = formsThisWeek > 0 ? [Signal(SignalTypes.FormSubmission, Day.AddDays(-1), (decimal)formsThisWeek / 8m)] : [];

        var result = Evaluate(signals, Now, Rules(minThisWeek: (decimal)minThisWeek));

        Assert.Equal(surge, result.Surge);
        Assert.Equal((decimal)formsThisWeek, result.ThisWeek);
    }

    public static TheoryData<string, decimal, decimal> WeekBoundaries => new()
    {
        // Ticks relative to the run day's start. This week is (day - 7d, now]; the baseline weeks are (day - 35d, day - 7d].
        { "-7d", 0m, 2.5m },
        { "-7d+1", 10m, 0m },
        { "-35d", 0m, 0m },
        { "-35d+1", 0m, 2.5m },
        { "now", 10m, 0m },
    };

    [Theory]
    [MemberData(nameof(WeekBoundaries))]
    public void Evaluate_SignalsOnTheWeekBoundaries(string at, decimal thisWeek, decimal baseline)
    {
        var when = at switch
        {
            "-7d" => Day.AddDays(-7),
            "-7d+1" => Day.AddDays(-7).AddTicks(1),
            "-35d" => Day.AddDays(-35),
            "-35d+1" => Day.AddDays(-35).AddTicks(1),
            _ => Now,
        };

        var result = Evaluate([Signal(SignalTypes.Meeting, when)], Now);

        Assert.Equal(thisWeek, result.ThisWeek);
        Assert.Equal(baseline, result.WeeklyBaseline);
    }

    [Fact]
    public void Evaluate_SameSignalsInAnyOrder_GiveTheSameResult()
    {
        var types = new[] { SignalTypes.Meeting, SignalTypes.Call, SignalTypes.Email, SignalTypes.PageView, SignalTypes.EmailClick, SignalTypes.Visit };
        var random = new Random(528);
        var signals = Enumerable.Range(0, 200)
            .Select(i => Signal(types[i % types.Length], Day.AddHours(-random.Next(0, 24 * 90)).AddSeconds(random.Next(0, 3600)), random.Next(1, 7) / 3m, $"003{i % 11}"))
            .ToList();
        var first = Evaluate(signals, Now);

        for (var i = 0; i < 5; i++)
        {
            var shuffled = signals.OrderBy(_ => random.Next()).ToList();
            Assert.Equal(first, Evaluate(shuffled, Now));
        }
        Assert.InRange(first.Score, 1, 100);
        Assert.Equal(signals.Where(s => Weights.GetValueOrDefault(s.Type) > 0).Max(s => s.At), first.LastEngaged);
    }

    [Fact]
    public void Evaluate_Reason_ListsRecentSignalsByContributionThenTypeAndTheSurge()
    {
        var signals = Repeat(SignalTypes.EmailClick, Day.AddDays(-2), 12).Concat(Repeat(SignalTypes.Meeting, Day.AddDays(-1), 3));

        var result = Evaluate(signals, Now);

        Assert.Equal($"engagement {result.Score}: 3 meetings, 12 email clicks in the last 30 days (half-life 30 days); surging: 54 points this week against none before", result.Reason);
        Assert.Equal(ExpectedSum(100m, (30m, 1), (24m, 2)), result.Score);
    }

    [Fact]
    public void Evaluate_Reason_EqualContributionsInTypeOrder_AndOlderEngagementMentioned()
    {
        var signals = new[]
        {
            Signal(SignalTypes.EmailClick, Day.AddDays(-3)),
            Signal(SignalTypes.Email, Day.AddDays(-3)),
            Signal(SignalTypes.Meeting, Day.AddDays(-60)),
        };

        var result = Evaluate(signals, Now, Rules(minThisWeek: 100m));

        Assert.Equal($"engagement {result.Score}: 1 email, 1 email click in the last 30 days, plus older engagement (half-life 30 days)", result.Reason);
    }

    [Fact]
    public void Evaluate_Reason_OnlyOlderEngagement_AndTheBaselineItSurgesAgainst()
    {
        var old = Evaluate([Signal(SignalTypes.Meeting, Day.AddDays(-40))], Now, Rules(halfLifeDays: 7));
        var surging = Evaluate([.. Repeat(SignalTypes.Meeting, Day.AddDays(-1), 5), Signal(SignalTypes.Meeting, Day.AddDays(-10))], Now, Rules(halfLifeDays: 1));

        Assert.Equal("engagement 0: nothing in the last 7 days, only older engagement (half-life 7 days)", old.Reason);
        Assert.EndsWith("(half-life 1 day); surging: 50 points this week against 2.5 a week before", surging.Reason, StringComparison.Ordinal);
    }
}
