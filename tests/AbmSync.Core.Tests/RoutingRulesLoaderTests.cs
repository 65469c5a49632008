using AbmSync.Core.Mapping;
using AbmSync.Core.Routing;
using AbmSync.Core.Rules;
using ConflictPolicy = AbmSync.Core.Routing.ConflictPolicy;

namespace AbmSync.Core.Tests;

public class RoutingRulesLoaderTests
{
    // Line 1 is 'version: 1'; routing starts on line 8.
    const string Head = """
        version: 1
        tiering:
          criteria:
            - { name: fit, field: industry, in: [Software], points: 30 }
          tiers:
            - { tier: Tier 1, minScore: 25, capPerOwner: 5 }
            - { tier: Tier 2, minScore: 10, capPerOwner: 30 }

        """;

    const string Valid = Head + """
        routing:
          territories:
            - { name: big, pod: East, when: [ { field: employees, between: [200, 20000] }, { field: Account.ABM_Region__c, in: [East] } ] }
            - { name: us, pod: East, when: [ { field: country, notIn: [CA] }, { field: revenue, min: 100 } ] }
            - { name: rest, pod: West, when: [] }
          pods:
            - { name: East, team: NA-East, aes: [zed@x.com], pairs: [ { ae: ana@x.com, sdr: sam@x.com } ], ratios: { aesPerSdr: 2 } }
            - { name: West, aes: [wes@x.com, wil@x.com], sdrs: [wyn@x.com], marketers: [wen@x.com], pairs: [ { ae: wil@x.com, marketer: wen@x.com } ] }
        """;

    static RoutingRules Load(string yaml) => RulesLoader.Load("rules.yaml", yaml).Routing!;

    [Fact]
    public void Load_ShippedRules_RouteTheSandboxsFourTeams()
    {
        var shipped = File.ReadAllText(Path.Combine(MappingLoaderTests.RepositoryRoot(), "mappings", "rules.yaml"));

        var rules = RulesLoader.Load("rules.yaml", shipped);

        var routing = rules.Routing!;
        Assert.Equal(["na-east", "na-west", "emea", "apac", "rest-of-world"], routing.Territories.Select(t => t.Name));
        Assert.Empty(routing.Territories[^1].When);
        Assert.Equal(["NA-East", "NA-West", "EMEA", "APAC"], routing.Pods.Select(p => p.Team));
        Assert.Equal(RoleSource.Default.UserField, routing.Roles.UserField);
        Assert.Equal(RoleSource.Default.Sdr, routing.Roles.Sdr);
        Assert.Equal(new PodRatios(3, 4), routing.Ratios);
        Assert.Equal(ConflictPolicies.Default, routing.Conflicts);
        Assert.Equal((8, 40, (int?)null), (routing.CapacityOf(Tiers.Tier1), routing.CapacityOf(Tiers.Tier2), routing.CapacityOf(Tiers.Tier3)));
        var router = new OwnerRouter(routing);
        Assert.Equal("na-east", router.TerritoryOf(new() { Id = "1", Country = "us", City = "chicago" }));
        Assert.Equal("na-west", router.TerritoryOf(new() { Id = "2", Country = "US", City = "Denver" }));
        Assert.Equal("emea", router.TerritoryOf(new() { Id = "3", Country = "NL" }));
        Assert.Equal("rest-of-world", router.TerritoryOf(new() { Id = "4", Country = "BR" }));
    }

    [Fact]
    public void Load_ValidRouting_ReadsTerritoriesPodsAndPairs()
    {
        var routing = Load(Valid);

        var big = routing.Territories[0];
        Assert.Equal(("big", "East", new SourceLocation("rules.yaml", 10)), (big.Name, big.Pod, big.Location));
        Assert.Equal(new (string, CriterionTest, decimal?, decimal?)[] { ("employees", CriterionTest.Between, 200m, 20000m), ("Account.ABM_Region__c", CriterionTest.In, null, null) },
            big.When.Select(c => (c.Field, c.Test, c.Low, c.High)));
        Assert.Equal(["East"], big.When[1].Values);
        Assert.Equal([CriterionTest.NotIn, CriterionTest.Min], routing.Territories[1].When.Select(c => c.Test));
        Assert.Empty(routing.Territories[2].When);
        var east = routing.Pods[0];
        Assert.Equal(("NA-East", new PodRatios(2, 4)), (east.Team, east.Ratios));
        Assert.Equal(["zed@x.com"], east.AccountExecutives);
        Assert.Equal(new PodPairDefinition("ana@x.com", "sam@x.com", null), Assert.Single(east.Pairs));
        var west = routing.Pods[1];
        Assert.Null(west.Team);
        Assert.Null(west.Ratios);
        Assert.Equal(["wes@x.com", "wil@x.com"], west.AccountExecutives);
        Assert.Equal(["wyn@x.com"], west.Sdrs);
        Assert.Equal(["wen@x.com"], west.Marketers);
        Assert.Equal(new PodPairDefinition("wil@x.com", null, "wen@x.com"), Assert.Single(west.Pairs));
    }

