using AbmSync.Core.Engagement;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Tests;

public class BuyingRoleClassifierTests
{
    // A bare 'IT' pattern (not shipped) is here to prove whole-word matching: it must never match inside "Digital".
    const string Rules = """
        version: 1
        tiering:
          criteria:
            - { name: fit, field: industry, in: [Software], points: 30 }
          tiers:
            - { tier: Tier 1, minScore: 25 }
        buyingCommittee:
          roles:
            - { role: economic-buyer, titles: [CFO, Chief Financial Officer, VP Finance, Vice President Finance, Controller] }
            - { role: technical-evaluator, titles: [CTO, Director of IT, IT Manager, Head of IT] }
            - { role: champion, titles: [Marketing Manager, Head of Sales & Marketing, IT] }
            - { role: procurement, titles: [Procurement Manager, Buyer] }
            - { role: executive-sponsor, titles: [CEO, President, Founder] }
        """;

    static BuyingRoleClassifier Classifier(string yaml = Rules) => new(RulesLoader.Load("rules.yaml", yaml).BuyingCommittee!);

    public static TheoryData<string?, string?, string?> Titles => new()
    {
        { "CFO", "economic-buyer", "CFO" },
        { "cfo", "economic-buyer", "CFO" },
        { "Sr. VP, Finance & Ops", "economic-buyer", "VP Finance" },
        { "SVP - FINANCE", null, null },
        { "Vice-President (Finance)", "economic-buyer", "Vice President Finance" },
        { "Chief Financial Officer (CFO)", "economic-buyer", "CFO" },
        { "CFOs", null, null },
        { "Director of IT Operations", "technical-evaluator", "Director of IT" },
        { "IT-Manager, EMEA", "technical-evaluator", "IT Manager" },
        { "ITIL Manager", null, null },
        { "Digital Transformation Lead", null, null },
        { "Head of Digital", null, null },
        { "Head of Sales and Marketing", "champion", "Head of Sales & Marketing" },
        { "Product Marketing Manager", "champion", "Marketing Manager" },
        { "Co-Founder", "executive-sponsor", "Founder" },
        { "Media Buyer", "procurement", "Buyer" },
        { "Software Engineer", null, null },
        { null, null, null },
        { "", null, null },
        { "   ", null, null },
        { "-- / --", null, null },
    };

    [Theory]
    [MemberData(nameof(Titles))]
    public void Classify_MatchesWholeWordsAfterNormalising(string? title, string? role, string? pattern)
    {
        var match = Classifier().Classify(title);

        Assert.Equal(role, match?.Role);
        Assert.Equal(pattern, match?.Pattern);
    }

    [Theory]
    [InlineData("Vice President, Finance", "economic-buyer", "executive-sponsor")]
    [InlineData("CFO & CTO", "economic-buyer", "technical-evaluator")]
    [InlineData("CTO and Founder", "technical-evaluator", "executive-sponsor")]
    [InlineData("Head of IT", "technical-evaluator", "champion")]
    public void Classify_TitleMatchingTwoRoles_TakesTheFirstListedAndNamesTheOther(string title, string role, string other)
    {
        var match = Classifier().Classify(title)!;

        Assert.Equal(role, match.Role);
        Assert.EndsWith($"also matches {other}, listed later)", match.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_Reason_NamesTitleRolePatternAndTheRoleListedLater()
    {
        var match = Classifier().Classify(" CFO & CTO ")!;

        Assert.Equal("CFO & CTO: economic-buyer (title matches 'CFO'; also matches technical-evaluator, listed later)", match.Reason);
    }

    [Fact]
    public void Classify_TitleMatchingThreeRoles_NamesBothLaterRolesInRulesOrder()
    {
        var match = Classifier().Classify("CFO, CTO & President")!;

        Assert.Equal("economic-buyer", match.Role);
        Assert.Contains("also matches technical-evaluator, executive-sponsor, listed later", match.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_SingleRole_ReasonHasNoAlsoMatches()
    {
        var match = Classifier().Classify("Procurement Manager")!;

        Assert.Equal("Procurement Manager: procurement (title matches 'Procurement Manager')", match.Reason);
    }

    [Theory]
    [InlineData("economic-buyer", "technical-evaluator")]
    [InlineData("technical-evaluator", "economic-buyer")]
    public void Classify_OrderOfTheRules_NotTheRoleName_DecidesATie(string first, string second)
    {
        var titles = new Dictionary<string, string> { ["economic-buyer"] = "CFO", ["technical-evaluator"] = "CTO" };
        var yaml = Rules[..Rules.IndexOf("buyingCommittee:", StringComparison.Ordinal)] + $$"""
            buyingCommittee:
              roles:
                - { role: {{first}}, titles: [{{titles[first]}}] }
                - { role: {{second}}, titles: [{{titles[second]}}] }
            """;

        var match = Classifier(yaml).Classify("CFO & CTO")!;

        Assert.Equal(first, match.Role);
        Assert.Equal(titles[first], match.Pattern);
        Assert.Contains($"also matches {second}", match.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sr. VP, Finance & Ops", "sr vp finance and ops")]
    [InlineData("  R&D  ", "r and d")]
    [InlineData("DIRECTOR_of__IT", "director of it")]
    [InlineData("Directeur Général", "directeur général")]
    [InlineData("VP2 Finance", "vp2 finance")]
    [InlineData("&", "and")]
    [InlineData(" ,.;- ", "")]
    public void Normalise_LowersCaseSpellsAndCollapsesPunctuation(string text, string expected)
    {
        Assert.Equal(expected, BuyingRoleClassifier.Normalise(text));
    }
}
