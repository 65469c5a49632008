using AbmSync.Core.Accounts;
using AbmSync.Core.Routing;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Tests;

public class OwnerRouterTests
{
    const string Head = """
        version: 1
        tiering:
          criteria:
            - { name: fit, field: industry, in: [Software], points: 30 }
          tiers:
            - { tier: Tier 1, minScore: 80, capPerOwner: 3 }
            - { tier: Tier 2, minScore: 50 }
            - { tier: Tier 3, minScore: 25 }

        """;

    const string Routing = """
        routing:
          territories:
            - { name: na-east, pod: East, when: [ { field: country, in: [US, CA] }, { field: city, in: [New York, Boston] } ] }
            - { name: na-west, pod: West, when: [ { field: country, in: [US, CA] } ] }
            - { name: emea-large, pod: EMEA, when: [ { field: country, in: [GB, DE] }, { field: employees, between: [200, 20000] } ] }
            - { name: strategic, pod: East, when: [ { field: Account.ABM_Region__c, in: [Strategic] } ] }
          pods:
            - { name: East, team: East }
            - { name: West, team: West }
            - { name: EMEA, aes: [eve@x.com, eli@x.com], sdrs: [ezra@x.com], marketers: [emma@x.com] }
          conflicts: { outsideTerritory: flag, overCapacity: flag }
        """;

    const string Ae = "Account Executive", Sdr = "Sales Development Representative", Marketer = "ABM Marketer";

    static SalesUser User(string id, string name, string title, string? team, bool active = true) =>
        new(id, $"{id}@x.com", name, active, title, team is null ? [] : [team]);

    static readonly SalesUser[] Users =
    [
        User("ana", "Ana Li", Ae, "East"),
        User("ben", "Ben Ode", Ae, "East"),
        User("old", "Old Guy", Ae, "East", active: false),
        User("sam", "Sam Su", Sdr, "East"),
        User("sue", "Sue Sy", Sdr, "East"),
        User("mia", "Mia Ma", Marketer, "East"),
        User("mgr", "Max Gr", "Sales Manager", "East"),
        User("wes", "Wes Wu", Ae, "West"),
        User("wyn", "Wyn Wo", Sdr, "West"),
        User("wil", "Wil Wa", Marketer, "West"),
        User("eve", "Eve Ek", Ae, null),
        User("eli", "Eli En", Ae, null),
        User("ezra", "Ezra Ep", Sdr, null),
        User("emma", "Emma Em", Marketer, null),
    ];

    static RoutingRules Rules(string routing = Routing, string? capacity = null, string outside = "flag", string over = "flag") =>
        RulesLoader.Load("rules.yaml", Head + routing
            .Replace("outsideTerritory: flag", $"outsideTerritory: {outside}", StringComparison.Ordinal)
            .Replace("overCapacity: flag", $"overCapacity: {over}", StringComparison.Ordinal)
            .Replace("  territories:", capacity is null ? "  territories:" : $"  capacity: {capacity}\n  territories:", StringComparison.Ordinal)).Routing!;

