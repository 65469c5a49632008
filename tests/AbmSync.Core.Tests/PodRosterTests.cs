using AbmSync.Core.Mapping;
using AbmSync.Core.Routing;

namespace AbmSync.Core.Tests;

public class PodRosterTests
{
    const string Ae = "Account Executive", Sdr = "Sales Development Representative", Marketer = "ABM Marketer";

    static SalesUser User(string id, string? title, string? team = "NA-East", bool active = true, string? name = null) =>
        new(id, $"{id}@x.com", name, active, title, team is null ? [] : [team]);

    static PodDefinition Definition(
        string? team = "NA-East", string[]? aes = null, string[]? sdrs = null, string[]? marketers = null, PodPairDefinition[]? pairs = null) =>
        new("NA-East", team, aes ?? [], sdrs ?? [], marketers ?? [], pairs ?? [], new SourceLocation("rules.yaml", 1));

    static RoutingRules Rules(PodDefinition pod, PodRatios? ratios = null) =>
        new([], [pod], RoleSource.Default, ratios ?? PodRatios.Default, ConflictPolicies.Default, new Dictionary<string, int?>());

    static Pod Resolve(PodDefinition pod, IReadOnlyCollection<SalesUser> users, PodRatios? ratios = null) =>
        Assert.Single(PodRoster.Resolve(Rules(pod, ratios), users));