    [Fact]
    public void Load_RoutingWithOnlyRequiredKeys_TakesTheDefaults_AndTieringsCapacity()
    {
        var routing = Load(Head + """
            routing:
              territories: [ { name: all, pod: Only } ]
              pods: [ { name: Only, team: Sales } ]
            """);

        Assert.Same(RoleSource.Default, routing.Roles);
        Assert.Equal(PodRatios.Default, routing.Ratios);
        Assert.Equal(ConflictPolicies.Default, routing.Conflicts);
        Assert.Equal((5, 30, (int?)null), (routing.CapacityOf(Tiers.Tier1), routing.CapacityOf(Tiers.Tier2), routing.CapacityOf(Tiers.Tier3)));
    }

    [Fact]
    public void Load_Capacity_OverridesTieringPerTier_AndUnboundedLiftsACap()
    {
        var routing = Load(Valid.Replace("  territories:", "  capacity: { Tier 1: 8, Tier 2: unbounded, Tier 3: 100 }\n  territories:", StringComparison.Ordinal));

        Assert.Equal((8, (int?)null, 100), (routing.CapacityOf(Tiers.Tier1), routing.CapacityOf(Tiers.Tier2), routing.CapacityOf(Tiers.Tier3)));
    }

    [Fact]
    public void Load_RolesAndConflicts_AreRead()
    {
        var routing = Load(Valid + """

              roles: { field: Department, accountExecutive: [AE, Account Executive], sdr: [SDR], marketer: [Marketing] }
              conflicts: { contactOwner: flag, opportunityOwner: realign, outsideTerritory: realign, overCapacity: realign }
            """);

        Assert.Equal("Department", routing.Roles.UserField);
        Assert.Equal(["AE", "Account Executive"], routing.Roles.AccountExecutive);
        Assert.Equal(new ConflictPolicies(ConflictPolicy.Flag, ConflictPolicy.Realign, ConflictPolicy.Realign, ConflictPolicy.Realign), routing.Conflicts);
    }

    [Fact]
    public void Load_WithoutRouting_IsNull()
    {
        Assert.Null(RulesLoader.Load("rules.yaml", Head).Routing);
    }

