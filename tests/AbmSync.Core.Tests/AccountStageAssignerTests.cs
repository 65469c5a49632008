using AbmSync.Core.Engagement;

namespace AbmSync.Core.Tests;

public class AccountStageAssignerTests
{
    static readonly DateTimeOffset Now = new(2026, 10, 1, 15, 30, 0, TimeSpan.Zero);
    static readonly DateTimeOffset RunDay = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    static AccountStageAssigner Assigner(int engagedDays = 30, int stalledDays = 45) =>
        new(new StageRules(engagedDays, stalledDays, ["Customer", "Customer - Direct"]));

    /// <summary>An instant <paramref name="days"/> days before the run day's 00:00, plus <paramref name="hours"/>.</summary>
    static DateTimeOffset DaysAgo(int days, double hours = 0) => RunDay.AddDays(-days).AddHours(hours);

    static StageInputs Account(string? type = "Prospect", bool won = false, bool open = false,
        DateTimeOffset? engaged = null, DateTimeOffset? progress = null, string? previous = null) =>
        new(type, won, open, engaged, progress, previous);

    public static TheoryData<StageInputs, string, bool> Paths => new()
    {
        // Customer: a won opportunity, a customer type (any case), or Customer before; nothing of it stalls.
        { Account(won: true), AbmStages.Customer, false },
        { Account(won: true, open: true, engaged: DaysAgo(400)), AbmStages.Customer, false },
        { Account(type: "Customer"), AbmStages.Customer, false },
        { Account(type: " customer - direct "), AbmStages.Customer, false },
        { Account(type: "Former Customer"), AbmStages.Target, false },
        { Account(previous: AbmStages.Customer), AbmStages.Customer, false },
        { Account(previous: AbmStages.Customer, open: true), AbmStages.Customer, false },
        // Opportunity: an open opportunity, stalled when neither engagement nor progress is within 45 days.
        { Account(open: true, engaged: DaysAgo(10)), AbmStages.Opportunity, false },
        { Account(open: true), AbmStages.Opportunity, true },
        { Account(open: true, engaged: DaysAgo(60), progress: DaysAgo(60)), AbmStages.Opportunity, true },
        { Account(open: true, engaged: DaysAgo(60), progress: DaysAgo(5)), AbmStages.Opportunity, false },
        { Account(open: true, previous: AbmStages.Engaged, progress: DaysAgo(45)), AbmStages.Opportunity, false },
        { Account(open: true, progress: DaysAgo(45, hours: 23.5)), AbmStages.Opportunity, false },
        { Account(open: true, progress: DaysAgo(46, hours: 23.99)), AbmStages.Opportunity, true },
        { Account(open: true, engaged: DaysAgo(45)), AbmStages.Opportunity, false },
        { Account(open: true, engaged: DaysAgo(46, hours: 23.99)), AbmStages.Opportunity, true },
        // A progress date after the run is bad data: it does not keep an opportunity moving.
        { Account(open: true, progress: Now.AddHours(1)), AbmStages.Opportunity, true },
        // Engaged: a signal within 30 days of the run day; it cannot stall while stalledDays is the longer window.
        { Account(engaged: DaysAgo(0)), AbmStages.Engaged, false },
        { Account(engaged: DaysAgo(30)), AbmStages.Engaged, false },
        { Account(engaged: Now), AbmStages.Engaged, false },
        // Target: never engaged, engaged too long ago, or a signal from the future; a Target never moved, so never stalls.
        { Account(), AbmStages.Target, false },
        { Account(engaged: DaysAgo(31, hours: 23.99)), AbmStages.Target, false },
        { Account(engaged: Now.AddMinutes(1)), AbmStages.Target, false },
        { Account(previous: AbmStages.Opportunity), AbmStages.Target, false },
        { Account(type: null, previous: AbmStages.Engaged, progress: DaysAgo(1)), AbmStages.Target, false },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Assign_EveryPath(StageInputs account, string stage, bool stalled)
    {
        var decision = Assigner().Assign(account, Now);

        Assert.Equal(stage, decision.Stage);
        Assert.Equal(stalled, decision.Stalled);
        Assert.StartsWith(stage, decision.Reason, StringComparison.Ordinal);
        Assert.Equal(stalled, decision.Reason.Contains("stalled", StringComparison.Ordinal));
    }

    [Fact]
    public void Assign_Engaged_StallsWhenStalledDaysIsShorterThanEngagedDays()
    {
        var decision = Assigner(engagedDays: 30, stalledDays: 10).Assign(Account(engaged: DaysAgo(20)), Now);

        Assert.Equal(AbmStages.Engaged, decision.Stage);
        Assert.True(decision.Stalled);
        Assert.Equal("Engaged: last engaged 2026-09-11, within 30 days; stalled: no engagement or opportunity progress in 10 days (last 2026-09-11)", decision.Reason);
    }

    [Fact]
    public void Assign_Engaged_RecentProgressOnALostOpportunityKeepsItMoving()
    {
        var decision = Assigner(engagedDays: 30, stalledDays: 10).Assign(Account(engaged: DaysAgo(20), progress: DaysAgo(2)), Now);

        Assert.Equal(AbmStages.Engaged, decision.Stage);
        Assert.False(decision.Stalled);
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(23, 59, 59)]
    public void Assign_EveryRunOfADay_Agrees(int hour, int minute, int second)
    {
        var now = RunDay.AddHours(hour).AddMinutes(minute).AddSeconds(second);
        var account = Account(open: true, engaged: DaysAgo(45));

        Assert.Equal(AbmStages.Engaged, Assigner().Assign(Account(engaged: DaysAgo(30)), now).Stage);
        Assert.False(Assigner().Assign(account, now).Stalled);
    }

    [Fact]
    public void Assign_NextDay_TheSameSignalsAreOutsideTheWindows()
    {
        var tomorrow = RunDay.AddDays(1).AddSeconds(1);

        Assert.Equal(AbmStages.Target, Assigner().Assign(Account(engaged: DaysAgo(30)), tomorrow).Stage);
        Assert.True(Assigner().Assign(Account(open: true, engaged: DaysAgo(45)), tomorrow).Stalled);
    }

    [Fact]
    public void Assign_WindowsComeFromTheRules()
    {
        var account = Account(engaged: DaysAgo(20));

        Assert.Equal(AbmStages.Engaged, Assigner(engagedDays: 20).Assign(account, Now).Stage);
        Assert.Equal(AbmStages.Target, Assigner(engagedDays: 19).Assign(account, Now).Stage);
        Assert.False(Assigner(stalledDays: 20).Assign(account with { HasOpenOpportunity = true }, Now).Stalled);
        Assert.True(Assigner(stalledDays: 19).Assign(account with { HasOpenOpportunity = true }, Now).Stalled);
    }

    public static TheoryData<StageInputs, string> Reasons => new()
    {
        { Account(won: true), "Customer: the account has a won opportunity" },
        { Account(type: "customer - direct"), "Customer: the account type is 'customer - direct'" },
        { Account(previous: "Customer"), "Customer: kept from before (a won opportunity or a customer account type keeps Customer)" },
        { Account(open: true, progress: DaysAgo(3)), "Opportunity: the account has an open opportunity" },
        { Account(open: true, engaged: DaysAgo(61), progress: DaysAgo(50)), "Opportunity: the account has an open opportunity; stalled: no engagement or opportunity progress in 45 days (last 2026-08-12)" },
        { Account(open: true), "Opportunity: the account has an open opportunity; stalled: no engagement or opportunity progress in 45 days" },
        { Account(engaged: DaysAgo(12, hours: 9)), "Engaged: last engaged 2026-09-19, within 30 days" },
        { Account(engaged: DaysAgo(90)), "Target: last engaged 2026-07-03, more than 30 days ago" },
        { Account(), "Target: no engagement in the last 30 days" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Assign_ReasonSaysWhyInPlainWords(StageInputs account, string reason)
    {
        Assert.Equal(reason, Assigner().Assign(account, Now).Reason);
    }

    [Fact]
    public void Stages_AreInOrder()
    {
        Assert.Equal([AbmStages.Target, AbmStages.Engaged, AbmStages.Opportunity, AbmStages.Customer], AbmStages.All);
    }
}
