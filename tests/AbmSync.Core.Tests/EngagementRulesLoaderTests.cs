using AbmSync.Core.Engagement;
using AbmSync.Core.Mapping;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Tests;

public class EngagementRulesLoaderTests
{
    // Line numbers in BadFiles count from "version" (line 1); engagement starts on line 7.
    const string Valid = """
        version: 1
        tiering:
          criteria:
            - { name: target-industry, field: industry, in: [Software], points: 30 }
          tiers:
            - { tier: Tier 1, minScore: 25 }
        engagement:
          halfLifeDays: 30
          fullScoreAt: 100
          signals:
            meeting: 10
            call: 5
            email: 2
            note: 1
            page-view: 0.2
            visit: 1
            email-open: 0.5
            email-click: 2
            form-submission: 8
            backfill: 1
          surge: { ratio: 2.5, minThisWeek: 12 }
        """;

    [Fact]
    public void Load_ValidEngagement_ReadsEveryPart()
    {
        var rules = RulesLoader.Load("rules.yaml", Valid).Engagement;

        Assert.NotNull(rules);
        Assert.Equal(30, rules.HalfLifeDays);
        Assert.Equal(100m, rules.FullScoreAt);
        Assert.Equal(SignalTypes.All.Order(StringComparer.Ordinal), rules.Weights.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0.2m, rules.Weight(SignalTypes.PageView));
        Assert.Equal(8m, rules.Weight(SignalTypes.FormSubmission));
        Assert.Equal(new SurgeRule(2.5m, 12m), rules.Surge);
    }

    [Fact]
    public void Load_UnlistedTypesWeighNothing_AndSurgeDefaults()
    {
        var yaml = Valid[..Valid.IndexOf("  surge:", StringComparison.Ordinal)].Replace("    page-view: 0.2\n", "", StringComparison.Ordinal);
        Assert.DoesNotContain("page-view", yaml, StringComparison.Ordinal);

        var rules = RulesLoader.Load("rules.yaml", yaml).Engagement;

        Assert.NotNull(rules);
        Assert.Equal(0m, rules.Weight(SignalTypes.PageView));
        Assert.Equal(0m, rules.Weight("webinar"));
        Assert.Equal(10m, rules.Weight(SignalTypes.Meeting));
        Assert.Equal(SurgeRule.Default, rules.Surge);
        Assert.Equal(new SurgeRule(2m, 10m), SurgeRule.Default);
    }

    [Fact]
    public void Load_SurgeWithOneKey_DefaultsTheOther()
    {
        var rules = RulesLoader.Load("rules.yaml", Valid.Replace("{ ratio: 2.5, minThisWeek: 12 }", "{ ratio: 3 }", StringComparison.Ordinal)).Engagement;

        Assert.Equal(new SurgeRule(3m, SurgeRule.Default.MinThisWeek), rules?.Surge);
    }

    [Fact]
    public void Load_WithoutEngagementSection_HasNone()
    {
        var yaml = Valid[..Valid.IndexOf("engagement:", StringComparison.Ordinal)];

        Assert.Null(RulesLoader.Load("rules.yaml", yaml).Engagement);
    }

    public static TheoryData<string, string, int, string> BadFiles => new()
    {
        { "halfLifeDays: 30", "halfLifeDays: 0", 8, "halfLifeDays must be between 1 and 3650, not 0" },
        { "halfLifeDays: 30", "halfLifeDays: 3651", 8, "halfLifeDays must be between 1 and 3650, not 3651" },
        { "halfLifeDays: 30", "halfLife: 30", 8, "unknown key 'halfLife' in engagement" },
        { "halfLifeDays: 30", "halfLife: 30", 8, "engagement needs 'halfLifeDays'" },
        { "  fullScoreAt: 100\n", "", 8, "engagement needs 'fullScoreAt'" },
        { "fullScoreAt: 100", "fullScoreAt: 0", 9, "fullScoreAt must be above 0, not 0" },
        { "fullScoreAt: 100", "fullScoreAt: lots", 9, "fullScoreAt must be a number" },
        { "meeting: 10", "meeting: ten", 11, "the weight of meeting must be a number" },
        { "call: 5", "call: -5", 12, "the weight of call must be 0 or more, not -5" },
        { "note: 1", "webinar: 3", 14, "signal type 'webinar' is not one of: meeting, call, email, note, page-view, visit, email-open, email-click, form-submission, backfill" },
        { "note: 1", "meeting: 1", 14, "Duplicate key meeting" },
        { "email-click: 2", "email-click: [2]", 18, "the weight of email-click must be a number" },
        { "ratio: 2.5", "ratio: 0", 21, "surge ratio must be above 0, not 0" },
        { "ratio: 2.5", "ratio: -1", 21, "surge ratio must be above 0, not -1" },
        { "minThisWeek: 12", "minThisWeek: -1", 21, "surge minThisWeek must be 0 or more, not -1" },
        { "minThisWeek: 12", "min: 12", 21, "unknown key 'min' in surge" },
        { "surge: { ratio: 2.5, minThisWeek: 12 }", "surge: 2", 21, "surge must be a mapping" },
        { "  signals:\n", "  signals: {}\n  old:\n", 10, "signals is empty" },
        { "engagement:\n", "engagement: on\nold:\n", 7, "engagement must be a mapping" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadEngagement_ReportsFileLineAndReason(string find, string replace, int line, string reason)
    {
        var yaml = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, yaml);

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Contains(error.Problems, p => p.File == "rules.yaml" && p.Line == line && p.Reason.Contains(reason, StringComparison.Ordinal));
        Assert.Contains($"rules.yaml:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingSignals_IsReportedAtTheSection()
    {
        var start = Valid.IndexOf("  signals:", StringComparison.Ordinal);
        var end = Valid.IndexOf("  surge:", StringComparison.Ordinal);
        var yaml = Valid[..start] + Valid[end..];

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        var problem = Assert.Single(error.Problems);
        Assert.Equal((8, "engagement needs 'signals'"), (problem.Line, problem.Reason));
    }

    [Fact]
    public void Load_SeveralProblems_AreAllReportedInLineOrder()
    {
        var yaml = Valid
            .Replace("halfLifeDays: 30", "halfLifeDays: 0", StringComparison.Ordinal)
            .Replace("note: 1", "webinar: 3", StringComparison.Ordinal)
            .Replace("ratio: 2.5", "ratio: 0", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Equal([8, 14, 21], error.Problems.Select(p => p.Line));
    }
}