    static RoutingInput Input(
        string id, string? tier = Tiers.Tier1, int score = 90, string? owner = null, string? country = "US", string? city = "New York",
        int? employees = 500, string? sdr = null, string? marketer = null, PriorRouting? prior = null, bool locked = false, string? region = null) =>
        new(new AccountProfile
        {
            Id = id, Country = country, City = city, Employees = employees, OwnerId = owner,
            SalesforceValues = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["ABM_Region__c"] = region },
        }, tier, score, locked, sdr, marketer, prior);

    static IReadOnlyList<RoutingDecision> Route(RoutingRules rules, IReadOnlyList<RoutingInput> inputs, IReadOnlyCollection<SalesUser>? users = null)
    {
        users ??= Users;
        return new OwnerRouter(rules).Route(inputs, PodRoster.Resolve(rules, users), users.ToDictionary(u => u.UserId, StringComparer.Ordinal));
    }

    static RoutingDecision RouteOne(RoutingInput input, RoutingRules? rules = null) => Assert.Single(Route(rules ?? Rules(), [input]));

    // Ten accounts of a tier that an owner already holds: they take the owner's capacity.
    static IEnumerable<RoutingInput> Owned(string owner, int count, string tier = Tiers.Tier1, int score = 95) =>
        Enumerable.Range(0, count).Select(i => Input($"{owner}-{tier[^1]}-{i:00}", tier, score, owner));

    static string Line(RoutingDecision d) =>
        $"{d.AccountId}|{d.Territory}|{d.Pod}|{d.Owner}|{d.Sdr}|{d.Marketer}|{d.Rule}|{d.Reason}|"
        + string.Join(";", d.Conflicts.Select(c => $"{c.Kind},{c.RecordId},{c.Detail},{c.Realigned},{c.SuggestedOwner}"));

    public static TheoryData<string?, string?, int?, string?, string?> Territories => new()
    {
        // country, city, employees, Account.ABM_Region__c → territory
        { "US", "New York", 500, null, "na-east" },
        { "us", "boston", 500, null, "na-east" },
        { "CA", "Toronto", 500, null, "na-west" },
        { "US", null, null, null, "na-west" },
        { "GB", "London", 200, null, "emea-large" },
        { "DE", "Berlin", 20000, null, "emea-large" },
        { "GB", "London", 199, null, null },
        { "GB", "London", null, null, null },
        { "GB", "London", 50, "strategic", "strategic" },
        { "US", "Boston", 500, "Strategic", "na-east" },
        { "BR", "Rio", 500, null, null },
        { null, null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(Territories))]
    public void TerritoryOf_TheFirstTerritoryWhoseConditionsAllPass(string? country, string? city, int? employees, string? region, string? territory)
    {
        var router = new OwnerRouter(Rules());

        Assert.Equal(territory, router.TerritoryOf(Input("001", country: country, city: city, employees: employees, region: region).Account));
    }

    [Fact]
    public void TerritoryOf_ATerritoryWithoutConditions_CatchesTheRest()
    {
        var rules = Rules(Routing.Replace("  pods:", "    - { name: rest-of-world, pod: West }\n  pods:", StringComparison.Ordinal));
        var router = new OwnerRouter(rules);

        Assert.Equal("rest-of-world", router.TerritoryOf(Input("001", country: "BR").Account));
        Assert.Equal("na-east", router.TerritoryOf(Input("002").Account));
    }

    [Fact]
    public void Route_NoTerritory_HasNoPodAndKeepsTheOwner()
    {
        var decision = RouteOne(Input("001", owner: "old", country: "BR", city: "Rio", employees: 50));

        Assert.Equal((null, null, "old", RoutingRulesIds.NoTerritory), (decision.Territory, decision.Pod, decision.Owner, decision.Rule));
        Assert.Equal("No territory matches (country BR, city Rio, employees 50, Account.ABM_Region__c blank); owner Old Guy kept", decision.Reason);
        Assert.False(decision.OwnerChanged);
    }

    [Fact]
    public void Route_ActiveAeOfThePod_IsKept()
    {
        var decision = RouteOne(Input("001", owner: "ben", sdr: "sam", marketer: "mia"));

        Assert.Equal(("na-east", "East", "ben", RoutingRulesIds.Kept), (decision.Territory, decision.Pod, decision.Owner, decision.Rule));
        Assert.Equal("Owner Ben Ode kept: active AE in pod East (territory na-east: country US, city New York)", decision.Reason);
        Assert.Empty(decision.Conflicts);
        Assert.False(decision.OwnerChanged || decision.SdrChanged || decision.MarketerChanged);
    }

    public static TheoryData<string?, string> MissingOwners => new()
    {
        { null, "no previous owner" },
        { "old", "previous owner Old Guy inactive" },
        { "005GONE", "previous owner 005GONE is not a Salesforce user" },
    };

    [Theory]
    [MemberData(nameof(MissingOwners))]
    public void Route_MissingOrInactiveOwner_IsAssignedInThePod(string? owner, string because)
    {
        var decision = RouteOne(Input("001", owner: owner));

        Assert.Equal(("ana", RoutingRulesIds.Assigned), (decision.Owner, decision.Rule));
        Assert.True(decision.OwnerChanged);
        Assert.Equal($"Assigned to Ana Li by weighted round robin in pod East (Tier 1, 2 of 3 left); {because} (territory na-east: country US, city New York); SDR Sam Su, marketer Mia Ma", decision.Reason);
    }

    [Fact]
    public void Route_WeightedRoundRobin_SharesByRemainingCapacity()
    {
        // Ana has 6 of 8 left, Ben 2 of 8.
        RoutingInput[] fresh = [.. Enumerable.Range(0, 4).Select(i => Input($"new{i}", score: 90 - i))];
        var decisions = Route(Rules(capacity: "{ Tier 1: 8 }"), [.. Owned("ana", 2), .. Owned("ben", 6), .. fresh]);

        var assigned = decisions.Where(d => d.Rule == RoutingRulesIds.Assigned).ToList();
        Assert.Equal(["ana", "ben", "ana", "ana"], assigned.Select(d => d.Owner));
        Assert.Contains("(Tier 1, 5 of 8 left)", assigned[0].Reason, StringComparison.Ordinal);
        Assert.Contains("(Tier 1, 1 of 8 left)", assigned[1].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 6, 2)]
    [InlineData(20, 6, 2)]
    [InlineData(2, 1, 1)]
    public void Route_WeightedRoundRobin_NeverGivesMoreThanIsLeft(int accounts, int toAna, int toBen)
    {
        RoutingInput[] fresh = [.. Enumerable.Range(0, accounts).Select(i => Input($"new{i:00}", score: 90))];
        var decisions = Route(Rules(capacity: "{ Tier 1: 8 }"), [.. Owned("ana", 2), .. Owned("ben", 6), .. fresh]);

        var assigned = decisions.Where(d => d.Rule == RoutingRulesIds.Assigned).ToList();
        Assert.Equal(toAna, assigned.Count(d => d.Owner == "ana"));
        Assert.Equal(toBen, assigned.Count(d => d.Owner == "ben"));
        Assert.Equal(accounts - toAna - toBen, decisions.Count(d => d.Rule == RoutingRulesIds.NoCapacity));
    }

    [Fact]
    public void Route_UnboundedCapacity_TakesTurnsInEmailOrder()
    {
        var decisions = Route(Rules(), [.. Enumerable.Range(0, 5).Select(i => Input($"new{i}", Tiers.Tier2, 70 - i))]);

        Assert.Equal(["ana", "ben", "ana", "ben", "ana"], decisions.Select(d => d.Owner));
        Assert.Contains("(Tier 2, no cap)", decisions[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_AssignsInTierThenScoreThenIdOrder_WhateverTheInputOrder()
    {
        // Capacity 1 each: the two best accounts get the two AEs, the third none.
        var decisions = Route(Rules(capacity: "{ Tier 1: 1 }"), [Input("c", score: 85), Input("b", score: 90), Input("a", score: 85)]);

        Assert.Equal(["c:no-capacity", "b:round-robin", "a:round-robin"], decisions.Select(d => $"{d.AccountId}:{d.Rule}"));
    }

    [Fact]
    public void Route_AeExactlyAtCapacity_GetsNothingAndIsNoConflict()
    {
        var decisions = Route(Rules(), [.. Owned("ana", 3), Input("new1", score: 99), Input("new2", score: 98)]);

        Assert.All(decisions.Take(3), d => Assert.Equal((RoutingRulesIds.Kept, 0), (d.Rule, d.Conflicts.Count)));
        Assert.Equal(["ben", "ben"], decisions.Skip(3).Select(d => d.Owner));
    }

    [Fact]
    public void Route_EveryAeFull_IsNoCapacity_AndKeepsTheOwner()
    {
        var decision = Route(Rules(), [.. Owned("ana", 3), .. Owned("ben", 3), Input("new", owner: "old")])[^1];

        Assert.Equal(("old", RoutingRulesIds.NoCapacity), (decision.Owner, decision.Rule));
        var conflict = Assert.Single(decision.Conflicts);
        Assert.Equal((OwnershipConflict.NoCapacity, "new", false), (conflict.Kind, conflict.RecordId, conflict.Realigned));
        Assert.Equal("Not assigned: every AE in pod East is at Tier 1 capacity (3); owner Old Guy kept (previous owner Old Guy inactive) (territory na-east: country US, city New York); SDR Sue Sy (fewest accounts), marketer Mia Ma (fewest accounts)", decision.Reason);
    }

    [Fact]
    public void Route_PodWithoutActiveAes_IsNoCapacity()
    {
        var users = Users.Where(u => u.UserId is not ("eve" or "eli")).ToList();

        var decision = Assert.Single(Route(Rules(), [Input("001", country: "GB", city: "London")], users));

        Assert.Equal(RoutingRulesIds.NoCapacity, decision.Rule);
        Assert.StartsWith("Not assigned: pod EMEA has no active AE", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_InactiveMembers_GetNoNewWork()
    {
        // Old Guy is a listed AE of the pod, and Sam an SDR, but both inactive.
        var users = Users.Select(u => u.UserId == "sam" ? u with { Active = false } : u).ToList();

        var decisions = Route(Rules(), [.. Enumerable.Range(0, 6).Select(i => Input($"new{i}", Tiers.Tier2, 70))], users);

        Assert.DoesNotContain(decisions, d => d.Owner == "old" || d.Sdr == "sam");
        Assert.All(decisions, d => Assert.Equal("sue", d.Sdr));
    }

    [Fact]
    public void Route_JobDeliveredTwice_GivesTheSameOwners()
    {
        var rules = Rules();
        RoutingInput[] inputs =
        [
            .. Owned("ana", 2), Input("t1a", owner: "old"), Input("t1b", score: 85), Input("t1c", score: 84), Input("t1d", score: 83, owner: "005GONE"),
            Input("t2a", Tiers.Tier2, 70, owner: "old"), Input("t2b", Tiers.Tier2, 60), Input("t3", Tiers.Tier3, 30),
            Input("west", owner: "old", city: "Denver"), Input("emea", Tiers.Tier2, 60, country: "GB", city: "London"),
        ];
        var first = Route(rules, inputs);

        // The ledger committed the first run's decisions; nothing reached Salesforce.
        var again = Route(rules, [.. inputs.Select((input, i) => input with { Prior = first[i].ToPrior() })]);

        Assert.Equal(first.Select(d => (d.Owner, d.Sdr, d.Marketer)), again.Select(d => (d.Owner, d.Sdr, d.Marketer)));
        Assert.Contains(again, d => d.Rule == RoutingRulesIds.Replay);
        Assert.DoesNotContain(again, d => d.Rule == RoutingRulesIds.Assigned);
    }

    [Fact]
    public void Route_SecondRunOverTheFirstsDecisions_ChangesNothing()
    {
        var rules = Rules(capacity: "{ Tier 1: 2 }", over: "realign", outside: "realign");
        RoutingInput[] inputs =
        [
            .. Owned("ana", 3), Input("t1a", owner: "old"), Input("t1b", score: 85, owner: "wes"), Input("t1c", score: 84),
            Input("t2a", Tiers.Tier2, 70, owner: "old"), Input("t2b", Tiers.Tier2, 60, sdr: "wyn"), Input("t3", Tiers.Tier3, 30),
            Input("west", owner: "old", city: "Denver"), Input("emea", Tiers.Tier2, 60, country: "GB", city: "London"),
            Input("none", owner: "old", country: "BR"), Input("untiered", null, 10, owner: "old"),
        ];
        var first = Route(rules, inputs);

        var second = Route(rules, [.. inputs.Select((input, i) => input with
        {
            Account = input.Account with { OwnerId = first[i].Owner },
            CurrentSdr = first[i].Sdr,
            CurrentMarketer = first[i].Marketer,
            Prior = first[i].ToPrior(),
        })]);

        Assert.Equal(first.Select(d => (d.Owner, d.Sdr, d.Marketer)), second.Select(d => (d.Owner, d.Sdr, d.Marketer)));
        Assert.DoesNotContain(second, d => d.OwnerChanged || d.SdrChanged || d.MarketerChanged);
        Assert.DoesNotContain(second, d => d.Rule is RoutingRulesIds.Hold or RoutingRulesIds.Assigned or RoutingRulesIds.Realigned);
        Assert.Contains(first, d => d.Rule == RoutingRulesIds.Realigned);
    }

    [Fact]
    public void Route_Replay_TakesNoRoundRobinTurn()
    {
        // Unbounded Tier 2 rotates Ana, Ben: had x been assigned afresh it would have taken Ana's turn.
        var decisions = Route(Rules(), [Input("x", Tiers.Tier2, 70, prior: new PriorRouting("ben", null, null)), Input("y", Tiers.Tier2, 60)]);

        Assert.Equal([("ben", RoutingRulesIds.Replay), ("ana", RoutingRulesIds.Assigned)], decisions.Select(d => (d.Owner, d.Rule)));
    }

    [Fact]
    public void Route_Replay_CountsTowardsCapacity()
    {
        // Ben holds 2 and was given a third last run: he is full, the new account goes to Ana.
        var decisions = Route(Rules(), [.. Owned("ben", 2), Input("x", owner: "old", prior: new PriorRouting("ben", null, null)), Input("y", score: 99)]);

        Assert.Equal(["ben", "ana"], decisions.Skip(2).Select(d => d.Owner));
    }

    [Fact]
    public void Route_OurAssignmentKeptSince_ItsReasonStillNamesTheOwnerItReplaced()
    {
        var ours = RouteOne(Input("x", owner: "ben", prior: new PriorRouting("ben", null, null) { ReplacedOwner = "old" }));
        var theirs = RouteOne(Input("x", owner: "ben", prior: new PriorRouting("ben", null, null)));

        Assert.Equal(("ben", RoutingRulesIds.Kept), (ours.Owner, ours.Rule));
        Assert.Contains("kept: active AE in pod", ours.Reason, StringComparison.Ordinal);
        Assert.Contains("assigned by AbmSync in place of Old Guy", ours.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("assigned by AbmSync", theirs.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_PriorOwnerNoLongerInThePod_IsNotReplayed()
    {
        var decision = RouteOne(Input("x", owner: "old", prior: new PriorRouting("wes", null, null)));

        Assert.Equal(("ana", RoutingRulesIds.Assigned), (decision.Owner, decision.Rule));
    }

    [Theory]
    [InlineData("flag")]
    [InlineData("realign")]
    public void Route_OwnerChangedByAPersonAfterOurWrite_IsHeld(string outside)
    {
        var decision = RouteOne(Input("x", owner: "wes", prior: new PriorRouting("ana", "sam", "mia")), Rules(outside: outside));

        Assert.Equal(("wes", RoutingRulesIds.Hold), (decision.Owner, decision.Rule));
        Assert.StartsWith("Owner Wes Wu kept: changed by a person after AbmSync's last assignment (ownership hold); not an AE of pod East, not realigned", decision.Reason, StringComparison.Ordinal);
        var conflict = Assert.Single(decision.Conflicts);
        Assert.Equal((OwnershipConflict.OutsideTerritory, false), (conflict.Kind, conflict.Realigned));
    }

    [Fact]
    public void Route_OwnerStillTheOneWeReplaced_IsReplayedNotHeld()
    {
        var prior = new PriorRouting("ana", null, null) { ReplacedOwner = "wes" };

        var decision = RouteOne(Input("x", owner: "wes", prior: prior), Rules(outside: "realign"));

        Assert.Equal(("ana", RoutingRulesIds.Replay), (decision.Owner, decision.Rule));
    }

    [Fact]
    public void Route_SdrAndMarketerChangedByAPerson_AreHeldEachOnItsOwn()
    {
        var decision = RouteOne(Input("x", owner: "ana", sdr: "wyn", marketer: "mia", prior: new PriorRouting("ana", "sam", "mia")));

        Assert.Equal(("wyn", RoutingRulesIds.Kept), (decision.Sdr, decision.Rule));
        Assert.Equal("mia", decision.Marketer);
        Assert.EndsWith("; SDR Wyn Wo kept (ownership hold)", decision.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, bool> Outside => new()
    {
        // policy → owner, rule, realigned
        { "flag", "wes", RoutingRulesIds.Flagged, false },
        { "realign", "ana", RoutingRulesIds.Realigned, true },
    };

    [Theory]
    [MemberData(nameof(Outside))]
    public void Route_OwnerOutsideTheTerritory_IsFlaggedOrRealigned(string policy, string owner, string rule, bool realigned)
    {
        var decision = RouteOne(Input("x", owner: "wes"), Rules(outside: policy));

        Assert.Equal((owner, rule), (decision.Owner, decision.Rule));
        var conflict = Assert.Single(decision.Conflicts);
        Assert.Equal((OwnershipConflict.OutsideTerritory, "x", realigned, realigned ? "ana" : null), (conflict.Kind, conflict.RecordId, conflict.Realigned, conflict.SuggestedOwner));
        Assert.Equal("Owner Wes Wu is not an AE of pod East", conflict.Detail);
        Assert.StartsWith(realigned
            ? "Reassigned to Ana Li by weighted round robin in pod East (Tier 1, 2 of 3 left); previous owner Wes Wu not an AE of the pod"
            : "Owner Wes Wu kept, flagged: not an AE of pod East (territory na-east", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_ActiveUserWhoIsNoAe_IsOutsideTheTerritoryToo()
    {
        var decision = RouteOne(Input("x", owner: "mgr"));

        Assert.Equal(("mgr", RoutingRulesIds.Flagged), (decision.Owner, decision.Rule));
        Assert.Equal(OwnershipConflict.OutsideTerritory, Assert.Single(decision.Conflicts).Kind);
    }

    // Ana holds five Tier 1 accounts with capacity 3. By score, then id: a2 90, a4 85, a3 80, a5 80, a1 70, so a5
    // (the tie lost on id) and a1 rank lowest.
    static RoutingInput[] OverBook(bool lockA1 = false) =>
    [
        Input("a1", score: 70, owner: "ana", locked: lockA1), Input("a2", score: 90, owner: "ana"), Input("a3", score: 80, owner: "ana"),
        Input("a4", score: 85, owner: "ana"), Input("a5", score: 80, owner: "ana"),
    ];

    [Fact]
    public void Route_OverCapacity_Flag_ListsTheLowestRankedBeyondCapacity()
    {
        var decisions = Route(Rules(), OverBook()).ToDictionary(d => d.AccountId);

        Assert.All(decisions.Values, d => Assert.Equal("ana", d.Owner));
        Assert.Equal(["a1", "a5"], decisions.Values.Where(d => d.Conflicts.Count > 0).Select(d => d.AccountId).Order(StringComparer.Ordinal));
        Assert.Equal(RoutingRulesIds.Flagged, decisions["a1"].Rule);
        Assert.Equal(RoutingRulesIds.Kept, decisions["a3"].Rule);
        var conflict = Assert.Single(decisions["a1"].Conflicts);
        Assert.Equal((OwnershipConflict.OverCapacity, false), (conflict.Kind, conflict.Realigned));
        Assert.Equal("Ana Li owns 5 Tier 1 accounts, capacity 3; this one ranks 5", conflict.Detail);
        Assert.EndsWith("ranks 4", Assert.Single(decisions["a5"].Conflicts).Detail, StringComparison.Ordinal);
        Assert.StartsWith("Owner Ana Li kept, flagged: over Tier 1 capacity (5 owned, capacity 3)", decisions["a1"].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_OverCapacity_Realign_MovesTheLowestRanked_UnlessLocked()
    {
        var moved = Route(Rules(over: "realign"), OverBook()).ToDictionary(d => d.AccountId);
        var locked = Route(Rules(over: "realign"), OverBook(lockA1: true)).ToDictionary(d => d.AccountId);

        Assert.Equal(["ben", "ana", "ana", "ana", "ben"], new[] { "a1", "a2", "a3", "a4", "a5" }.Select(id => moved[id].Owner));
        Assert.Equal((RoutingRulesIds.Realigned, true, "ben"), (moved["a1"].Rule, moved["a1"].Conflicts[0].Realigned, moved["a1"].Conflicts[0].SuggestedOwner));
        Assert.Equal(("ana", "ben"), (locked["a1"].Owner, locked["a5"].Owner));
        Assert.False(Assert.Single(locked["a1"].Conflicts).Realigned);
    }

    [Fact]
    public void Route_OverCapacity_RealignWithNoRoomElsewhere_KeepsTheOwner()
    {
        var decisions = Route(Rules(over: "realign"), [.. OverBook(), .. Owned("ben", 3)]).ToDictionary(d => d.AccountId);

        Assert.Equal(("ana", RoutingRulesIds.NoCapacity), (decisions["a1"].Owner, decisions["a1"].Rule));
        Assert.Equal([OwnershipConflict.OverCapacity, OwnershipConflict.NoCapacity], decisions["a1"].Conflicts.Select(c => c.Kind));
        Assert.All(decisions["a1"].Conflicts, c => Assert.False(c.Realigned));
    }

    [Fact]
    public void Route_UntieredAccount_NeverChangesOwner()
    {
        var decisions = Route(Rules(outside: "realign"), [Input("x", null, 10, owner: "old"), Input("y", null, 10), Input("z", null, 10, owner: "wes", sdr: "wyn")]);

        Assert.Equal(["old", null, "wes"], decisions.Select(d => d.Owner));
        Assert.All(decisions, d => Assert.False(d.OwnerChanged || d.SdrChanged || d.MarketerChanged));
        Assert.Equal("East", decisions[0].Pod);
        Assert.Equal("Owner Old Guy kept: no tier, so not routed; pod East (territory na-east: country US, city New York)", decisions[0].Reason);
        Assert.False(Assert.Single(decisions[2].Conflicts).Realigned);
    }

    [Fact]
    public void Route_Tier1And2_GetAnSdrAndAMarketer_Tier3KeepsItsOwn()
    {
        var decisions = Route(Rules(), [
            Input("t1", owner: "ana"), Input("t2", Tiers.Tier2, 60, owner: "ben"),
            Input("t3", Tiers.Tier3, 30, owner: "ana"), Input("t3b", Tiers.Tier3, 30, owner: "ana", sdr: "wyn", marketer: "old"),
        ]);

        Assert.Equal(
            [("sam", "mia"), ("sam", "mia"), (null, null), ("wyn", "old")],
            decisions.Select(d => (d.Sdr, d.Marketer)));
        Assert.EndsWith("; SDR Sam Su, marketer Mia Ma", decisions[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_CurrentSdrInThePod_IsKept_AndOtherwiseReplaced()
    {
        var decisions = Route(Rules(), [Input("a", owner: "ana", sdr: "sue"), Input("b", owner: "ana", sdr: "wyn"), Input("c", owner: "ana", sdr: "sam", marketer: "mia")]);

        Assert.Equal(["sue", "sam", "sam"], decisions.Select(d => d.Sdr));
        Assert.Equal([false, true, false], decisions.Select(d => d.SdrChanged));
    }

    [Fact]
    public void Route_OwnerNotAnAeOfThePod_GetsThePodsLeastLoadedSdr()
    {
        // Ana's ratio SDR is Sam (email order, 3 AEs each); Wes is kept outside the territory, so his gets the least loaded.
        var decisions = Route(Rules(), [Input("a", owner: "ana"), Input("b", owner: "ben"), Input("w1", score: 50, owner: "wes"), Input("w2", score: 40, owner: "wes")]);

        Assert.Equal(["sam", "sam", "sue", "sue"], decisions.Select(d => d.Sdr));
        Assert.Contains("SDR Sue Sy (fewest accounts)", decisions[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_Pairs_NameTheSdrAndMarketer()
    {
        var rules = Rules(Routing.Replace("{ name: East, team: East }", "{ name: East, team: East, pairs: [ { ae: ben@x.com, sdr: sue@x.com } ] }", StringComparison.Ordinal));

        var decisions = Route(rules, [Input("a", owner: "ana"), Input("b", owner: "ben")]);

        Assert.Equal([("sam", "mia"), ("sue", "mia")], decisions.Select(d => (d.Sdr, d.Marketer)));
    }

    [Fact]
    public void Route_IsDeterministic_UnderShuffledInputsPodsAndUsers()
    {
        var rules = Rules(capacity: "{ Tier 1: 4, Tier 2: 6 }", over: "realign");
        var random = new Random(7);
        string?[] owners = [null, "ana", "ben", "old", "wes", "mgr", "eve", "005GONE"];
        string?[] tiers = [Tiers.Tier1, Tiers.Tier2, Tiers.Tier3, null];
        (string?, string?)[] places = [("US", "New York"), ("US", "Denver"), ("GB", "London"), ("BR", "Rio")];
        var inputs = Enumerable.Range(0, 300).Select(i =>
        {
            var (country, city) = places[random.Next(places.Length)];
            var prior = random.Next(4) == 0 ? new PriorRouting(owners[random.Next(owners.Length)], "sam", null) : null;
            return Input($"{random.Next(1000):000}-{i}", tiers[random.Next(tiers.Length)], random.Next(100), owners[random.Next(owners.Length)], country, city,
                sdr: random.Next(3) == 0 ? "sue" : null, prior: prior, locked: random.Next(10) == 0);
        }).ToList();
        var expected = Route(rules, inputs).Select(Line).Order(StringComparer.Ordinal).ToList();

        for (var seed = 0; seed < 3; seed++)
        {
            var shuffled = inputs.OrderBy(_ => random.Next()).ToList();
            var users = Users.OrderBy(_ => random.Next()).ToList();
            var pods = PodRoster.Resolve(rules, users).Reverse().ToList();
            var decisions = new OwnerRouter(rules).Route(shuffled, pods, users.ToDictionary(u => u.UserId, StringComparer.Ordinal));

            Assert.Equal(shuffled.Select(i => i.Account.Id), decisions.Select(d => d.AccountId));
            Assert.Equal(expected, decisions.Select(Line).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Route_Reasons_FitSalesforcesTextField()
    {
        var longName = new string('n', 200);
        var users = Users.Select(u => u with { Name = $"{u.Name} {longName}" }).ToList();
        var inputs = new[]
        {
            Input("a", owner: "old"), Input("b", owner: "wes"), Input("c", owner: "old", country: "BR", city: new string('c', 300)),
            Input("d", owner: "ana", prior: new PriorRouting("ben", "sam", "mia")), Input("e", null, 0, owner: "wes"),
        };

        var decisions = Route(Rules(), inputs, users);

        Assert.All(decisions, d => Assert.InRange(d.Reason.Length, 1, RoutingDecision.ReasonMaxLength));
        Assert.All(decisions, d => Assert.EndsWith("…", d.Reason, StringComparison.Ordinal));
    }

    public static TheoryData<string, string?, string?, string, string, string?, bool, string?> RecordOwners => new()
    {
        // kind, record owner, account owner, contactOwner policy, opportunityOwner policy → conflict kind, realigned, suggested owner
        { "contact", "ben", "ana", "realign", "flag", OwnershipConflict.ContactOwner, true, "ana" },
        { "contact", "ben", "ana", "flag", "realign", OwnershipConflict.ContactOwner, false, null },
        { "lead", "ben", "ana", "realign", "flag", OwnershipConflict.LeadOwner, true, "ana" },
        { "lead", null, "ana", "flag", "flag", OwnershipConflict.LeadOwner, false, null },
        { "opportunity", "ben", "ana", "realign", "flag", OwnershipConflict.OpportunityOwner, false, null },
        { "opportunity", "ben", "ana", "flag", "realign", OwnershipConflict.OpportunityOwner, true, "ana" },
        { "contact", "ana", "ana", "realign", "realign", null, false, null },
        { "opportunity", "ana", null, "realign", "realign", null, false, null },
    };

    [Theory]
    [MemberData(nameof(RecordOwners))]
    public void CheckRecordOwner_RecordOwnedApartFromItsAccount_IsAConflictByPolicy(
        string kind, string? recordOwner, string? accountOwner, string contactPolicy, string opportunityPolicy, string? conflictKind, bool realigned, string? suggested)
    {
        var rules = Rules(Routing.Replace("conflicts: {", $"conflicts: {{ contactOwner: {contactPolicy}, opportunityOwner: {opportunityPolicy},", StringComparison.Ordinal));

        var conflict = new OwnerRouter(rules).CheckRecordOwner(kind, "003X", recordOwner, "001A", accountOwner);

        Assert.Equal(conflictKind, conflict?.Kind);
        if (conflict is not null)
        {
            Assert.Equal(("003X", realigned, suggested), (conflict.RecordId, conflict.Realigned, conflict.SuggestedOwner));
            Assert.Contains($"{kind} 003X is owned by", conflict.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CheckRecordOwner_UnknownKind_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OwnerRouter(Rules()).CheckRecordOwner("case", "500X", "ben", "001A", "ana"));
    }
}
