using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Tests;

public class MatchingRulesLoaderTests
{
    // Line numbers in BadFiles count from "version" (line 1); matching starts on line 7.
    const string Valid = """
        version: 1
        tiering:
          criteria:
            - { name: target-industry, field: industry, in: [Software], points: 30 }
          tiers:
            - { tier: Tier 1, minScore: 25 }
        matching:
          byCompanyName: false
          tieBreak: [pipeline, tier]
          personalDomains: [Example-Mail.com, https://www.mailbox.example/]
          subsidiaries:
            - { domain: acme-labs.com, parent: acme.com }
            - { domain: https://www.acme.co.uk/about, parent: ACME.com }
        """;

    /// <summary>The section proposed for the shipped mappings/rules.yaml, comments and all.</summary>
    internal const string ShippedSection = """

        # How a lead or contact finds its Salesforce account. First its email's domain against the account's website,
        # both reduced to the registrable domain (sales@eu.acme.co.uk matches https://www.acme.co.uk/about); then, for a
        # subsidiary's domain that no account has itself, the parent domain's accounts; then the company name, compared
        # in lower case with accents, punctuation, a leading "The" and trailing legal forms (Inc, Ltd, GmbH, S.A., ...)
        # dropped and '&' as 'and'. Personal mail (gmail.com, outlook.com, hotmail.co.uk, ... and personalDomains)
        # never matches by domain, and placeholder names (n/a, [not provided], self-employed, ...) never by name.
        # Several accounts at one step: tieBreak decides, in its order (tier: Tier 1 first, then Tier 2, Tier 3, none;
        # pipeline: the larger open pipeline; contacts: more contacts). Still tied, the match is ambiguous: no account
        # is set and the candidates are listed, never guessed.
        matching:
          byCompanyName: true
          tieBreak: [tier, pipeline, contacts]
          # Mail domains to treat as personal beyond the shipped list, like a regional provider: [example-mail.com].
          personalDomains: []
          # A subsidiary's email domain and its parent's, one level: - { domain: acme-labs.com, parent: acme.com }
          subsidiaries: []

        """;

    [Fact]
    public void Load_ValidMatching_ReadsEveryPart_Normalised()
    {
        var rules = RulesLoader.Load("rules.yaml", Valid).Matching;

        Assert.NotNull(rules);
        Assert.False(rules.ByCompanyName);
        Assert.Equal(["pipeline", "tier"], rules.TieBreak);
        Assert.Equal(["example-mail.com", "mailbox.example"], rules.PersonalDomains);
        Assert.Equal([new SubsidiaryDomain("acme-labs.com", "acme.com"), new SubsidiaryDomain("acme.co.uk", "acme.com")], rules.Subsidiaries);
    }

    [Fact]
    public void Load_WithoutMatchingSection_HasNone()
    {
        var yaml = Valid[..Valid.IndexOf("matching:", StringComparison.Ordinal)];

        Assert.Null(RulesLoader.Load("rules.yaml", yaml).Matching);
    }

    [Fact]
    public void Load_EmptyMatchingSection_IsTheDefaults()
    {
        var yaml = Valid[..Valid.IndexOf("matching:", StringComparison.Ordinal)] + "matching: {}\n";

        var rules = RulesLoader.Load("rules.yaml", yaml).Matching;

        Assert.NotNull(rules);
        Assert.True(rules.ByCompanyName);
        Assert.Equal(["tier", "pipeline", "contacts"], rules.TieBreak);
        Assert.Empty(rules.PersonalDomains);
        Assert.Empty(rules.Subsidiaries);
    }

    [Fact]
    public void Load_EmptyTieBreak_MeansNoTieIsBroken()
    {
        var rules = RulesLoader.Load("rules.yaml", Valid.Replace("[pipeline, tier]", "[]", StringComparison.Ordinal)).Matching;

        Assert.Empty(rules!.TieBreak);
    }

    [Fact]
    public void Load_LoadedRules_DriveTheMatcher()
    {
        var rules = RulesLoader.Load("rules.yaml", Valid).Matching!;
        var matcher = new AccountMatcher(
            [new("001A", "acme.com", "Acme", "Tier 1", 10m, 1), new("001M", "example-mail.com", "Example Mail", null, null, 0)], rules);

        Assert.Equal(("001A", MatchRules.Subsidiary), (matcher.Match("ana@acme-labs.com", null).AccountId, matcher.Match("ana@acme-labs.com", null).Rule));
        Assert.Equal(MatchRules.PersonalDomain, matcher.Match("ana@example-mail.com", "Acme").Rule);
        Assert.Equal(MatchRules.None, matcher.Match("ana@unknown.com", "Acme").Rule);
    }

