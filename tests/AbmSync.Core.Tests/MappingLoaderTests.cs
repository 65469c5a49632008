using AbmSync.Core.Mapping;

namespace AbmSync.Core.Tests;

public class MappingLoaderTests
{
    const string Valid = """
        version: 1
        pair: { salesforce: Account, hubspot: companies }
        include:
          salesforce:
            - { field: Type, notIn: [Partner, Competitor] }
        match: [ linked-id, domain ]
        fields:
          - { salesforce: Name, hubspot: name, direction: two-way, conflict: salesforce-wins }
          - { salesforce: Website, hubspot: domain, direction: to-hubspot, transform: domain }
          - { salesforce: Industry, hubspot: industry, direction: to-hubspot, values: { Technology: COMPUTER_SOFTWARE, "*": OTHER } }
        """;

    [Fact]
    public void Load_ValidFile_ReadsEveryPart()
    {
        var mapping = MappingLoader.Load("accounts.yaml", Valid);

        Assert.Equal("Account", mapping.SalesforceObject);
        Assert.Equal("companies", mapping.HubSpotObject);
        Assert.Equal([MatchKey.LinkedId, MatchKey.Domain], mapping.Match);
        var include = Assert.Single(mapping.IncludeSalesforce);
        Assert.Equal(InclusionOperator.NotIn, include.Operator);
        Assert.Equal(["Partner", "Competitor"], include.Values);
        Assert.Equal(3, mapping.Fields.Count);
        Assert.Equal(ConflictPolicy.SalesforceWins, mapping.Fields[0].Conflict);
        Assert.Equal(FieldTransform.Domain, mapping.Fields[1].Transform);
        Assert.Equal("OTHER", mapping.Fields[2].DefaultValue);
        Assert.Equal(new SourceLocation("accounts.yaml", 9), mapping.Fields[1].Location);
    }

    public static TheoryData<string, int, string> BadFiles => new()
    {
        { Valid.Replace("direction: to-hubspot, transform: domain", "direction: to-hubspot, transfrom: domain"), 9, "unknown key 'transfrom'" },
        { Valid.Replace("transform: domain", "transform: domian"), 9, "transform 'domian' is not one of" },
        { Valid.Replace("direction: two-way, conflict: salesforce-wins", "direction: two-way"), 8, "needs a conflict policy" },
        { Valid.Replace("hubspot: domain,", "hubspot: name,"), 9, "already written by the mapping on line 8" },
        { Valid.Replace("version: 1", "version: 7"), 1, "newer than this AbmSync understands" },
        { Valid.Replace("hubspot: companies", "hubspot: deals"), 2, "pairs with HubSpot 'companies'" },
        { Valid.Replace("{ field: Type, notIn: [Partner, Competitor] }", "{ field: Type }"), 5, "exactly one of" },
        { Valid.Replace("match: [ linked-id, domain ]", "match: [ linked-id, fuzzy ]"), 6, "match key 'fuzzy'" },
        { Valid.Replace("direction: to-hubspot, transform: domain", "direction: to-hubspot, conflict: hubspot-wins, transform: domain"), 9, "conflict applies only to two-way" },
        { "version: 1\npair: { salesforce: Account, hubspot: companies }\n", 1, "needs 'fields'" },
        { "version: 1\n  pair: [\n", 2, "not valid YAML" },
        // Found by `fuzz-mappings` (seed 1, cases 17, 26, 37): a flow mapping left open before the next block item made
        // YamlDotNet's parser throw InvalidOperationException, not YamlException, and the CLI said "failed" with exit 1.
        { Valid.Replace("{ field: Type, notIn: [Partner, Competitor] }", "{ field: 0"), 5, "not valid YAML" },
        { Valid.Replace("{ field: Type, notIn: [Partner, Competitor] }", "{ field: - item"), 5, "not valid YAML" },
        { Valid.Replace("{ field: Type, notIn: [Partner, Competitor] }", "{ field: !!binary aGVsbG8="), 5, "not valid YAML" },
        { Valid.Replace("match: [ linked-id, domain ]", "match: [ linked-id, domain ]\nonMerge: merge-both"), 7, "onMerge 'merge-both' is not one of" },
    };

