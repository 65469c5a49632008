using AbmSync.Core.Accounts;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Tests;

public class TierAssignerTests
{
    const string Rules = """
        version: 1
        tiering:
          criteria:
            - { name: target-industry, field: industry, in: [Technology, Finance], points: 30 }
            - { name: mid-market-up, field: employees, between: [200, 20000], points: 25 }
            - { name: core-regions, field: country, in: [US, CA], points: 10 }
          engagement: { points: 35, halfLifeDays: 30 }
          tiers:
            - { tier: Tier 1, minScore: 75, cap: 2, capPerOwner: 1 }
            - { tier: Tier 2, minScore: 50 }
            - { tier: Tier 3, minScore: 25 }
          hysteresis: 5
        """;

    static TierAssigner Assigner(string yaml = Rules) => new(RulesLoader.Load("rules.yaml", yaml).Tiering);

    static AccountProfile Account(string id, string? industry = "Technology", int? employees = 500, string? country = "US",
        decimal? engagement = null, string owner = "005A", string? current = null, bool locked = false) =>
        new() { Id = id, Industry = industry, Employees = employees, Country = country, EngagementScore = engagement, OwnerId = owner, CurrentTier = current, TierLocked = locked };

    public static TheoryData<string?, int?, string?, decimal?, int, string?> Scores => new()
    {
        { "Technology", 500, "US", null, 65, "Tier 2" },
        { "technology", 500, "us", 100m, 100, "Tier 1" },
        { "Retail", 500, "US", null, 35, "Tier 3" },
        { "Retail", 50, "FR", null, 0, null },
        { "Finance", 200, "FR", null, 55, "Tier 2" },
        { "Finance", 20001, "FR", null, 30, "Tier 3" },
        { null, null, null, 50m, 18, null },
        { "Technology", 500, "US", 30m, 76, "Tier 1" },
    };

    [Theory]
    [MemberData(nameof(Scores))]
    public void Assign_ScoresCriteriaAndThresholds(string? industry, int? employees, string? country, decimal? engagement, int score, string? tier)
    {
        var decision = Assert.Single(Assigner().Assign([Account("001A", industry, employees, country, engagement)]));

        Assert.Equal(score, decision.Score);
        Assert.Equal(tier, decision.Tier);
    }

    public static TheoryData<decimal?, decimal?> Engagements => new()
    {
        { null, 100m },
        { 100m, null },
        { 30m, 60m },
        { 60m, 30m },
        { 0m, 1m },
        { 1.4m, 1.5m },
        { 100m, 100m },
        { 250m, -5m },
    };