    [Fact]
    public void Load_ShippedRulesWithTheProposedSection_ReadsTheDefaults()
    {
        var shipped = File.ReadAllText(Path.Combine(MappingLoaderTests.RepositoryRoot(), "mappings", "rules.yaml"));
        // Once the section is in the shipped file, it is tested as shipped; until then, as proposed.
        var yaml = shipped.Contains("\nmatching:", StringComparison.Ordinal) ? shipped : shipped.TrimEnd() + "\n" + ShippedSection;

        var rules = RulesLoader.Load("rules.yaml", yaml);

        Assert.NotNull(rules.Matching);
        Assert.True(rules.Matching.ByCompanyName);
        Assert.Equal(["tier", "pipeline", "contacts"], rules.Matching.TieBreak);
        Assert.Empty(rules.Matching.PersonalDomains);
        Assert.Empty(rules.Matching.Subsidiaries);
        Assert.NotNull(rules.Engagement);
        Assert.NotNull(rules.Influence);
    }

    public static TheoryData<string, string, int, string> BadFiles => new()
    {
        { "byCompanyName: false", "byCompanyName: no", 8, "byCompanyName must be true or false" },
        { "byCompanyName: false", "byName: false", 8, "unknown key 'byName' in matching; expected one of: byCompanyName, tieBreak, personalDomains, subsidiaries" },
        { "[pipeline, tier]", "[pipeline, revenue]", 9, "tie-break 'revenue' is not one of: tier, pipeline, contacts" },
        { "[pipeline, tier]", "[tier, pipeline, tier]", 9, "tie-break 'tier' is listed twice" },
        { "[pipeline, tier]", "tier", 9, "tieBreak must be a list" },
        { "[pipeline, tier]", "[[tier]]", 9, "each tie-break must be a non-empty text value" },
        { "[Example-Mail.com, https://www.mailbox.example/]", "[example-mail.com, not a domain]", 10, "each personal domain 'not a domain' is not a domain, like acme.com" },
        { "[Example-Mail.com, https://www.mailbox.example/]", "[example-mail.com, www.Example-Mail.com]", 10, "personal domain example-mail.com is listed twice (first on line 10)" },
        { "[Example-Mail.com, https://www.mailbox.example/]", "gmail.com", 10, "personalDomains must be a list" },
        { "    - { domain: acme-labs.com, parent: acme.com }", "    - acme-labs.com", 12, "a subsidiary must be a mapping" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: acme-labs.com }", 12, "a subsidiary needs 'parent'" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ parent: acme.com }", 12, "a subsidiary needs 'domain'" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: acme-labs.com, parent: acme.com, name: Labs }", 12, "unknown key 'name' in a subsidiary" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: acme-labs, parent: acme.com }", 12, "a subsidiary's domain 'acme-labs' is not a domain" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: acme-labs.com, parent: '' }", 12, "a subsidiary's parent must be a non-empty text value" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: www.acme.com, parent: acme.com }", 12, "subsidiary acme.com names itself as its parent" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: acme.co.uk, parent: acme.com }", 13, "subsidiary acme.co.uk is listed twice (first on line 12)" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: gmail.com, parent: acme.com }", 12, "gmail.com is a personal mail domain" },
        { "{ domain: acme-labs.com, parent: acme.com }", "{ domain: acme-labs.com, parent: example-mail.com }", 12, "example-mail.com is a personal mail domain" },
        { "parent: ACME.com", "parent: acme-labs.com", 13, "parent acme-labs.com is itself a subsidiary (line 12)" },
        { "  subsidiaries:\n", "  subsidiaries: acme-labs.com\n  old:\n", 11, "subsidiaries must be a list" },
        { "matching:\n", "matching: [a]\nold:\n", 7, "matching must be a mapping" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadMatching_ReportsFileLineAndReason(string find, string replace, int line, string reason)
    {
        var yaml = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, yaml);

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Contains(error.Problems, p => p.File == "rules.yaml" && p.Line == line && p.Reason.Contains(reason, StringComparison.Ordinal));
        Assert.Contains($"rules.yaml:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralProblems_AreAllReportedInLineOrder()
    {
        var yaml = Valid
            .Replace("byCompanyName: false", "byCompanyName: maybe", StringComparison.Ordinal)
            .Replace("[pipeline, tier]", "[size]", StringComparison.Ordinal)
            .Replace("parent: ACME.com", "parent: www.acme.co.uk", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigurationFileException>(() => RulesLoader.Load("rules.yaml", yaml));

        Assert.Equal([8, 9, 13], error.Problems.Select(p => p.Line));
    }
}