    [Fact]
    public void Load_OnMerge_DefaultsToMergingTheTwins_AndUnlinkIsKept()
    {
        Assert.Equal(MergePolicy.MergeTwins, MappingLoader.Load("accounts.yaml", Valid).OnMerge);
        Assert.Equal(MergePolicy.Unlink, MappingLoader.Load("accounts.yaml", Valid.Replace("match: [ linked-id, domain ]", "match: [ linked-id, domain ]\nonMerge: unlink")).OnMerge);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadFile_ReportsFileLineAndReason(string yaml, int line, string reason)
    {
        var error = Assert.Throws<ConfigurationFileException>(() => MappingLoader.Load("accounts.yaml", yaml));

        Assert.Contains(error.Problems, p => p.File == "accounts.yaml" && p.Line == line && p.Reason.Contains(reason, StringComparison.Ordinal));
        Assert.Contains($"accounts.yaml:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralProblems_ReportsThemAll()
    {
        var yaml = Valid.Replace("transform: domain", "transform: domian").Replace("conflict: salesforce-wins", "conflict: sf-wins");

        var error = Assert.Throws<ConfigurationFileException>(() => MappingLoader.Load("accounts.yaml", yaml));

        Assert.Equal([8, 9], error.Problems.Select(p => p.Line).Order());
    }

    [Fact]
    public void Load_ProjectMappingFiles_AllLoad()
    {
        var directory = Path.Combine(RepositoryRoot(), "mappings");
        foreach (var file in Directory.GetFiles(directory, "*.yaml").Where(f => !f.EndsWith("rules.yaml", StringComparison.Ordinal)))
        {
            var mapping = MappingLoader.LoadFile(file);
            Assert.NotEmpty(mapping.Fields);
        }
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AbmSync.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("AbmSync.sln not found above the test directory");
    }

    [Fact]
    public void Load_DefaultAndConvertedLead_AreRead()
    {
        var yaml = """
            version: 1
            pair: { salesforce: Lead, hubspot: contacts }
            match: [ linked-id, converted-lead, email ]
            fields:
              - { salesforce: LastName, hubspot: lastname, direction: two-way, conflict: latest-wins, default: "[not provided]" }
            """;

        var mapping = MappingLoader.Load("leads.yaml", yaml);

        Assert.Equal([MatchKey.LinkedId, MatchKey.ConvertedLead, MatchKey.Email], mapping.Match);
        Assert.Equal("[not provided]", mapping.Fields.Single().SalesforceDefault);
    }

    [Theory]
    [InlineData("{ salesforce: LastName, hubspot: lastname, direction: to-hubspot, default: x }")]
    [InlineData("{ salesforce: OwnerId, hubspot: hubspot_owner_id, direction: two-way, conflict: salesforce-wins, transform: owner, default: x }")]
    [InlineData("{ salesforce: LastName, hubspot: lastname, direction: two-way, conflict: latest-wins, default: \"  \" }")]
    public void Load_DefaultWhereItCannotApply_IsRefusedWithItsLine(string field)
    {
        var yaml = $"version: 1\npair: {{ salesforce: Lead, hubspot: contacts }}\nfields:\n  - {field}\n";

        var error = Assert.Throws<ConfigurationFileException>(() => MappingLoader.Load("leads.yaml", yaml));

        Assert.Contains(error.Problems, p => p.Line == 4 && p.Reason.Contains("default is the text Salesforce holds", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_Pipelines_AreReadInOrder_AndDuplicatesAreRefused()
    {
        var yaml = """
            version: 1
            pair: { salesforce: Opportunity, hubspot: deals }
            fields:
              - salesforce: StageName
                hubspot: dealstage
                direction: two-way
                conflict: salesforce-wins
                pipelines:
                  default: { Qualification: qualifiedtobuy, Needs Analysis: qualifiedtobuy }
                  renewals: { Qualification: renewal-review }
            """;

        var field = MappingLoader.Load("opportunities.yaml", yaml).Fields.Single();

        Assert.Equal(["default", "renewals"], field.Pipelines!.Select(p => p.Pipeline));
        Assert.Equal(["Qualification", "Needs Analysis"], field.Pipelines![0].Values.Keys);
        var bad = Assert.Throws<ConfigurationFileException>(() => MappingLoader.Load("opportunities.yaml",
            yaml.Replace("renewals: { Qualification: renewal-review }", "default: { Qualification: renewal-review }")));
        Assert.Contains(bad.Problems, p => p.Line == 10 && p.Reason.Contains("default", StringComparison.Ordinal));
    }

    const string Currency = """
        version: 1
        pair: { salesforce: Opportunity, hubspot: deals }
        fields:
          - { salesforce: Name, hubspot: dealname, direction: two-way, conflict: latest-wins }
          - { salesforce: CurrencyIsoCode, hubspot: deal_currency_code, direction: two-way, conflict: latest-wins, whenPresent: true }
        """;

    [Fact]
    public void Load_WhenPresent_MarksOnlyThatField()
    {
        var mapping = MappingLoader.Load("opportunities.yaml", Currency);

        Assert.False(mapping.Fields[0].WhenPresent);
        Assert.True(mapping.Fields[1].WhenPresent);
        Assert.Equal(new SourceLocation("opportunities.yaml", 5), mapping.Fields[1].Location);
        Assert.False(MappingLoader.Load("opportunities.yaml", Currency.Replace("whenPresent: true", "whenPresent: false")).Fields[1].WhenPresent);
    }

    [Theory]
    // YAML 1.1 booleans (yes/on) and quoted text are refused: the key means one thing to every reader.
    [InlineData("whenPresent: yes", "whenPresent must be true or false")]
    [InlineData("whenPresent: 1", "whenPresent must be true or false")]
    [InlineData("whenPresent: [true]", "whenPresent must be true or false")]
    [InlineData("whenPrezent: true", "unknown key 'whenPrezent' in a field")]
    [InlineData("whenPresent: true, whenPresent: false", "Duplicate key whenPresent")]
    public void Load_BadWhenPresent_ReportsFileLineAndReason(string replacement, string reason)
    {
        var error = Assert.Throws<ConfigurationFileException>(() => MappingLoader.Load("opportunities.yaml", Currency.Replace("whenPresent: true", replacement)));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(("opportunities.yaml", 5), (problem.File, problem.Line));
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
        Assert.StartsWith("opportunities.yaml:5: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShippedOpportunities_CarryTheCurrencyOnlyWhereTheOrgHasIt()
    {
        var mapping = MappingLoader.LoadFile(Path.Combine(RepositoryRoot(), "mappings", "opportunities.yaml"));

        var currency = Assert.Single(mapping.Fields, f => f.Salesforce == "CurrencyIsoCode");
        Assert.Equal(("deal_currency_code", SyncDirection.TwoWay, ConflictPolicy.LatestWins, true),
            (currency.HubSpot, currency.Direction, currency.Conflict, currency.WhenPresent));
        Assert.All(mapping.Fields.Where(f => f != currency), f => Assert.False(f.WhenPresent));
    }
}
