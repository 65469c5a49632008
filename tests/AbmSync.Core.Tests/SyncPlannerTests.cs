using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;

namespace AbmSync.Core.Tests;

/// <summary>Builders shared by the planner tests: mappings, records and contexts without YAML.</summary>
static class Plans
{
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static FieldMapping Field(string salesforce, string hubSpot, SyncDirection direction, ConflictPolicy? conflict = null,
        FieldTransform transform = FieldTransform.None, IReadOnlyDictionary<string, string>? values = null) =>
        new(salesforce, hubSpot, direction, conflict, transform, values, new SourceLocation("test.yaml", 1));

    public static ObjectMapping Mapping(DeletePolicy onDelete, params FieldMapping[] fields) =>
        new(1, "Account", "companies", [], [], [MatchKey.LinkedId], onDelete, fields, new SourceLocation("test.yaml", 1));

    public static ObjectMapping Mapping(params FieldMapping[] fields) => Mapping(DeletePolicy.Unlink, fields);

    public static PlanContext Context(ObjectMapping mapping, OwnerMap? owners = null,
        Dictionary<string, FieldKind>? salesforceKinds = null, Dictionary<string, FieldKind>? hubSpotKinds = null,
        bool createInHubSpot = true, bool createInSalesforce = true, ConflictPolicy fallback = ConflictPolicy.SalesforceWins) =>
        new(mapping, Now, owners ?? OwnerMap.None, salesforceKinds ?? [], hubSpotKinds ?? [], createInHubSpot, createInSalesforce, fallback);

