using AbmSync.Core.Mapping;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Tests;

public class RulesLoaderTests
{
    const string Valid = """
        version: 1
        tiering:
          criteria:
            - { name: target-industry, field: industry, in: [Software], points: 30 }
            - { name: mid-market-up, field: employees, between: [200, 20000], points: 25 }
          engagement: { points: 35, halfLifeDays: 30 }
          tiers:
            - { tier: Tier 1, minScore: 75, cap: 50, capPerOwner: 8 }
            - { tier: Tier 2, minScore: 50, cap: 200 }
            - { tier: Tier 3, minScore: 25 }
          hysteresis: 5
        """;

    [Fact]
    public void Load_ValidFile_ReadsTiering()
    {
        var rules = RulesLoader.Load("rules.yaml", Valid);

        Assert.Equal(2, rules.Tiering.Criteria.Count);
        Assert.Equal(200m, rules.Tiering.Criteria[1].Low);
        Assert.Equal(new EngagementWeight(35, 30), rules.Tiering.Engagement);
        Assert.Equal(["Tier 1", "Tier 2", "Tier 3"], rules.Tiering.Levels.Select(l => l.Tier));
        Assert.Equal(8, rules.Tiering.Levels[0].CapPerOwner);
        Assert.Equal(5, rules.Tiering.Hysteresis);
    }

    public static TheoryData<string, int, string> BadFiles => new()
    {
        { Valid.Replace("field: industry", "field: industy"), 4, "field 'industy' is not an account field" },
        { Valid.Replace("points: 30", "points: 50"), 3, "add up to 110" },
        { Valid.Replace("between: [200, 20000]", "between: [20000, 200]"), 5, "low end 20000 is above its high end 200" },
        { Valid.Replace("tier: Tier 3", "tier: Tier 4"), 10, "tier 'Tier 4' is not one of" },
        { Valid.Replace("minScore: 50", "minScore: 80"), 9, "Tier 2 needs a lower minScore than Tier 1" },
        { Valid.Replace("in: [Software]", "between: [1, 2]"), 4, "is text; test it with in or notIn" },
        { Valid.Replace("hysteresis: 5", "hysteresis: five"), 11, "hysteresis must be a whole number" },
        { Valid.Replace("name: mid-market-up", "name: target-industry"), 5, "used twice" },
        { Valid.Replace("cap: 200", "cap: 200, limit: 3"), 9, "unknown key 'limit'" },
        { Valid.Replace("field: industry", "field: Account."), 4, "or Account.<API name>" },
        { Valid.Replace("field: industry", "field: Account.1Field"), 4, "is not an account field" },
        { Valid.Replace("field: industry", "field: Account.Bad-Name"), 4, "is not an account field" },
        { Valid.Replace("field: industry", "field: Contact.Title"), 4, "is not an account field" },
    };

    [Theory]
    [InlineData("Account.ABM_Strategic__c", "ABM_Strategic__c")]
    [InlineData("Account.Rating", "Rating")]
    [InlineData("pipeline", null)]
    [InlineData("industry", null)]
    public void Load_AnySalesforceAccountField_IsACriterionField(string field, string? salesforceField)
    {
        var rules = RulesLoader.Load("rules.yaml", Valid.Replace("field: industry", $"field: {field}"));

        Assert.Equal(field, rules.Tiering.Criteria[0].Field);
        Assert.Equal(salesforceField, AbmSync.Core.Accounts.AccountProfile.SalesforceField(field));
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadFile_ReportsFileLineAndReason(string yaml, int line, string reason)
    {
        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Contains(error.Problems, p => p.Line == line && p.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ProjectRulesFile_Loads()
    {
        var rules = RulesLoader.LoadFile(Path.Combine(MappingLoaderTests.RepositoryRoot(), "mappings", "rules.yaml"));

        Assert.NotEmpty(rules.Tiering.Levels);
        // Every section ships: the engagement signals, the five buying roles, the stages and the attribution window.
        Assert.Equal(Engagement.SignalTypes.All.Order(StringComparer.Ordinal), rules.Engagement!.Weights.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["economic-buyer", "technical-evaluator", "champion", "procurement", "executive-sponsor"], rules.BuyingCommittee!.Roles.Select(r => r.Name));
        Assert.Equal(45, rules.Stages!.StalledDays);
        Assert.Equal(90, rules.Influence!.AttributionDays);
    }
}
