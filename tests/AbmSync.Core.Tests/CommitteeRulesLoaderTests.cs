using AbmSync.Core.Engagement;
using AbmSync.Core.Mapping;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Tests;

public class CommitteeRulesLoaderTests
{
    // Line 1 is 'version: 1'; the bad files below point at these lines.
    const string Head = """
        version: 1
        tiering:
          criteria:
            - { name: fit, field: industry, in: [Software], points: 30 }
          tiers:
            - { tier: Tier 1, minScore: 25 }

        """;

    const string Valid = Head + """
        buyingCommittee:
          engagedDays: 21
          roles:
            - { role: economic-buyer, titles: [CFO, VP Finance] }
            - { role: technical-evaluator, titles: [CTO, Director of IT] }
            - { role: champion, titles: [Head of Marketing] }
        stages:
          engagedDays: 30
          stalledDays: 45
          customerTypes: [Customer, Customer - Direct]
        influence:
          attributionDays: 60
        """;

    [Fact]
    public void Load_ValidFile_ReadsTheThreeSections()
    {
        var rules = RulesLoader.Load("rules.yaml", Valid);

        var committee = rules.BuyingCommittee!;
        Assert.Equal(21, committee.EngagedDays);
        Assert.Equal(["economic-buyer", "technical-evaluator", "champion"], committee.Roles.Select(r => r.Name));
        Assert.Equal(["CTO", "Director of IT"], committee.Roles[1].Titles);
        Assert.Equal(new SourceLocation("rules.yaml", 11), committee.Roles[1].Location);
        Assert.Equal((30, 45), (rules.Stages!.EngagedDays, rules.Stages.StalledDays));
        Assert.Equal(["Customer", "Customer - Direct"], rules.Stages.CustomerTypes);
        Assert.Equal(60, rules.Influence!.AttributionDays);
    }

    [Fact]
    public void Load_SectionsWithOnlyRequiredKeys_TakeTheDefaults()
    {
        var rules = RulesLoader.Load("rules.yaml", Head + """
            buyingCommittee:
              roles:
                - { role: champion, titles: [Head of Marketing] }
            stages: {}
            influence: {}
            """);

        Assert.Equal(BuyingCommitteeRules.DefaultEngagedDays, rules.BuyingCommittee!.EngagedDays);
        Assert.Equal(StageRules.DefaultEngagedDays, rules.Stages!.EngagedDays);
        Assert.Equal(StageRules.DefaultStalledDays, rules.Stages.StalledDays);
        Assert.Equal(StageRules.DefaultCustomerTypes, rules.Stages.CustomerTypes);
        Assert.Equal(InfluenceRules.DefaultAttributionDays, rules.Influence!.AttributionDays);
    }

    [Fact]
    public void Load_SectionsLeftOut_AreNull()
    {
        var rules = RulesLoader.Load("rules.yaml", Head);

        Assert.Null(rules.BuyingCommittee);
        Assert.Null(rules.Stages);
        Assert.Null(rules.Influence);
    }