    public static Dictionary<string, string?> Values(params (string Name, string? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    public static SideRecord Record(string id, params (string Name, string? Value)[] values) => new(id, Values(values));

    public static FieldBaselines Baselines(Dictionary<string, string?>? salesforce = null, Dictionary<string, string?>? hubSpot = null) =>
        new(salesforce ?? [], hubSpot ?? []);

    public static PlanInput Linked(SideRecord salesforce, SideRecord hubSpot, FieldBaselines? baselines = null, RuleValues? rules = null) =>
        new(salesforce, hubSpot, LinkState.Linked, baselines ?? FieldBaselines.Empty, rules);
}

public class SyncPlannerTests
{
    static readonly DateTimeOffset Nine = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset Ten = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    // ---- The matrix -------------------------------------------------------------------------------------------------

    /// <summary>One side's state of the field relative to the last sync.</summary>
    public enum State
    {
        /// <summary>Holds the baseline value "Old".</summary>
        Unchanged,
        /// <summary>Baseline "Old", now a new value.</summary>
        Changed,
        /// <summary>Baseline "Old", now blank.</summary>
        Cleared,
        /// <summary>No baseline, blank.</summary>
        NeverSet,
        /// <summary>No baseline, a value of its own (a record met at first link).</summary>
        Unbased,
    }

    static (string? Value, bool HasBaseline) Setup(State state, string side) => state switch
    {
        State.Unchanged => ("Old", true),
        State.Changed => ($"{side}New", true),
        State.Cleared => (null, true),
        State.NeverSet => (null, false),
        _ => ($"{side}Own", false),
    };

    // One-way rule table, written for to-hubspot as (salesforce state, hubspot state) → outcome on HubSpot:
    // "-" nothing, "W" write Salesforce's value, "W*" write it as a correction (HubSpot left its baseline).
    // to-salesforce is the same table read with the sides swapped.
    static readonly Dictionary<(State Source, State Target), string> OneWayTable = new()
    {
        [(State.Unchanged, State.Unchanged)] = "-",
        [(State.Unchanged, State.Changed)] = "W*",
        [(State.Unchanged, State.Cleared)] = "W*",
        [(State.Unchanged, State.NeverSet)] = "W",
        [(State.Unchanged, State.Unbased)] = "W",
        [(State.Changed, State.Unchanged)] = "W",
        [(State.Changed, State.Changed)] = "W*",
        [(State.Changed, State.Cleared)] = "W*",
        [(State.Changed, State.NeverSet)] = "W",
        [(State.Changed, State.Unbased)] = "W",
        // A blank source clears only what we wrote before (a non-blank baseline) ...
        [(State.Cleared, State.Unchanged)] = "W",
        [(State.Cleared, State.Changed)] = "W*",
        [(State.Cleared, State.Cleared)] = "-",
        [(State.Cleared, State.NeverSet)] = "-",
        // ... never a value its owners put there.
        [(State.Cleared, State.Unbased)] = "-",
        [(State.NeverSet, State.Unchanged)] = "W",
        [(State.NeverSet, State.Changed)] = "W*",
        [(State.NeverSet, State.Cleared)] = "-",
        [(State.NeverSet, State.NeverSet)] = "-",
        [(State.NeverSet, State.Unbased)] = "-",
        [(State.Unbased, State.Unchanged)] = "W",
        [(State.Unbased, State.Changed)] = "W*",
        [(State.Unbased, State.Cleared)] = "W*",
        [(State.Unbased, State.NeverSet)] = "W",
        [(State.Unbased, State.Unbased)] = "W",
    };

    // Two-way rule table: (salesforce state, hubspot state) → outcome per policy, in the order salesforce-wins,
    // hubspot-wins, latest-wins (HubSpot's change is the later one), prefer-salesforce-unless-blank,
    // prefer-hubspot-unless-blank. "-" nothing, "S" Salesforce's value goes to HubSpot, "H" HubSpot's value goes to
    // Salesforce; "!" marks a recorded conflict.
    static readonly Dictionary<(State Salesforce, State HubSpot), string[]> TwoWayTable = new()
    {
        [(State.Unchanged, State.Unchanged)] = ["-", "-", "-", "-", "-"],
        [(State.Unchanged, State.Changed)] = ["H", "H", "H", "H", "H"],
        [(State.Unchanged, State.Cleared)] = ["H", "H", "H", "H", "S"],
        [(State.Unchanged, State.NeverSet)] = ["S", "S", "S", "S", "S"],
        [(State.Unchanged, State.Unbased)] = ["H", "H", "H", "H", "H"],
        [(State.Changed, State.Unchanged)] = ["S", "S", "S", "S", "S"],
        [(State.Changed, State.Changed)] = ["S!", "H!", "H!", "S!", "H!"],
        [(State.Changed, State.Cleared)] = ["S!", "H!", "H!", "S!", "S!"],
        [(State.Changed, State.NeverSet)] = ["S", "S", "S", "S", "S"],
        [(State.Changed, State.Unbased)] = ["S!", "H!", "H!", "S!", "H!"],
        [(State.Cleared, State.Unchanged)] = ["S", "S", "S", "H", "S"],
        [(State.Cleared, State.Changed)] = ["S!", "H!", "H!", "H!", "H!"],
        [(State.Cleared, State.Cleared)] = ["-", "-", "-", "-", "-"],
        [(State.Cleared, State.NeverSet)] = ["-", "-", "-", "-", "-"],
        [(State.Cleared, State.Unbased)] = ["S!", "H!", "H!", "H!", "H!"],
        [(State.NeverSet, State.Unchanged)] = ["H", "H", "H", "H", "H"],
        [(State.NeverSet, State.Changed)] = ["H", "H", "H", "H", "H"],
        [(State.NeverSet, State.Cleared)] = ["-", "-", "-", "-", "-"],
        [(State.NeverSet, State.NeverSet)] = ["-", "-", "-", "-", "-"],
        [(State.NeverSet, State.Unbased)] = ["H", "H", "H", "H", "H"],
        [(State.Unbased, State.Unchanged)] = ["S", "S", "S", "S", "S"],
        [(State.Unbased, State.Changed)] = ["S!", "H!", "H!", "S!", "H!"],
        [(State.Unbased, State.Cleared)] = ["S!", "H!", "H!", "S!", "S!"],
        [(State.Unbased, State.NeverSet)] = ["S", "S", "S", "S", "S"],
        [(State.Unbased, State.Unbased)] = ["S!", "H!", "H!", "S!", "H!"],
    };

    static readonly ConflictPolicy[] PolicyOrder =
    [
        ConflictPolicy.SalesforceWins, ConflictPolicy.HubSpotWins, ConflictPolicy.LatestWins,
        ConflictPolicy.PreferSalesforceUnlessBlank, ConflictPolicy.PreferHubSpotUnlessBlank,
    ];

    public static TheoryData<ConflictPolicy, SyncDirection, State, State> Matrix()
    {
        var data = new TheoryData<ConflictPolicy, SyncDirection, State, State>();
        foreach (var policy in PolicyOrder)
        {
            foreach (var direction in Enum.GetValues<SyncDirection>())
            {
                foreach (var sf in Enum.GetValues<State>())
                {
                    foreach (var hs in Enum.GetValues<State>())
                    {
                        data.Add(policy, direction, sf, hs);
                    }
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Plan_PolicyDirectionAndSideStates_WritesWhatTheRuleTableSays(ConflictPolicy policy, SyncDirection direction, State sfState, State hsState)
    {
        var (s, sHasBase) = Setup(sfState, "Sf");
        var (h, hHasBase) = Setup(hsState, "Hs");
        var mapping = Plans.Mapping(Plans.Field("Name__c", "name", direction, direction == SyncDirection.TwoWay ? policy : null));
        var sf = new SideRecord("001", Plans.Values(("Name__c", s)), FieldTimes: new Dictionary<string, DateTimeOffset> { ["Name__c"] = Nine });
        var hs = new SideRecord("9", Plans.Values(("name", h)), FieldTimes: new Dictionary<string, DateTimeOffset> { ["name"] = Ten });
        var baselines = Plans.Baselines(
            sHasBase ? Plans.Values(("Name__c", "Old")) : [],
            hHasBase ? Plans.Values(("name", "Old")) : []);

        var plan = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(sf, hs, baselines));

        string expected;
        bool correction = false;
        switch (direction)
        {
            case SyncDirection.ToHubSpot:
                expected = OneWayTable[(sfState, hsState)] switch { "-" => "-", _ => "S" };
                correction = OneWayTable[(sfState, hsState)] == "W*";
                break;
            case SyncDirection.ToSalesforce:
                expected = OneWayTable[(hsState, sfState)] switch { "-" => "-", _ => "H" };
                correction = OneWayTable[(hsState, sfState)] == "W*";
                break;
            case SyncDirection.TwoWay:
                expected = TwoWayTable[(sfState, hsState)][Array.IndexOf(PolicyOrder, policy)];
                break;
            default:
                expected = "-";
                break;
        }

        switch (expected.TrimEnd('!'))
        {
            case "S":
                Assert.Empty(plan.SalesforceWrites);
                Assert.Equal(Plans.Values(("name", s)), plan.HubSpotWrites);
                break;
            case "H":
                Assert.Equal(Plans.Values(("Name__c", h)), plan.SalesforceWrites);
                Assert.Empty(plan.HubSpotWrites);
                break;
            default:
                Assert.True(plan.IsEmpty);
                break;
        }
        if (expected.EndsWith('!'))
        {
            var decision = Assert.Single(plan.Conflicts);
            Assert.Equal(policy, decision.Policy);
            Assert.Equal(expected[0] == 'S' ? SyncSide.Salesforce : SyncSide.HubSpot, decision.Winner);
            Assert.False(decision.Uncertain);
            Assert.Equal(s, decision.SalesforceValue);
            Assert.Equal(h, decision.HubSpotValue);
        }
        else
        {
            Assert.Empty(plan.Conflicts);
        }
        Assert.Equal(correction ? 1 : 0, plan.Corrections.Count);
    }

    // ---- Latest-wins ------------------------------------------------------------------------------------------------

    static readonly ObjectMapping LatestName = Plans.Mapping(Plans.Field("Name", "name", SyncDirection.TwoWay, ConflictPolicy.LatestWins));
    static readonly FieldBaselines OldName = Plans.Baselines(Plans.Values(("Name", "Acme")), Plans.Values(("name", "Acme")));

    [Fact]
    public void Plan_LatestWinsWithHubSpotHistoryLaterThanSalesforceFieldHistory_HubSpotWins()
    {
        var sf = Plans.Record("001", ("Name", "Acme Corp")) with { FieldTimes = new Dictionary<string, DateTimeOffset> { ["Name"] = Nine }, LastModifiedByUs = true, ModifiedAt = Ten.AddHours(1) };
        var hs = Plans.Record("9", ("name", "Acme Inc")) with { FieldTimes = new Dictionary<string, DateTimeOffset> { ["name"] = Ten } };

        var plan = SyncPlanner.Plan(Plans.Context(LatestName), Plans.Linked(sf, hs, OldName));

        var decision = Assert.Single(plan.Conflicts);
        Assert.Equal(SyncSide.HubSpot, decision.Winner);
        Assert.False(decision.Uncertain);
        Assert.Equal("hubspot history 2026-11-30T10:00Z vs salesforce field history 2026-11-30T09:00Z", decision.DecidedBy);
        Assert.Equal(Plans.Values(("Name", "Acme Inc")), plan.SalesforceWrites);
        Assert.Empty(plan.HubSpotWrites);
    }

    [Fact]
    public void Plan_LatestWinsWithoutSalesforceHistoryAndSomeoneElseModified_UsesLastModifiedDate()
    {
        var sf = Plans.Record("001", ("Name", "Acme Corp")) with { ModifiedAt = Ten, LastModifiedByUs = false };
        var hs = Plans.Record("9", ("name", "Acme Inc")) with { FieldTimes = new Dictionary<string, DateTimeOffset> { ["name"] = Nine } };

        var plan = SyncPlanner.Plan(Plans.Context(LatestName), Plans.Linked(sf, hs, OldName));

        var decision = Assert.Single(plan.Conflicts);
        Assert.Equal(SyncSide.Salesforce, decision.Winner);
        Assert.False(decision.Uncertain);
        Assert.Equal("hubspot history 2026-11-30T09:00Z vs salesforce LastModifiedDate 2026-11-30T10:00Z", decision.DecidedBy);
        Assert.Equal(Plans.Values(("name", "Acme Corp")), plan.HubSpotWrites);
    }

    [Theory]
    [InlineData(ConflictPolicy.SalesforceWins, SyncSide.Salesforce)]
    [InlineData(ConflictPolicy.HubSpotWins, SyncSide.HubSpot)]
    public void Plan_LatestWinsWhenWeModifiedLastAndNoHistory_IsUncertainAndTheFallbackDecides(ConflictPolicy fallback, SyncSide winner)
    {
        var sf = Plans.Record("001", ("Name", "Acme Corp")) with { ModifiedAt = Ten, LastModifiedByUs = true };
        var hs = Plans.Record("9", ("name", "Acme Inc")) with { FieldTimes = new Dictionary<string, DateTimeOffset> { ["name"] = Nine } };

        var plan = SyncPlanner.Plan(Plans.Context(LatestName, fallback: fallback), Plans.Linked(sf, hs, OldName));

        var decision = Assert.Single(plan.Conflicts);
        Assert.True(decision.Uncertain);
        Assert.Equal(winner, decision.Winner);
        Assert.Contains("last modified by us", decision.DecidedBy, StringComparison.Ordinal);
        Assert.Contains("fallback", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_LatestWinsWithEqualTimes_IsUncertain()
    {
        var sf = Plans.Record("001", ("Name", "Acme Corp")) with { FieldTimes = new Dictionary<string, DateTimeOffset> { ["Name"] = Ten } };
        var hs = Plans.Record("9", ("name", "Acme Inc")) with { FieldTimes = new Dictionary<string, DateTimeOffset> { ["name"] = Ten } };

        var plan = SyncPlanner.Plan(Plans.Context(LatestName), Plans.Linked(sf, hs, OldName));

        Assert.True(Assert.Single(plan.Conflicts).Uncertain);
        Assert.Equal(Plans.Values(("name", "Acme Corp")), plan.HubSpotWrites);
    }

    [Fact]
    public void Plan_OnlyOneSideChangedAndWeModifiedItLast_StillFlows()
    {
        // Who wrote last never drops a change: the baseline says Salesforce changed, so it flows.
        var sf = Plans.Record("001", ("Name", "Acme Corp")) with { LastModifiedByUs = true, ModifiedAt = Ten };
        var hs = Plans.Record("9", ("name", "Acme"));

        var plan = SyncPlanner.Plan(Plans.Context(LatestName), Plans.Linked(sf, hs, OldName));

        Assert.Empty(plan.Conflicts);
        Assert.Equal(Plans.Values(("name", "Acme Corp")), plan.HubSpotWrites);
    }

    // ---- Value maps, kinds, owners ----------------------------------------------------------------------------------

    static readonly FieldMapping Stage = Plans.Field("StageName", "dealstage", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins,
        values: new Dictionary<string, string>
        {
            ["Prospecting"] = "appointmentscheduled",
            ["Qualification"] = "qualifiedtobuy",
            ["Needs Analysis"] = "qualifiedtobuy",
            ["Closed Won"] = "closedwon",
        });

    [Fact]
    public void Plan_ManyToOneStageRoundTrip_NeverTurnsOneSalesforceValueIntoAnother()
    {
        var context = Plans.Context(Plans.Mapping(Stage));
        var sf = Plans.Record("006", ("StageName", "Needs Analysis"));
        var hs = Plans.Record("9", ("dealstage", "appointmentscheduled"));
        var baselines = Plans.Baselines(Plans.Values(("StageName", "Prospecting")), Plans.Values(("dealstage", "appointmentscheduled")));

        var first = SyncPlanner.Plan(context, Plans.Linked(sf, hs, baselines));
        Assert.Equal(Plans.Values(("dealstage", "qualifiedtobuy")), first.HubSpotWrites);

        var second = SyncPlanner.Plan(context, Plans.Linked(sf, hs with { Values = Plans.Values(("dealstage", "qualifiedtobuy")) }, first.NewBaselines));
        Assert.True(second.IsEmpty);
        Assert.Equal("Needs Analysis", second.NewBaselines.Salesforce["StageName"]);
    }

    [Fact]
    public void Plan_HubSpotStageLeftItsBaselineToAManyToOneValue_TakesTheFirstListedSalesforceValue()
    {
        var context = Plans.Context(Plans.Mapping(Stage));
        var sf = Plans.Record("006", ("StageName", "Prospecting"));
        var hs = Plans.Record("9", ("dealstage", "qualifiedtobuy"));
        var baselines = Plans.Baselines(Plans.Values(("StageName", "Prospecting")), Plans.Values(("dealstage", "appointmentscheduled")));

        var plan = SyncPlanner.Plan(context, Plans.Linked(sf, hs, baselines));

        Assert.Equal(Plans.Values(("StageName", "Qualification")), plan.SalesforceWrites);
    }

    [Fact]
    public void Plan_ToSalesforceStageThatAlreadyStandsForTheHubSpotValue_IsKept()
    {
        var context = Plans.Context(Plans.Mapping(Stage with { Direction = SyncDirection.ToSalesforce, Conflict = null }));
        var baselines = Plans.Baselines(Plans.Values(("StageName", "Qualification")), Plans.Values(("dealstage", "qualifiedtobuy")));

        var plan = SyncPlanner.Plan(context,
            Plans.Linked(Plans.Record("006", ("StageName", "Needs Analysis")), Plans.Record("9", ("dealstage", "qualifiedtobuy")), baselines));

        Assert.True(plan.IsEmpty);
        Assert.Empty(plan.Corrections);
    }

    [Fact]
    public void Plan_UnknownHubSpotValueWithStarFallback_WritesNothingAndNotesIt()
    {
        var field = Plans.Field("Industry", "industry", SyncDirection.TwoWay, ConflictPolicy.HubSpotWins,
            values: new Dictionary<string, string> { ["Technology"] = "COMPUTER_SOFTWARE", ["*"] = "OTHER" });
        var sf = Plans.Record("001", ("Industry", "Technology"));
        var hs = Plans.Record("9", ("industry", "FARMING"));
        var baselines = Plans.Baselines(Plans.Values(("Industry", "Technology")), Plans.Values(("industry", "COMPUTER_SOFTWARE")));

        var plan = SyncPlanner.Plan(Plans.Context(Plans.Mapping(field)), Plans.Linked(sf, hs, baselines));

        Assert.True(plan.IsEmpty);
        Assert.Equal(PlanNote.ValueUnmapped, Assert.Single(plan.Notes).Code);
    }

    [Fact]
    public void Plan_ValuesEqualByKind_AreNotWritten()
    {
        var mapping = Plans.Mapping(
            Plans.Field("AnnualRevenue", "annualrevenue", SyncDirection.ToHubSpot),
            Plans.Field("Active__c", "active", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins),
            Plans.Field("Renewal__c", "renewal_at", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins));
        var context = Plans.Context(mapping,
            salesforceKinds: new() { ["AnnualRevenue"] = FieldKind.Number, ["Active__c"] = FieldKind.Boolean, ["Renewal__c"] = FieldKind.DateTime },
            hubSpotKinds: new() { ["annualrevenue"] = FieldKind.Number, ["active"] = FieldKind.Boolean, ["renewal_at"] = FieldKind.DateTime });
        var sf = Plans.Record("001", ("AnnualRevenue", "5000000.00"), ("Active__c", "True"), ("Renewal__c", "2026-11-25T10:00:00.000+0000"));
        var hs = Plans.Record("9", ("annualrevenue", "5000000"), ("active", "true"), ("renewal_at", "2026-11-25T11:00:00+01:00"));

        var plan = SyncPlanner.Plan(context, Plans.Linked(sf, hs));

        Assert.True(plan.IsEmpty);
        Assert.Empty(plan.Conflicts);
    }

    [Fact]
    public void Plan_DateTransformToSalesforce_WritesTheDay()
    {
        var mapping = Plans.Mapping(Plans.Field("Renewal__c", "renewal_at", SyncDirection.ToSalesforce, transform: FieldTransform.Date));
        var context = Plans.Context(mapping,
            salesforceKinds: new() { ["Renewal__c"] = FieldKind.Date }, hubSpotKinds: new() { ["renewal_at"] = FieldKind.DateTime });

        var plan = SyncPlanner.Plan(context, Plans.Linked(Plans.Record("001"), Plans.Record("9", ("renewal_at", "2026-11-25T10:00:00.000Z"))));

        Assert.Equal(Plans.Values(("Renewal__c", "2026-11-25")), plan.SalesforceWrites);
    }

    static readonly OwnerMap Owners = new(
        sf => sf switch { "005A" => "77", "005B" => "88", _ => null },
        hs => hs switch { "77" => "005A", "88" => "005B", _ => null });

    [Fact]
    public void Plan_OwnerWithNoHubSpotCounterpart_LeavesHubSpotAndItsBaselineAndNotesIt()
    {
        var mapping = Plans.Mapping(Plans.Field("OwnerId", "hubspot_owner_id", SyncDirection.ToHubSpot, transform: FieldTransform.Owner));
        var baselines = Plans.Baselines(Plans.Values(("OwnerId", "005A")), Plans.Values(("hubspot_owner_id", "77")));

        var plan = SyncPlanner.Plan(Plans.Context(mapping, Owners),
            Plans.Linked(Plans.Record("001", ("OwnerId", "005X")), Plans.Record("9", ("hubspot_owner_id", "88")), baselines));

        Assert.True(plan.IsEmpty);
        var note = Assert.Single(plan.Notes);
        Assert.Equal((PlanNote.OwnerUnmapped, SyncSide.HubSpot, "hubspot_owner_id"), (note.Code, note.Side, note.Field));
        Assert.Equal("77", plan.NewBaselines.HubSpot["hubspot_owner_id"]);
    }

    [Fact]
    public void Plan_TwoWayOwnerChangedInHubSpot_MapsItBackToTheSalesforceUser()
    {
        var mapping = Plans.Mapping(Plans.Field("OwnerId", "hubspot_owner_id", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins, FieldTransform.Owner));
        var baselines = Plans.Baselines(Plans.Values(("OwnerId", "005A")), Plans.Values(("hubspot_owner_id", "77")));

        var plan = SyncPlanner.Plan(Plans.Context(mapping, Owners),
            Plans.Linked(Plans.Record("001", ("OwnerId", "005A")), Plans.Record("9", ("hubspot_owner_id", "88")), baselines));

        Assert.Equal(Plans.Values(("OwnerId", "005B")), plan.SalesforceWrites);
    }

    [Fact]
    public void Plan_TwoWayOwnerUnmappedAndAcceptedAtTheLastSync_IsHeldWithoutConflictOrWrites()
    {
        var mapping = Plans.Mapping(Plans.Field("OwnerId", "hubspot_owner_id", SyncDirection.TwoWay, ConflictPolicy.HubSpotWins, FieldTransform.Owner));
        var context = Plans.Context(mapping, Owners);
        var sf = Plans.Record("001", ("OwnerId", "005X"));
        var hs = Plans.Record("9", ("hubspot_owner_id", "77"));

        // Salesforce moved to an owner HubSpot does not know: HubSpot is left, and the next run must not revert Salesforce.
        var first = SyncPlanner.Plan(context, Plans.Linked(sf, hs,
            Plans.Baselines(Plans.Values(("OwnerId", "005A")), Plans.Values(("hubspot_owner_id", "77")))));
        var second = SyncPlanner.Plan(context, Plans.Linked(sf, hs, first.NewBaselines));

        Assert.True(first.IsEmpty);
        Assert.Equal(PlanNote.OwnerUnmapped, Assert.Single(first.Notes).Code);
        Assert.True(second.IsEmpty);
        Assert.Empty(second.Conflicts);
        Assert.Equal(PlanNote.HeldDisagreement, Assert.Single(second.Notes).Code);
    }

    // ---- One-way corrections and blank protection -------------------------------------------------------------------

    [Fact]
    public void Plan_OneWayFieldEditedInHubSpot_IsPutBackAsACorrection()
    {
        var mapping = Plans.Mapping(
            Plans.Field("BillingCity", "city", SyncDirection.ToHubSpot),
            Plans.Field("BillingCountry", "country", SyncDirection.ToHubSpot));
        var baselines = Plans.Baselines(
            Plans.Values(("BillingCity", "Oslo"), ("BillingCountry", "NO")), Plans.Values(("city", "Oslo"), ("country", "NO")));
        var sf = Plans.Record("001", ("BillingCity", "Oslo"), ("BillingCountry", "SE"));
        var hs = Plans.Record("9", ("city", "Bergen"), ("country", "NO"));

        var plan = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(sf, hs, baselines));

        Assert.Equal(Plans.Values(("city", "Oslo"), ("country", "SE")), plan.HubSpotWrites);
        var correction = Assert.Single(plan.Corrections);
        Assert.Equal(new FieldCorrection(SyncSide.HubSpot, "city", "Bergen", "Oslo", "Oslo"), correction);
        Assert.Equal(1, plan.OrdinaryWriteCount);
    }

    [Fact]
    public void Plan_BlankSalesforceValueAndHubSpotValueWeNeverWrote_LeavesHubSpotAlone()
    {
        var mapping = Plans.Mapping(Plans.Field("Website", "domain", SyncDirection.ToHubSpot, transform: FieldTransform.Domain));

        var plan = SyncPlanner.Plan(Plans.Context(mapping),
            new PlanInput(Plans.Record("001", ("Website", null)), Plans.Record("9", ("domain", "acme.com")), LinkState.Unlinked, FieldBaselines.Empty));

        Assert.True(plan.IsEmpty);
        Assert.Equal(LinkActionKind.None, plan.Link.Kind);
        Assert.False(plan.NewBaselines.HubSpot.ContainsKey("domain"));
    }

    [Fact]
    public void Plan_BlankSalesforceValueWeWroteBefore_ClearsHubSpot()
    {
        var mapping = Plans.Mapping(Plans.Field("Website", "domain", SyncDirection.ToHubSpot, transform: FieldTransform.Domain));
        var baselines = Plans.Baselines(Plans.Values(("Website", "acme.com")), Plans.Values(("domain", "acme.com")));

        var plan = SyncPlanner.Plan(Plans.Context(mapping),
            Plans.Linked(Plans.Record("001", ("Website", "")), Plans.Record("9", ("domain", "acme.com")), baselines));

        Assert.Equal(Plans.Values(("domain", null)), plan.HubSpotWrites);
    }

    // ---- Rule-owned values ------------------------------------------------------------------------------------------

    [Fact]
    public void Plan_RuleOwnedValues_AreWrittenWhereTheyDiffer()
    {
        var rules = new RuleValues(Plans.Values(("Tier__c", "Tier 1")), Plans.Values(("abm_tier", "Tier 1")));

        var plan = SyncPlanner.Plan(Plans.Context(Plans.Mapping()),
            Plans.Linked(Plans.Record("001", ("Tier__c", "Tier 1")), Plans.Record("9", ("abm_tier", "Tier 2")), rules: rules));

        Assert.Empty(plan.SalesforceWrites);
        Assert.Equal(Plans.Values(("abm_tier", "Tier 1")), plan.HubSpotWrites);
    }

    // ---- Link actions -----------------------------------------------------------------------------------------------

    static readonly FieldMapping[] AccountFields =
    [
        Plans.Field("Name", "name", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins, FieldTransform.Trim),
        Plans.Field("Website", "domain", SyncDirection.ToHubSpot, transform: FieldTransform.Domain),
        Plans.Field("BillingCity", "city", SyncDirection.ToHubSpot),
        Plans.Field("OwnerId", "hubspot_owner_id", SyncDirection.ToHubSpot, transform: FieldTransform.Owner),
        Plans.Field("Description", "description", SyncDirection.ToSalesforce),
    ];

    [Theory]
    [InlineData(DeletePolicy.Unlink, SyncSide.HubSpot, LinkActionKind.Unlink)]
    [InlineData(DeletePolicy.Propagate, SyncSide.HubSpot, LinkActionKind.DeleteInSalesforce)]
    [InlineData(DeletePolicy.Propagate, SyncSide.Salesforce, LinkActionKind.DeleteInHubSpot)]
    [InlineData(DeletePolicy.Ignore, SyncSide.HubSpot, LinkActionKind.Skip)]
    public void Plan_LinkedTwinDeleted_FollowsOnDeleteAndWritesNothing(DeletePolicy onDelete, SyncSide deleted, LinkActionKind expected)
    {
        var sf = Plans.Record("001", ("Name", "Acme"), ("BillingCity", "Oslo"));
        var hs = Plans.Record("9", ("name", "Old name"), ("city", "Bergen"));
        var baselines = Plans.Baselines(Plans.Values(("Name", "Acme")), Plans.Values(("name", "Acme")));

        var plan = SyncPlanner.Plan(Plans.Context(Plans.Mapping(onDelete, AccountFields)),
            new PlanInput(deleted == SyncSide.Salesforce ? null : sf, deleted == SyncSide.HubSpot ? hs with { Deleted = true } : hs,
                LinkState.TwinDeleted(deleted), baselines));

        Assert.Equal(expected, plan.Link.Kind);
        Assert.True(plan.IsEmpty);
        Assert.Equal(baselines.Salesforce, plan.NewBaselines.Salesforce);
    }

    [Fact]
    public void Plan_UnlinkedSalesforceRecordWithCreateAllowed_CreatesInHubSpotWithEveryNonBlankValue()
    {
        var sf = Plans.Record("001", ("Name", " Acme "), ("Website", "https://www.acme.com/"), ("BillingCity", null),
            ("OwnerId", "005A"), ("Description", "from sales"));
        var rules = new RuleValues(Plans.Values(("Tier__c", "Tier 1")), Plans.Values(("abm_tier", "Tier 1")));

        var plan = SyncPlanner.Plan(Plans.Context(Plans.Mapping(AccountFields), Owners),
            new PlanInput(sf, null, LinkState.Unlinked, FieldBaselines.Empty, rules));

        Assert.Equal(LinkActionKind.CreateInHubSpot, plan.Link.Kind);
        Assert.Equal(Plans.Values(("name", "Acme"), ("domain", "acme.com"), ("hubspot_owner_id", "77"), ("abm_tier", "Tier 1")), plan.HubSpotWrites);
        Assert.Equal(Plans.Values(("Tier__c", "Tier 1")), plan.SalesforceWrites);
        Assert.Equal("acme.com", plan.NewBaselines.HubSpot["domain"]);
        Assert.False(plan.NewBaselines.Salesforce.ContainsKey("Description"));
    }

    [Fact]
    public void Plan_UnlinkedHubSpotRecordWithCreateAllowed_CreatesInSalesforce()
    {
        var hs = Plans.Record("9", ("name", "Globex"), ("description", "from marketing"), ("city", "Oslo"));

        var plan = SyncPlanner.Plan(Plans.Context(Plans.Mapping(AccountFields)), new PlanInput(null, hs, LinkState.Unlinked, FieldBaselines.Empty));

        Assert.Equal(LinkActionKind.CreateInSalesforce, plan.Link.Kind);
        Assert.Equal(Plans.Values(("Name", "Globex"), ("Description", "from marketing")), plan.SalesforceWrites);
        Assert.Empty(plan.HubSpotWrites);
    }

    [Fact]
    public void Plan_UnlinkedRecordWithCreateNotAllowed_Skips()
    {
        var plan = SyncPlanner.Plan(Plans.Context(Plans.Mapping(AccountFields), createInHubSpot: false),
            new PlanInput(Plans.Record("001", ("Name", "Acme")), null, LinkState.Unlinked, FieldBaselines.Empty));

        Assert.Equal(LinkActionKind.Skip, plan.Link.Kind);
        Assert.NotNull(plan.Link.Reason);
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Plan_FirstLinkOfTwoExistingRecords_FillsBlanksAndSettlesDisagreementsByPolicy()
    {
        var sf = Plans.Record("001", ("Name", "Acme"), ("Website", "acme.com"), ("BillingCity", null), ("Description", null));
        var hs = Plans.Record("9", ("name", "ACME Inc"), ("domain", "acme.com"), ("city", "Oslo"), ("description", "notes"));

        var plan = SyncPlanner.Plan(Plans.Context(Plans.Mapping(AccountFields)),
            new PlanInput(sf, hs, LinkState.Unlinked, FieldBaselines.Empty));

        Assert.Equal(LinkActionKind.None, plan.Link.Kind);
        Assert.Equal(Plans.Values(("name", "Acme")), plan.HubSpotWrites);
        Assert.Equal(Plans.Values(("Description", "notes")), plan.SalesforceWrites);
        Assert.Equal(SyncSide.Salesforce, Assert.Single(plan.Conflicts).Winner);
    }

    static readonly FieldMapping[] LeadFields =
    [
        new("LastName", "lastname", SyncDirection.TwoWay, ConflictPolicy.LatestWins, FieldTransform.Trim, null, new SourceLocation("leads.yaml", 1), SalesforceDefault: "[not provided]"),
        new("Company", "company", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins, FieldTransform.None, null, new SourceLocation("leads.yaml", 2), SalesforceDefault: "[not provided]"),
        Plans.Field("Email", "email", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins, FieldTransform.Lower),
    ];

    [Fact]
    public void Plan_CreateInSalesforceWithoutARequiredValue_FillsTheDefault_AndTheDefaultNeverTravelsBack()
    {
        var mapping = Plans.Mapping(LeadFields) with { SalesforceObject = "Lead", HubSpotObject = "contacts" };
        var hs = Plans.Record("9", ("lastname", null), ("company", "Initech"), ("email", "pat@example.com"));

        var create = SyncPlanner.Plan(Plans.Context(mapping), new PlanInput(null, hs, LinkState.Unlinked, FieldBaselines.Empty));

        Assert.Equal(LinkActionKind.CreateInSalesforce, create.Link.Kind);
        Assert.Equal("[not provided]", create.SalesforceWrites["LastName"]);
        Assert.Equal("Initech", create.SalesforceWrites["Company"]);
        Assert.Null(create.NewBaselines.HubSpot["lastname"]);
        // The next run reads the placeholder back: nothing to write either way.
        var sf = Plans.Record("00Q1", ("LastName", "[not provided]"), ("Company", "Initech"), ("Email", "pat@example.com"));
        var again = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(sf, hs, create.NewBaselines));
        Assert.True(again.IsEmpty);
        // Linked for the first time without baselines (a create whose commit was lost): the placeholder agrees with a blank.
        var relinked = SyncPlanner.Plan(Plans.Context(mapping), new PlanInput(sf, hs, LinkState.Unlinked, FieldBaselines.Empty));
        Assert.True(relinked.IsEmpty);
        Assert.Empty(relinked.Conflicts);
    }

    [Fact]
    public void Plan_HubSpotClearsARequiredField_SalesforceGetsTheDefault_NotABlank()
    {
        var mapping = Plans.Mapping(LeadFields) with { SalesforceObject = "Lead", HubSpotObject = "contacts" };
        var sf = Plans.Record("00Q1", ("LastName", "Smith"), ("Company", "Initech"), ("Email", "pat@example.com"));
        var hs = Plans.Record("9", ("lastname", null), ("company", "Initech"), ("email", "pat@example.com"));
        var baselines = Plans.Baselines(Plans.Values(("LastName", "Smith"), ("Company", "Initech"), ("Email", "pat@example.com")),
            Plans.Values(("lastname", "Smith"), ("company", "Initech"), ("email", "pat@example.com")));

        var plan = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(sf, hs, baselines));

        Assert.Equal(Plans.Values(("LastName", "[not provided]")), plan.SalesforceWrites);
        Assert.Empty(plan.HubSpotWrites);
    }

    static FieldMapping StageField() => new("StageName", "dealstage", SyncDirection.TwoWay, ConflictPolicy.SalesforceWins, FieldTransform.None, null,
        new SourceLocation("opportunities.yaml", 1), Pipelines:
        [
            new PipelineValueMap("default", new Dictionary<string, string> { ["Qualification"] = "qualifiedtobuy", ["Needs Analysis"] = "qualifiedtobuy", ["Closed Won"] = "closedwon" }, new SourceLocation("opportunities.yaml", 2)),
            new PipelineValueMap("renewals", new Dictionary<string, string> { ["Qualification"] = "renewal-review", ["Closed Won"] = "renewal-won" }, new SourceLocation("opportunities.yaml", 3)),
        ]);

    static ObjectMapping DealMapping(params FieldMapping[] fields) => Plans.Mapping(fields) with { SalesforceObject = "Opportunity", HubSpotObject = "deals" };

    [Fact]
    public void Plan_ManyToOneStageMap_RoundTripKeepsTheSalesforceStage_AHubSpotMoveTakesTheFirstListed()
    {
        var mapping = DealMapping(StageField());
        var create = SyncPlanner.Plan(Plans.Context(mapping), new PlanInput(Plans.Record("006A", ("StageName", "Needs Analysis")), null, LinkState.Unlinked, FieldBaselines.Empty));
        Assert.Equal(Plans.Values(("pipeline", "default"), ("dealstage", "qualifiedtobuy")), create.HubSpotWrites);

        // Read back: qualifiedtobuy is also Qualification's stage, but a round trip never turns Needs Analysis into it.
        var deal = Plans.Record("9", ("dealstage", "qualifiedtobuy"), ("pipeline", "default"));
        var again = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(Plans.Record("006A", ("StageName", "Needs Analysis")), deal, create.NewBaselines));
        Assert.True(again.IsEmpty);
        var firstLink = SyncPlanner.Plan(Plans.Context(mapping), new PlanInput(Plans.Record("006A", ("StageName", "Needs Analysis")), deal, LinkState.Unlinked, FieldBaselines.Empty));
        Assert.True(firstLink.IsEmpty);

        // A person moves the deal in HubSpot: its new stage maps back to the first Salesforce stage listed for it.
        var moved = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(Plans.Record("006A", ("StageName", "Closed Won")),
            Plans.Record("9", ("dealstage", "qualifiedtobuy"), ("pipeline", "default")),
            Plans.Baselines(Plans.Values(("StageName", "Closed Won")), Plans.Values(("dealstage", "closedwon")))));
        Assert.Equal(Plans.Values(("StageName", "Qualification")), moved.SalesforceWrites);
    }

    [Fact]
    public void Plan_PipelinedField_UsesTheDealsOwnPipelinesMap()
    {
        var mapping = DealMapping(StageField());
        var deal = Plans.Record("9", ("dealstage", "renewal-review"), ("pipeline", "renewals"));
        var baselines = Plans.Baselines(Plans.Values(("StageName", "Closed Won")), Plans.Values(("dealstage", "renewal-won")));

        var fromHubSpot = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(Plans.Record("006A", ("StageName", "Closed Won")), deal, baselines));
        var fromSalesforce = SyncPlanner.Plan(Plans.Context(mapping), Plans.Linked(Plans.Record("006A", ("StageName", "Closed Won")),
            Plans.Record("9", ("dealstage", "renewal-review"), ("pipeline", "renewals")),
            Plans.Baselines(Plans.Values(("StageName", "Qualification")), Plans.Values(("dealstage", "renewal-review")))));

        Assert.Equal(Plans.Values(("StageName", "Qualification")), fromHubSpot.SalesforceWrites);
        Assert.Equal(Plans.Values(("dealstage", "renewal-won")), fromSalesforce.HubSpotWrites);
    }

    [Theory]
    [InlineData("Asia/Tokyo")]
    [InlineData("America/Los_Angeles")]
    [InlineData("Pacific/Kiritimati")]
    [InlineData("Etc/GMT+12")]
    public void Plan_DateAgainstDateTime_ConvertedInThePortalsZone_ARoundTripNeverMovesTheDay(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var close = new FieldMapping("CloseDate", "closedate", SyncDirection.TwoWay, ConflictPolicy.LatestWins, FieldTransform.Date, null, new SourceLocation("opportunities.yaml", 1));
        var mapping = DealMapping(close);
        var context = Plans.Context(mapping, salesforceKinds: new() { ["CloseDate"] = FieldKind.Date }, hubSpotKinds: new() { ["closedate"] = FieldKind.DateTime }) with { HubSpotTimeZone = zone };

        var create = SyncPlanner.Plan(context, new PlanInput(Plans.Record("006A", ("CloseDate", "2026-12-31")), null, LinkState.Unlinked, FieldBaselines.Empty));
        var written = create.HubSpotWrites["closedate"]!;
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.Parse(written, System.Globalization.CultureInfo.InvariantCulture), zone);
        Assert.Equal((2026, 12, 31, 0), (local.Year, local.Month, local.Day, local.Hour));

        var back = SyncPlanner.Plan(context, Plans.Linked(Plans.Record("006A", ("CloseDate", "2026-12-31")), Plans.Record("9", ("closedate", written)), create.NewBaselines));
        Assert.True(back.IsEmpty);
        // A person sets the close date in HubSpot late in the portal's day: Salesforce gets that day, not UTC's.
        var lateEvening = TimeZoneInfo.ConvertTimeToUtc(new DateTime(2027, 1, 15, 23, 30, 0, DateTimeKind.Unspecified), zone);
        var moved = SyncPlanner.Plan(context, Plans.Linked(Plans.Record("006A", ("CloseDate", "2026-12-31")),
            Plans.Record("9", ("closedate", new DateTimeOffset(lateEvening, TimeSpan.Zero).ToString("O", System.Globalization.CultureInfo.InvariantCulture))), create.NewBaselines));
        Assert.Equal(Plans.Values(("CloseDate", "2027-01-15")), moved.SalesforceWrites);
    }
}