    /// <summary>An account not read again keeps its ICP criteria; only engagement's share follows the new engagement, exactly as a fresh score would.</summary>
    [Theory]
    [MemberData(nameof(Engagements))]
    public void Rescore_WithNewEngagement_IsTheFreshScoreOfTheAccountWithIt(decimal? before, decimal? after)
    {
        var assigner = Assigner();
        var prior = assigner.Score(Account("001A", engagement: before));

        var rescored = assigner.Rescore(prior, after);

        var fresh = assigner.Score(Account("001A", engagement: after));
        Assert.Equal(fresh.Score, rescored.Score);
        Assert.Equal(fresh.Hits.OrderBy(h => h.Name, StringComparer.Ordinal), rescored.Hits.OrderBy(h => h.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void Assign_Reason_NamesTheCriteriaThatScored()
    {
        var decision = Assigner().Assign([Account("001A", "Technology", 50, "US")]).Single();

        Assert.Equal("Tier 3, score 40: target-industry +30, core-regions +10", decision.Reason);
    }

    [Fact]
    public void Assign_OverTheCap_FallsToNextTierByRankAndSaysSo()
    {
        var accounts = new[]
        {
            Account("001A", engagement: 100m, owner: "005A"),
            Account("001B", engagement: 90m, owner: "005B"),
            Account("001C", engagement: 80m, owner: "005C"),
        };

        var decisions = Assigner().Assign(accounts);

        Assert.Equal(["Tier 1", "Tier 1", "Tier 2"], decisions.Select(d => d.Tier));
        Assert.Contains("Tier 1 full at cap 2", decisions[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_OverTheOwnerCap_FallsToNextTier()
    {
        var decisions = Assigner().Assign([Account("001A", engagement: 100m, owner: "005A"), Account("001B", engagement: 90m, owner: "005A")]);

        Assert.Equal(["Tier 1", "Tier 2"], decisions.Select(d => d.Tier));
        Assert.Contains("full for this owner", decisions[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_LockedTier_IsKeptAndTakesCapacityFirst()
    {
        var decisions = Assigner().Assign(
        [
            Account("001A", industry: "Retail", employees: 10, country: "FR", current: "Tier 1", locked: true, owner: "005A"),
            Account("001B", engagement: 100m, owner: "005A"),
        ]);

        Assert.Equal("Tier 1", decisions[0].Tier);
        Assert.True(decisions[0].Locked);
        Assert.StartsWith("Tier 1 locked by a person", decisions[0].Reason, StringComparison.Ordinal);
        Assert.Equal("Tier 2", decisions[1].Tier);
    }

    [Theory]
    [InlineData("Tier 1", "Tier 1")]
    [InlineData("Tier 2", "Tier 2")]
    [InlineData(null, "Tier 2")]
    public void Assign_Hysteresis_KeepsTierJustBelowThresholdButDoesNotPromote(string? current, string expected)
    {
        // Score 72: three below Tier 1's 75, within the hysteresis of 5.
        var account = Account("001A", engagement: 20m, current: current);

        var decision = Assigner().Assign([account]).Single();

        Assert.Equal(72, decision.Score);
        Assert.Equal(expected, decision.Tier);
    }

    /// <summary>At the margin: a holder keeps Tier 1 at exactly 75 - 5 = 70, loses it at 69; a newcomer needs 75.</summary>
    [Theory]
    [InlineData(14, "Tier 1", 70, "Tier 1")]
    [InlineData(11, "Tier 1", 69, "Tier 2")]
    [InlineData(14, "Tier 2", 70, "Tier 2")]
    [InlineData(29, null, 75, "Tier 1")]
    [InlineData(26, null, 74, "Tier 2")]
    public void Assign_Hysteresis_AtTheMargin(int engagement, string? current, int score, string expected)
    {
        var decision = Assigner().Assign([Account("001A", engagement: engagement, current: current)]).Single();

        Assert.Equal(score, decision.Score);
        Assert.Equal(expected, decision.Tier);
    }

    /// <summary>A cap exactly reached holds everyone in it; one more account is the one that falls, by rank.</summary>
    [Theory]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    [InlineData(1, 1, 0)]
    public void Assign_CapExactlyReached_FitsEveryone_OneMoreFallsByRank(int accounts, int tierOne, int fallen)
    {
        var population = Enumerable.Range(0, accounts).Select(i => Account($"001{i}", engagement: 100m - i, owner: $"005{i}")).ToList();

        var decisions = Assigner().Assign(population);

        Assert.Equal(tierOne, decisions.Count(d => d.Tier == "Tier 1"));
        Assert.Equal(fallen, decisions.Count(d => d.Reason.Contains("full at cap", StringComparison.Ordinal)));
        if (fallen > 0)
        {
            Assert.Equal($"001{accounts - 1}", decisions.Single(d => d.Tier != "Tier 1").AccountId);
        }
    }

    [Fact]
    public void Assign_OwnerCapExactlyReached_OneAccountPerOwnerFits()
    {
        var decisions = Assigner().Assign([Account("001A", engagement: 100m, owner: "005A"), Account("001B", engagement: 90m, owner: "005B")]);

        Assert.All(decisions, d => Assert.Equal("Tier 1", d.Tier));
        Assert.All(decisions, d => Assert.DoesNotContain("full", d.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Assign_IsDeterministic_TiesBrokenById()
    {
        var accounts = Enumerable.Range(0, 5).Select(i => Account($"001{(char)('E' - i)}", engagement: 100m, owner: $"005{i}")).ToList();

        var first = Assigner().Assign(accounts).Where(d => d.Tier == "Tier 1").Select(d => d.AccountId).ToList();
        accounts.Reverse();
        var second = Assigner().Assign(accounts).Where(d => d.Tier == "Tier 1").Select(d => d.AccountId).ToList();

        Assert.Equal(["001A", "001B"], first.Order());
        Assert.Equal(first.Order(), second.Order());
    }

    [Fact]
    public void Assign_LongReason_FitsSalesforceField()
    {
        var criteria = string.Join("\n", Enumerable.Range(0, 20).Select(i => $"    - {{ name: a-very-long-criterion-name-number-{i}, field: country, in: [US], points: 5 }}"));
        var yaml = $"version: 1\ntiering:\n  criteria:\n{criteria}\n  tiers:\n    - {{ tier: Tier 1, minScore: 75 }}\n";

        var decision = Assigner(yaml).Assign([Account("001A")]).Single();

        Assert.Equal(100, decision.Score);
        Assert.Equal(TierDecision.ReasonMaxLength, decision.Reason.Length);
    }

    const string PipelineAndFlag = """
        version: 1
        tiering:
          criteria:
            - { name: open-pipeline, field: pipeline, min: 250000, points: 30 }
            - { name: strategic, field: Account.ABM_Strategic__c, in: [true], points: 40 }
            - { name: rated-hot, field: Account.Rating, in: [Hot], points: 10 }
            - { name: many-seats, field: Account.Seats__c, min: 100, points: 5 }
          tiers:
            - { tier: Tier 1, minScore: 70 }
            - { tier: Tier 2, minScore: 40 }
            - { tier: Tier 3, minScore: 10 }
        """;

    public static TheoryData<decimal?, string?, string?, string?, int> PipelineAndFields => new()
    {
        { null, null, null, null, 0 },
        { 250000m, null, null, null, 30 },
        { 249999.99m, null, null, null, 0 },
        { 300000m, "true", null, null, 70 },
        { null, "false", "hot", null, 10 },
        { null, "true", "Warm", "100", 45 },
        { null, null, null, "99.5", 0 },
        { null, null, null, "many", 0 },
    };

    /// <summary>The open pipeline and any Salesforce Account field by its API name (a person's strategic flag, a picklist, a number read as text).</summary>
    [Theory]
    [MemberData(nameof(PipelineAndFields))]
    public void Score_OpenPipeline_AndAnySalesforceField(decimal? pipeline, string? strategic, string? rating, string? seats, int score)
    {
        var account = new AccountProfile
        {
            Id = "001A",
            OpenPipeline = pipeline,
            SalesforceValues = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["ABM_Strategic__c"] = strategic, ["Rating"] = rating, ["Seats__c"] = seats },
        };

        Assert.Equal(score, Assigner(PipelineAndFlag).Score(account).Score);
    }

    /// <summary>An account not read again gets its open pipeline tested afresh; its other criteria stand, and the reason reads as a fresh one.</summary>
    [Fact]
    public void Rescore_TestsTheOpenPipelineAfresh_KeepsTheOtherCriteria_InTheRulesOrder()
    {
        var assigner = Assigner(PipelineAndFlag);
        var read = new AccountProfile
        {
            Id = "001A",
            SalesforceValues = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["ABM_Strategic__c"] = "true" },
        };
        var prior = assigner.Score(read);

        var rescored = assigner.Rescore(prior, null, new AccountProfile { Id = "001A", OpenPipeline = 400000m });

        var fresh = assigner.Score(read with { OpenPipeline = 400000m });
        Assert.Equal(fresh, rescored with { Hits = fresh.Hits.SequenceEqual(rescored.Hits) ? fresh.Hits : rescored.Hits });
        Assert.Equal(["open-pipeline", "strategic"], rescored.Hits.Select(h => h.Name));
        Assert.Equal(70, rescored.Score);
    }
}