    public static TheoryData<string, int, string> BadFiles => new()
    {
        { Valid.Replace("engagedDays: 21", "engagedDay: 21"), 8, "unknown key 'engagedDay' in buyingCommittee" },
        { Valid.Replace("engagedDays: 21", "engagedDays: 0"), 8, "buyingCommittee engagedDays must be between 1 and 3650, not 0" },
        { Valid.Replace("engagedDays: 21", "engagedDays: 3651"), 8, "must be between 1 and 3650, not 3651" },
        { Head + "buyingCommittee:\n  engagedDays: 30\n", 8, "buyingCommittee needs 'roles'" },
        { Head + "buyingCommittee:\n  roles: []\n", 8, "roles is empty" },
        { Valid.Replace("- { role: champion, titles: [Head of Marketing] }", "- champion"), 12, "a buying role must be a mapping" },
        { Valid.Replace("{ role: champion, titles: [Head of Marketing] }", "{ role: champion }"), 12, "a buying role needs 'titles'" },
        { Valid.Replace("{ role: champion,", "{ name: champion,"), 12, "a buying role needs 'role'" },
        { Valid.Replace("{ role: champion,", "{ name: champion,"), 12, "unknown key 'name' in a buying role" },
        { Valid.Replace("role: champion", "role: Economic-Buyer"), 12, "role 'Economic-Buyer' is defined twice (first on line 10)" },
        { Valid.Replace("[Head of Marketing]", "[]"), 12, "role 'champion' has no titles" },
        { Valid.Replace("[Head of Marketing]", "Head of Marketing"), 12, "titles must be a list" },
        { Valid.Replace("[Head of Marketing]", "[Head of Marketing, 'vp, finance']"), 12, "title pattern 'vp, finance' is listed under both 'economic-buyer' (line 10) and 'champion'" },
        { Valid.Replace("[CFO, VP Finance]", "[CFO, VP Finance, cfo]"), 10, "title pattern 'cfo' is listed twice under role 'economic-buyer'" },
        { Valid.Replace("[CTO, Director of IT]", "[CTO, '--']"), 11, "title pattern '--' has no letters or digits" },
        { Valid.Replace("[CTO, Director of IT]", "[CTO, '']"), 11, "each title of role 'technical-evaluator' must be a non-empty text value" },
        { Valid.Replace("engagedDays: 30", "engagedDayz: 30"), 14, "unknown key 'engagedDayz' in stages" },
        { Valid.Replace("stalledDays: 45", "stalledDays: 0"), 15, "stalledDays must be between 1 and 3650, not 0" },
        { Valid.Replace("[Customer, Customer - Direct]", "[]"), 16, "customerTypes is empty" },
        { Valid.Replace("[Customer, Customer - Direct]", "Customer"), 16, "customerTypes must be a list" },
        { Valid.Replace("attributionDays: 60", "attributionDays: sixty"), 18, "attributionDays must be a whole number" },
        { Valid.Replace("attributionDays: 60", "attributionDays: 4000"), 18, "attributionDays must be between 1 and 3650, not 4000" },
        { Valid.Replace("attributionDays: 60", "windowDays: 60"), 18, "unknown key 'windowDays' in influence" },
        { Head + "influence: 90\n", 7, "influence must be a mapping" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadFile_ReportsFileLineAndReason(string yaml, int line, string reason)
    {
        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Contains(error.Problems, p => p.File == "rules.yaml" && p.Line == line && p.Reason.Contains(reason, StringComparison.Ordinal));
        Assert.Contains($"rules.yaml:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralProblems_AreReportedTogether()
    {
        var yaml = Valid
            .Replace("[Head of Marketing]", "[]", StringComparison.Ordinal)
            .Replace("stalledDays: 45", "stalledDays: -1", StringComparison.Ordinal)
            .Replace("attributionDays: 60", "attributionDays: 0", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Equal([12, 15, 18], error.Problems.Select(p => p.Line));
    }

    [Fact]
    public void Load_ADuplicatedRole_IsReportedOnceNotForEachOfItsTitles()
    {
        var yaml = Valid.Replace("{ role: champion, titles: [Head of Marketing] }", "{ role: economic-buyer, titles: [CFO, VP Finance] }", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Contains("defined twice", Assert.Single(error.Problems).Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> ShippedTitles => new()
    {
        { "Vice President of Finance", "economic-buyer" },
        { "IT Director, EMEA", "technical-evaluator" },
        { "VP of Marketing", "champion" },
        { "Senior Product Manager", "champion" },
        { "Purchasing Manager", "procurement" },
        { "Co-Founder & CEO", "executive-sponsor" },
    };

    [Theory]
    [MemberData(nameof(ShippedTitles))]
    public void ShippedRulesFile_ClassifiesCommonTitles(string title, string role)
    {
        var rules = RulesLoader.LoadFile(Path.Combine(MappingLoaderTests.RepositoryRoot(), "mappings", "rules.yaml"));

        Assert.Equal(role, new BuyingRoleClassifier(rules.BuyingCommittee!).Classify(title)?.Role);
    }
}