    public static TheoryData<string, int, string> BadFiles => new()
    {
        { Valid.Replace("  territories:", "  territory: []\n  territories:", StringComparison.Ordinal), 9, "unknown key 'territory' in routing" },
        { Head + "routing:\n  pods: [ { name: East, team: T } ]\n", 9, "routing needs 'territories'" },
        { Head + "routing:\n  territories: []\n  pods: [ { name: East, team: T } ]\n", 9, "territories is empty" },
        { Head + "routing:\n  territories: [ { name: a, pod: East } ]\n  pods: []\n", 10, "pods is empty" },
        { Valid.Replace("pod: West, when: []", "pod: Wests, when: []", StringComparison.Ordinal), 12, "territory rest names pod 'Wests', which is not defined under pods" },
        { Valid.Replace("pod: West, when: []", "pod: west, when: []", StringComparison.Ordinal), 12, "(did you mean 'West'?)" },
        { Valid.Replace("{ name: us,", "{ name: BIG,", StringComparison.Ordinal), 11, "territory 'BIG' is defined twice (first on line 10)" },
        { Valid.Replace("{ name: West, aes", "{ name: East, aes", StringComparison.Ordinal), 15, "pod 'East' is defined twice (first on line 14)" },
        { Valid.Replace("when: []", "when: [], owner: x", StringComparison.Ordinal), 12, "unknown key 'owner' in a territory" },
        { Valid.Replace("{ field: country, notIn: [CA] }", "{ field: country, notIn: [CA], points: 5 }", StringComparison.Ordinal), 11, "unknown key 'points' in a condition" },
        { Valid.Replace("{ field: country, notIn: [CA] }", "{ field: country }", StringComparison.Ordinal), 11, "a condition needs exactly one test" },
        { Valid.Replace("{ field: country, notIn: [CA] }", "{ field: country, min: 3 }", StringComparison.Ordinal), 11, "field 'country' is text; test it with in or notIn" },
        { Valid.Replace("{ field: country, notIn: [CA] }", "{ field: region, in: [x] }", StringComparison.Ordinal), 11, "field 'region' is not an account field rules can test" },
        { Valid.Replace("{ field: country, notIn: [CA] }", "{ in: [CA] }", StringComparison.Ordinal), 11, "a condition needs 'field'" },
        { Valid.Replace("between: [200, 20000]", "between: [300, 200]", StringComparison.Ordinal), 10, "between's low end 300 is above its high end 200" },
        { Valid.Replace("- { name: rest, pod: West, when: [] }", "- { name: rest, pod: West }\n    - { name: late, pod: East, when: [ { field: country, in: [CA] } ] }", StringComparison.Ordinal), 13, "territory late comes after the catch-all 'rest'" },
        { Valid.Replace("{ name: us, pod: East,", "{ pod: East,", StringComparison.Ordinal), 11, "a territory needs 'name'" },
        { Valid.Replace("aesPerSdr: 2", "aesPerSdr: 0", StringComparison.Ordinal), 14, "aesPerSdr must be between 1 and 1000, not 0" },
        { Valid.Replace("aesPerSdr: 2", "aesPerSdrs: 2", StringComparison.Ordinal), 14, "unknown key 'aesPerSdrs' in a pod's ratios" },
        { Valid + "\n  ratios: { aesPerMarketer: 0 }\n", 16, "aesPerMarketer must be between 1 and 1000, not 0" },
        { Valid + "\n  ratios: { aesPerMarketer: two }\n", 16, "aesPerMarketer must be a whole number" },
        { Valid + "\n  conflicts: { contactOwner: overwrite }\n", 16, "contactOwner 'overwrite' is not one of: flag, realign" },
        { Valid + "\n  conflicts: { leadOwner: flag }\n", 16, "unknown key 'leadOwner' in conflicts" },
        { Valid + "\n  capacity: { Tier 4: 3 }\n", 16, "unknown key 'Tier 4' in capacity" },
        { Valid + "\n  capacity: { Tier 1: -1 }\n", 16, "Tier 1 capacity must be between 0 and" },
        { Valid + "\n  roles: { accountExecutive: [AE] }\n", 16, "roles needs 'field'" },
        { Valid + "\n  roles: { field: 'Job Title', sdr: [SDR] }\n", 16, "roles field 'Job Title' is not a Salesforce User field API name" },
        { Valid + "\n  roles: { field: Title }\n", 16, "roles names no values" },
        { Valid + "\n  roles: { field: Title, sdr: [SDR], marketer: [sdr] }\n", 16, "role value 'sdr' is listed under both sdr and marketer" },
        { Valid.Replace("{ name: West, aes: [wes@x.com, wil@x.com]", "{ name: West, aes: []", StringComparison.Ordinal), 15, "pod West has no AEs: give its HubSpot team" },
        { Valid.Replace("aes: [wes@x.com, wil@x.com]", "aes: [wes@x.com, wes]", StringComparison.Ordinal), 15, "'wes' is not an email address" },
        { Valid.Replace("aes: [wes@x.com, wil@x.com]", "aes: [wes@x.com, WES@x.com]", StringComparison.Ordinal), 15, "WES@x.com is listed twice in aes of pod West" },
        { Valid.Replace("sdrs: [wyn@x.com]", "sdrs: [wes@x.com]", StringComparison.Ordinal), 15, "wes@x.com is listed in both aes and sdrs of pod West" },
        { Valid.Replace("{ ae: wil@x.com, marketer: wen@x.com }", "{ ae: wyn@x.com, marketer: wen@x.com }", StringComparison.Ordinal), 15, "pair ae wyn@x.com is listed in sdrs of pod West, not in aes" },
        { Valid.Replace("{ ae: wil@x.com, marketer: wen@x.com }", "{ ae: wal@x.com, marketer: wen@x.com }", StringComparison.Ordinal), 15, "pair ae wal@x.com is not in aes of pod West" },
        { Valid.Replace("{ ae: wil@x.com, marketer: wen@x.com }", "{ ae: wil@x.com }", StringComparison.Ordinal), 15, "a pair needs sdr, marketer or both" },
        { Valid.Replace("{ ae: wil@x.com, marketer: wen@x.com }", "{ ae: wil@x.com, marketer: wen@x.com }, { ae: wil@x.com, sdr: wyn@x.com }", StringComparison.Ordinal), 15, "wil@x.com is paired twice in pod West" },
        { Valid.Replace("{ ae: ana@x.com, sdr: sam@x.com }", "{ ae: ana@x.com, sdr: zed@x.com }", StringComparison.Ordinal), 14, "pair sdr zed@x.com is listed in aes of pod East, not in sdrs" },
        { Valid.Replace("team: NA-East,", "team: '',", StringComparison.Ordinal), 14, "team must be a non-empty text value" },
        { Valid.Replace("pairs: [ { ae: ana@x.com, sdr: sam@x.com } ]", "pairs: { ae: ana@x.com }", StringComparison.Ordinal), 14, "pairs must be a list" },
        { Head + "routing: []\n", 8, "routing must be a mapping" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadRouting_ReportsFileLineAndReason(string yaml, int line, string reason)
    {
        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Contains(error.Problems, p => p.File == "rules.yaml" && p.Line == line && p.Reason.Contains(reason, StringComparison.Ordinal));
        Assert.Contains($"rules.yaml:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralRoutingProblems_AreReportedTogether()
    {
        var yaml = Valid
            .Replace("pod: West, when: []", "pod: Nowhere, when: []", StringComparison.Ordinal)
            .Replace("aesPerSdr: 2", "aesPerSdr: 0", StringComparison.Ordinal)
            .Replace("sdrs: [wyn@x.com]", "sdrs: [wyn]", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Equal([12, 14, 15], error.Problems.Select(p => p.Line));
    }
}
