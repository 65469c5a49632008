using AbmSync.Core.Engagement;

namespace AbmSync.Core.Tests;

public class MarketingInfluenceTests
{
    static readonly DateTimeOffset Created = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);

    static MarketingInfluence Influence(int attributionDays = 90) => new(new InfluenceRules(attributionDays));

    public static TheoryData<DateTimeOffset, bool> Edges => new()
    {
        { Created.AddDays(-12), true },
        // Both ends of [created - 90 days, created] count; a tick outside either does not.
        { Created.AddDays(-90), true },
        { Created.AddDays(-90).AddTicks(-1), false },
        { Created, true },
        { Created.AddTicks(1), false },
        { Created.AddDays(5), false },
        { Created.AddYears(-1), false },
    };

    [Theory]
    [MemberData(nameof(Edges))]
    public void Assess_InfluencedWhenASignalFallsInTheWindowBeforeCreation(DateTimeOffset signal, bool influenced)
    {
        var decision = Influence().Assess(Created, [signal]);

        Assert.Equal(influenced, decision.Influenced);
        Assert.Equal(influenced ? signal : null, decision.LatestSignal);
        Assert.StartsWith(influenced ? "influenced:" : "not influenced:", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_ReturnsTheLatestSignalInTheWindow_IgnoringLaterOnes()
    {
        DateTimeOffset[] signals = [Created.AddDays(-40), Created.AddDays(3), Created.AddDays(-12), Created.AddDays(-100)];

        var decision = Influence().Assess(Created, signals);

        Assert.True(decision.Influenced);
        Assert.Equal(Created.AddDays(-12), decision.LatestSignal);
        Assert.Equal("influenced: the account engaged 12 days before the opportunity was created (2026-09-19)", decision.Reason);
    }

    [Fact]
    public void Assess_OnlySignalsAfterCreation_IsNotInfluenced()
    {
        var decision = Influence().Assess(Created, [Created.AddHours(1), Created.AddDays(20)]);

        Assert.False(decision.Influenced);
        Assert.Null(decision.LatestSignal);
        Assert.Equal("not influenced: no engagement in the 90 days before 2026-10-01", decision.Reason);
    }

    [Fact]
    public void Assess_NoSignals_IsNotInfluenced()
    {
        Assert.False(Influence().Assess(Created, []).Influenced);
    }

    [Theory]
    [InlineData(0, "on the day the opportunity was created (2026-10-01)")]
    [InlineData(1, "1 day before the opportunity was created (2026-09-30)")]
    [InlineData(2, "2 days before the opportunity was created (2026-09-29)")]
    public void Assess_Reason_CountsCalendarDays(int daysBefore, string tail)
    {
        // Late the day before is still "1 day before", though fewer than 24 hours passed.
        var signal = new DateTimeOffset(Created.UtcDateTime.Date, TimeSpan.Zero).AddDays(-daysBefore).AddHours(daysBefore == 0 ? 8 : 23);

        var decision = Influence().Assess(Created, [signal]);

        Assert.Equal($"influenced: the account engaged {tail}", decision.Reason);
    }

    [Fact]
    public void Assess_AttributionDaysComeFromTheRules()
    {
        DateTimeOffset[] signals = [Created.AddDays(-30)];

        Assert.True(Influence(30).Assess(Created, signals).Influenced);
        var decision = Influence(29).Assess(Created, signals);
        Assert.False(decision.Influenced);
        Assert.Contains("in the 29 days before", decision.Reason, StringComparison.Ordinal);
    }
}
