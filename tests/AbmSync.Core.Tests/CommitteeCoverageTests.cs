using AbmSync.Core.Engagement;
using AbmSync.Core.Mapping;

namespace AbmSync.Core.Tests;

public class CommitteeCoverageTests
{
    static readonly string[] FiveRoles = ["economic-buyer", "technical-evaluator", "champion", "procurement", "executive-sponsor"];

    // Mid-afternoon, so that "the run day's 00:00" and "now" are visibly different instants.
    static readonly DateTimeOffset Now = new(2026, 10, 1, 15, 30, 0, TimeSpan.Zero);
    static readonly DateTimeOffset RunDay = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    static CommitteeCoverage Coverage(int engagedDays = 30, params string[] roles) =>
        new(new BuyingCommitteeRules(engagedDays,
            [.. (roles.Length == 0 ? FiveRoles : roles).Select((r, i) => new BuyingRole(r, [r], new SourceLocation("rules.yaml", i + 1)))]));

    static CommitteeContact Engaged(string role, int daysAgo = 3) => new($"003-{role}", role, RunDay.AddDays(-daysAgo));

    [Fact]
    public void Measure_NoContactEngaged_IsZeroAndEveryRoleMissing()
    {
        var result = Coverage().Measure([Engaged("champion", daysAgo: 200), new("003B", "procurement", null)], Now);

        Assert.Equal(0, result.Coverage);
        Assert.Empty(result.CoveredRoles);
        Assert.Equal(FiveRoles, result.MissingRoles);
        Assert.Equal("coverage 0: no engaged economic-buyer, technical-evaluator, champion, procurement, executive-sponsor", result.Reason);
    }

    [Fact]
    public void Measure_EveryRoleEngaged_Is100()
    {
        var result = Coverage().Measure([.. FiveRoles.Reverse().Select(r => Engaged(r))], Now);

        Assert.Equal(100, result.Coverage);
        Assert.Equal(FiveRoles, result.CoveredRoles);
        Assert.Empty(result.MissingRoles);
        Assert.Equal("coverage 100: economic-buyer, technical-evaluator, champion, procurement, executive-sponsor engaged", result.Reason);
    }

    [Fact]
    public void Measure_SomeRolesEngaged_ListsBothSidesInRulesOrder()
    {
        CommitteeContact[] contacts =
        [
            Engaged("executive-sponsor"),
            Engaged("champion"),
            Engaged("procurement", daysAgo: 31),
            Engaged("economic-buyer"),
            new("003X", null, Now),
        ];

        var result = Coverage().Measure(contacts, Now);

        Assert.Equal(60, result.Coverage);
        Assert.Equal(["economic-buyer", "champion", "executive-sponsor"], result.CoveredRoles);
        Assert.Equal(["technical-evaluator", "procurement"], result.MissingRoles);
        Assert.Equal("coverage 60: economic-buyer, champion, executive-sponsor engaged; no engaged technical-evaluator, procurement", result.Reason);
    }

    [Fact]
    public void Measure_SeveralContactsInOneRole_CountItOnce()
    {
        var result = Coverage().Measure([Engaged("champion", 1) with { ContactId = "003A" }, Engaged("champion", 2) with { ContactId = "003B" }], Now);

        Assert.Equal(20, result.Coverage);
        Assert.Equal(["champion"], result.CoveredRoles);
    }

    [Fact]
    public void Measure_RoleNotInTheRules_DoesNotCount()
    {
        var result = Coverage().Measure([Engaged("legal"), Engaged("Champion")], Now);

        Assert.Equal(0, result.Coverage);
    }

    public static TheoryData<int, int, int> Rounding => new()
    {
        { 3, 1, 33 },
        { 3, 2, 67 },
        { 8, 1, 13 },
        { 8, 3, 38 },
        { 7, 7, 100 },
    };

    [Theory]
    [MemberData(nameof(Rounding))]
    public void Measure_RoundsHalvesAwayFromZero(int roleCount, int engagedCount, int expected)
    {
        var roles = Enumerable.Range(1, roleCount).Select(i => $"role-{i}").ToArray();

        var result = Coverage(30, roles).Measure([.. roles.Take(engagedCount).Select(r => Engaged(r))], Now);

        Assert.Equal(expected, result.Coverage);
    }

    public static TheoryData<DateTimeOffset, DateTimeOffset, bool> Windows => new()
    {
        // Exactly engagedDays before the run day's 00:00 is still engaged; a second earlier is not.
        { new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), Now, true },
        { new(2026, 8, 31, 23, 59, 59, TimeSpan.Zero), Now, false },
        // The window starts at the day, not the instant: the first and last runs of a day agree.
        { new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 10, 1, 0, 0, 1, TimeSpan.Zero), true },
        { new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 10, 1, 23, 59, 59, TimeSpan.Zero), true },
        { new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 10, 2, 0, 0, 1, TimeSpan.Zero), false },
        // A non-UTC offset is read in UTC: 2026-09-01 01:00 +02:00 is 2026-08-31 23:00 UTC.
        { new(2026, 9, 1, 1, 0, 0, TimeSpan.FromHours(2)), Now, false },
        // A signal at the run itself counts; one after it is bad data and does not.
        { Now, Now, true },
        { Now.AddMinutes(1), Now, false },
        { Now.AddDays(2), Now, false },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Measure_EngagedWithinEngagedDaysOfTheRunDay(DateTimeOffset lastSignal, DateTimeOffset now, bool engaged)
    {
        var result = Coverage().Measure([new("003A", "champion", lastSignal)], now);

        Assert.Equal(engaged ? 20 : 0, result.Coverage);
        Assert.Equal(engaged, result.CoveredRoles.Contains("champion"));
    }

    [Fact]
    public void Measure_EngagedDaysComeFromTheRules()
    {
        CommitteeContact[] contacts = [Engaged("champion", daysAgo: 10)];

        Assert.Equal(20, Coverage(10).Measure(contacts, Now).Coverage);
        Assert.Equal(0, Coverage(9).Measure(contacts, Now).Coverage);
    }

    [Fact]
    public void Measure_NoRolesDefined_IsZero()
    {
        var result = new CommitteeCoverage(new BuyingCommitteeRules(30, [])).Measure([Engaged("champion")], Now);

        Assert.Equal(0, result.Coverage);
        Assert.Empty(result.CoveredRoles);
        Assert.Empty(result.MissingRoles);
        Assert.Contains("no buying roles", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_NoContacts_IsZero()
    {
        var result = Coverage().Measure([], Now);

        Assert.Equal(0, result.Coverage);
        Assert.Equal(FiveRoles, result.MissingRoles);
    }
}
