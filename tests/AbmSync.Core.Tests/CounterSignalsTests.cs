using AbmSync.Core.Engagement;

namespace AbmSync.Core.Tests;

public class CounterSignalsTests
{
    static readonly DateTimeOffset Monday = new(2026, 3, 9, 14, 30, 0, TimeSpan.Zero);

    // page-view 0.2, visit 0, email-click 2, form-submission 8; email-open unlisted (0).
    static readonly EngagementRules Rules = EngagementScorerTests.Rules();

    static CounterRead Read(IReadOnlyList<CounterReading> readings, IReadOnlyDictionary<string, decimal>? baseline) =>
        CounterSignals.Since("003A", "001A", readings, baseline, Rules);

    static Dictionary<string, decimal> Baseline(params (string Type, decimal Value)[] values) =>
        values.ToDictionary(v => v.Type, v => v.Value, StringComparer.Ordinal);

    public static TheoryData<decimal, decimal?, bool, decimal?, decimal> Changes => new()
    {
        // before, now, dated, signal amount (null: none), stored baseline
        { 10m, 13m, true, 3m, 13m },
        { 10m, 10m, true, null, 10m },
        { 10m, 4m, true, null, 4m },
        { 10m, 0m, true, null, 0m },
        { 10m, 13m, false, null, 10m },
        { 10m, null, true, null, 10m },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Since_WithBaseline_SignalsEachRiseDatedByItsTimestamp(decimal before, decimal? now, bool dated, decimal? amount, decimal stored)
    {
        var reading = new CounterReading(SignalTypes.PageView, now, dated ? Monday : null);

        var read = Read([reading], Baseline((SignalTypes.PageView, before)));

        if (amount is null)
        {
            Assert.Empty(read.Signals);
        }
        else
        {
            Assert.Equal(new EngagementSignal(SignalTypes.PageView, Monday, amount.Value, "003A", "001A"), Assert.Single(read.Signals));
        }
        Assert.Equal(stored, read.Baseline[SignalTypes.PageView]);
    }

    [Fact]
    public void Since_UndatedRise_IsCountedOnceATimestampArrives()
    {
        var first = Read([new CounterReading(SignalTypes.EmailClick, 5m, null)], Baseline((SignalTypes.EmailClick, 2m)));
        var second = Read([new CounterReading(SignalTypes.EmailClick, 6m, Monday)], first.Baseline);

        Assert.Empty(first.Signals);
        Assert.Equal(4m, Assert.Single(second.Signals).Amount);
        Assert.Equal(6m, second.Baseline[SignalTypes.EmailClick]);
    }

    [Fact]
    public void Since_CounterMissingFromBaseline_CountsFromZero_AndOtherEntriesAreKept()
    {
        var baseline = Baseline((SignalTypes.PageView, 40m), (SignalTypes.Visit, 7m));

        var read = Read([new CounterReading(SignalTypes.FormSubmission, 2m, Monday), new CounterReading(SignalTypes.PageView, 40m, Monday)], baseline);

        Assert.Equal(new EngagementSignal(SignalTypes.FormSubmission, Monday, 2m, "003A", "001A"), Assert.Single(read.Signals));
        Assert.Equal(Baseline((SignalTypes.FormSubmission, 2m), (SignalTypes.PageView, 40m), (SignalTypes.Visit, 7m)), read.Baseline);
    }

    [Fact]
    public void Since_SeveralRises_OneSignalEachInTypeOrder()
    {
        var readings = new[]
        {
            new CounterReading(SignalTypes.Visit, 9m, Monday.AddHours(-1)),
            new CounterReading(SignalTypes.EmailOpen, 3m, Monday.AddDays(-2)),
            new CounterReading(SignalTypes.PageView, 45m, Monday),
        };
        var baseline = Baseline((SignalTypes.Visit, 7m), (SignalTypes.EmailOpen, 1m), (SignalTypes.PageView, 40m));

        var read = Read(readings, baseline);
        var reversed = Read([.. readings.Reverse()], baseline);

        Assert.Equal(
            [(SignalTypes.EmailOpen, 2m, Monday.AddDays(-2)), (SignalTypes.PageView, 5m, Monday), (SignalTypes.Visit, 2m, Monday.AddHours(-1))],
            read.Signals.Select(s => (s.Type, s.Amount, s.At)));
        Assert.Equal(read.Signals, reversed.Signals);
        Assert.Equal(read.Baseline, reversed.Baseline);
    }

    [Fact]
    public void Since_FirstRead_IsOneBackfillOfTheWeightedHistory()
    {
        var readings = new[]
        {
            new CounterReading(SignalTypes.PageView, 50m, Monday.AddDays(-10)),
            new CounterReading(SignalTypes.EmailClick, 4m, Monday.AddDays(-3)),
            // Undated history cannot decay, and zero-weight counters are not engagement: neither adds nor dates it.
            new CounterReading(SignalTypes.FormSubmission, 1m, null),
            new CounterReading(SignalTypes.Visit, 30m, Monday),
            new CounterReading(SignalTypes.EmailOpen, null, null),
        };

        var read = Read(readings, baseline: null);

        var expected = (50m * Rules.Weight(SignalTypes.PageView)) + (4m * Rules.Weight(SignalTypes.EmailClick));
        Assert.Equal(new EngagementSignal(SignalTypes.Backfill, Monday.AddDays(-3), expected, "003A", "001A"), Assert.Single(read.Signals));
        Assert.Equal(18m, expected);
        Assert.Equal(
            Baseline((SignalTypes.EmailClick, 4m), (SignalTypes.FormSubmission, 1m), (SignalTypes.PageView, 50m), (SignalTypes.Visit, 30m)),
            read.Baseline);
    }

    public static TheoryData<string, decimal?, bool> NoBackfill => new()
    {
        { SignalTypes.PageView, 0m, true },
        { SignalTypes.PageView, null, true },
        { SignalTypes.PageView, 12m, false },
        { SignalTypes.Visit, 12m, true },
    };

    [Theory]
    [MemberData(nameof(NoBackfill))]
    public void Since_FirstRead_WithoutDatedWeightedHistory_GivesNoBackfill(string type, decimal? value, bool dated)
    {
        var read = Read([new CounterReading(type, value, dated ? Monday : null)], baseline: null);

        Assert.Empty(read.Signals);
        Assert.Equal(value, read.Baseline.TryGetValue(type, out var stored) ? stored : (decimal?)null);
    }

    [Fact]
    public void Since_FirstRead_ThenNextRead_CountsOnlyTheRise()
    {
        var first = Read([new CounterReading(SignalTypes.PageView, 50m, Monday)], baseline: null);
        var next = Read([new CounterReading(SignalTypes.PageView, 53m, Monday.AddDays(1))], first.Baseline);

        Assert.Equal(SignalTypes.Backfill, Assert.Single(first.Signals).Type);
        Assert.Equal(new EngagementSignal(SignalTypes.PageView, Monday.AddDays(1), 3m, "003A", "001A"), Assert.Single(next.Signals));
    }

    [Fact]
    public void Since_Backfill_IsWeighedAgainByTheBackfillWeight()
    {
        var weights = new Dictionary<string, decimal>(Rules.Weights, StringComparer.Ordinal) { [SignalTypes.Backfill] = 0.5m };
        var rules = Rules with { Weights = weights, FullScoreAt = 10m };
        var read = CounterSignals.Since("003A", null, [new CounterReading(SignalTypes.EmailClick, 5m, Monday)], null, rules);

        var result = new EngagementScorer(rules).Evaluate(read.Signals, Monday);

        // 5 clicks x 2 = 10 points of history, x 0.5 backfill weight = 5 of the 10 that make a full score.
        Assert.Equal(50, result.Score);
        Assert.Null(Assert.Single(read.Signals).AccountId);
    }

    [Theory]
    [InlineData(SignalTypes.Meeting)]
    [InlineData(SignalTypes.Backfill)]
    [InlineData("hs_analytics_num_page_views")]
    public void Since_NonCounterType_IsRefused(string type)
    {
        var error = Assert.Throws<ArgumentException>(() => Read([new CounterReading(type, 1m, Monday)], null));

        Assert.Contains(type, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Since_SameCounterTwice_IsRefused()
    {
        var reading = new CounterReading(SignalTypes.Visit, 1m, Monday);

        Assert.Throws<ArgumentException>(() => Read([reading, reading with { Value = 2m }], null));
    }
}