    [Fact]
    public void Resolve_Team_TakesEachMembersRoleFromTheirTitle_AnyCase()
    {
        var pod = Resolve(Definition(), [
            User("ana", Ae), User("sam", "sales development representative"), User("mia", " ABM MARKETER "),
            User("mgr", "Sales Manager"), User("nil", null), User("wes", Ae, team: "NA-West"),
        ]);

        Assert.Equal(
            [("ana", PodRole.AccountExecutive), ("sam", PodRole.Sdr), ("mia", PodRole.Marketer)],
            pod.Members.Select(m => (m.UserId, m.Role)));
        Assert.Contains(pod.Problems, p => p.Contains("2 of team NA-East's 5 users have a Title that names no pod role", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_TeamName_IsMatchedInAnyCase()
    {
        var pod = Resolve(Definition(team: "na-east"), [User("ana", Ae)]);

        Assert.Equal("ana", Assert.Single(pod.Members).UserId);
    }

    [Fact]
    public void Resolve_ListedEmails_AddToTheTeamAndSetTheirRole()
    {
        var pod = Resolve(
            Definition(aes: ["zed@x.com"], sdrs: ["ANA@x.com"], marketers: ["ghost@x.com"]),
            [User("ana", Ae), User("ben", Ae), User("zed", "Consultant", team: null)]);

        Assert.Equal(
            [("ben", PodRole.AccountExecutive), ("zed", PodRole.AccountExecutive), ("ana", PodRole.Sdr)],
            pod.Members.Select(m => (m.UserId, m.Role)));
        Assert.Contains("listed marketer ghost@x.com is not a user", pod.Problems);
    }

    [Fact]
    public void Resolve_WithoutTeam_HasOnlyTheListedMembers()
    {
        var pod = Resolve(Definition(team: null, aes: ["ben@x.com"], sdrs: ["sam@x.com"]), [User("ana", Ae), User("ben", Ae), User("sam", Sdr)]);

        Assert.Equal(["ben", "sam"], pod.Members.Select(m => m.UserId));
        Assert.Contains("no active marketer", pod.Problems);
    }

    [Fact]
    public void Resolve_Members_AreSortedByRoleThenEmail_WhateverTheUsersOrder()
    {
        SalesUser[] users = [User("mia", Marketer), User("cat", Ae), User("sam", Sdr), User("ana", Ae), User("bob", Sdr), User("ben", Ae)];

        var forward = Resolve(Definition(), users);
        var backward = Resolve(Definition(), [.. users.Reverse()]);

        Assert.Equal(["ana", "ben", "cat", "bob", "sam", "mia"], forward.Members.Select(m => m.UserId));
        Assert.Equal(forward.Members, backward.Members);
        Assert.Equal(forward.SdrOfAe.OrderBy(p => p.Key), backward.SdrOfAe.OrderBy(p => p.Key));
    }

    [Fact]
    public void Resolve_InactiveMembers_AreListedButGetNoPartnersAndAreNobodysPartner()
    {
        var pod = Resolve(Definition(), [User("ana", Ae), User("old", Ae, active: false), User("sam", Sdr, active: false), User("sue", Sdr), User("mia", Marketer)]);

        Assert.Contains(pod.Members, m => m is { UserId: "old", Active: false });
        Assert.Equal(["ana"], pod.SdrOfAe.Keys);
        Assert.Equal("sue", pod.SdrOfAe["ana"]);
    }

    public static TheoryData<int, int, int, int[]> Ratios => new()
    {
        // AEs, SDRs, AEs per SDR → the SDR (by email order) of each AE (by email order).
        { 6, 2, 3, [0, 0, 0, 1, 1, 1] },
        { 7, 2, 3, [0, 0, 0, 1, 1, 1, 0] },
        { 4, 1, 3, [0, 0, 0, 0] },
        { 5, 3, 2, [0, 0, 1, 1, 2] },
        { 3, 3, 1, [0, 1, 2] },
        { 8, 2, 4, [0, 0, 0, 0, 1, 1, 1, 1] },
    };

    [Theory]
    [MemberData(nameof(Ratios))]
    public void Resolve_WithoutPairs_GivesAeNumberKTheSdrNumberKOverRatio(int aeCount, int sdrCount, int aesPerSdr, int[] expected)
    {
        var users = Enumerable.Range(0, aeCount).Select(i => User($"ae{i}", Ae))
            .Concat(Enumerable.Range(0, sdrCount).Select(i => User($"sdr{i}", Sdr)))
            .Concat([User("mkt0", Marketer), User("mkt1", Marketer)])
            .ToList();

        var pod = Resolve(Definition(), users, new PodRatios(aesPerSdr, 4));

        Assert.Equal(expected.Select(i => $"sdr{i}"), Enumerable.Range(0, aeCount).Select(i => pod.SdrOfAe[$"ae{i}"]));
        // Marketers follow their own ratio, 4 AEs each here.
        Assert.Equal(Enumerable.Range(0, aeCount).Select(i => $"mkt{i / 4 % 2}"), Enumerable.Range(0, aeCount).Select(i => pod.MarketerOfAe[$"ae{i}"]));
    }

    [Fact]
    public void Resolve_Pairs_OverrideTheRatios_AndTheOthersKeepTheirs()
    {
        var users = new[] { User("ae0", Ae), User("ae1", Ae), User("ae2", Ae), User("sdr0", Sdr), User("sdr1", Sdr), User("mkt0", Marketer), User("mkt1", Marketer) };

        var pod = Resolve(Definition(pairs: [new("ae1@x.com", "sdr1@x.com", null), new("ae2@x.com", null, "mkt1@x.com")]), users);

        Assert.Equal(["sdr0", "sdr1", "sdr0"], new[] { "ae0", "ae1", "ae2" }.Select(a => pod.SdrOfAe[a]));
        Assert.Equal(["mkt0", "mkt0", "mkt1"], new[] { "ae0", "ae1", "ae2" }.Select(a => pod.MarketerOfAe[a]));
        Assert.Empty(pod.Problems);
    }

    [Fact]
    public void Resolve_PairNamingNoUserOrTheWrongRole_IsAProblemAndFallsBackToTheRatios()
    {
        var users = new[] { User("ae0", Ae), User("ae1", Ae), User("sdr0", Sdr), User("sdr1", Sdr), User("mkt0", Marketer) };

        var pod = Resolve(Definition(pairs: [new("ghost@x.com", "sdr1@x.com", null), new("ae1@x.com", "mkt0@x.com", null), new("sdr0@x.com", "sdr1@x.com", null)]), users);

        Assert.Equal(["sdr0", "sdr0"], new[] { "ae0", "ae1" }.Select(a => pod.SdrOfAe[a]));
        Assert.Contains("pair names ghost@x.com, not a user", pod.Problems);
        Assert.Contains("pair names mkt0@x.com, not an SDR of pod NA-East", pod.Problems);
        Assert.Contains("pair names sdr0@x.com, not an AE of pod NA-East", pod.Problems);
    }

    [Fact]
    public void Resolve_PairWithAnInactiveSdr_GivesTheAeAnSdrByRatio()
    {
        var users = new[] { User("ae0", Ae), User("sdr0", Sdr), User("sdr1", Sdr, active: false) };

        var pod = Resolve(Definition(pairs: [new("ae0@x.com", "sdr1@x.com", null)]), users);

        Assert.Equal("sdr0", pod.SdrOfAe["ae0"]);
        Assert.Contains(pod.Problems, p => p.StartsWith("pair SDR sdr1@x.com of ae0@x.com is inactive", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_PodWithoutActiveSdrs_MapsNoAeToAnSdr()
    {
        var pod = Resolve(Definition(), [User("ae0", Ae), User("sdr0", Sdr, active: false)]);

        Assert.Empty(pod.SdrOfAe);
        Assert.Contains("no active SDR", pod.Problems);
    }

    [Fact]
    public void Resolve_EmptyTeam_IsAProblem()
    {
        var pod = Resolve(Definition(team: "APAC"), [User("ana", Ae)]);

        Assert.Empty(pod.Members);
        Assert.Contains("team APAC has no users", pod.Problems);
    }

    [Fact]
    public void Resolve_OneEmailOnAnInactiveAndAnActiveUser_ListsTheActiveOne()
    {
        var pod = Resolve(Definition(team: null, aes: ["ana@x.com"]), [User("ana", Ae), User("ana", Ae, active: false) with { UserId = "ana-old" }]);

        Assert.Equal("ana", Assert.Single(pod.Members).UserId);
    }
}
