using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;

namespace AbmSync.Core.Tests;

public class FieldValuesTests
{
    static readonly ObjectMapping Mapping = MappingLoader.Load("accounts.yaml", """
        version: 1
        pair: { salesforce: Account, hubspot: companies }
        fields:
          - { salesforce: Name, hubspot: name, direction: to-hubspot, transform: trim }
          - { salesforce: Website, hubspot: domain, direction: to-hubspot, transform: domain }
          - { salesforce: Industry, hubspot: industry, direction: to-hubspot, values: { Technology: COMPUTER_SOFTWARE, "*": OTHER } }
          - { salesforce: OwnerId, hubspot: hubspot_owner_id, direction: to-hubspot, transform: owner }
          - { salesforce: AnnualRevenue, hubspot: annualrevenue, direction: to-hubspot }
          - { salesforce: Description, hubspot: description, direction: to-salesforce }
        """);

    [Fact]
    public void ToHubSpot_AppliesTransformsAndValueMaps()
    {
        var salesforce = new Dictionary<string, object?>
        {
            ["Name"] = "  Acme Inc. ", ["Website"] = "https://www.acme.com/", ["Industry"] = "Retail", ["OwnerId"] = "005A",
            ["AnnualRevenue"] = 1_500_000.50m, ["Description"] = "ignored",
        };

        var values = FieldValues.ToHubSpot(Mapping, f => salesforce.GetValueOrDefault(f), id => id == "005A" ? "77" : null);

        Assert.Equal("Acme Inc.", values["name"]);
        Assert.Equal("acme.com", values["domain"]);
        Assert.Equal("OTHER", values["industry"]);
        Assert.Equal("77", values["hubspot_owner_id"]);
        Assert.Equal("1500000.5", values["annualrevenue"]);
        Assert.False(values.ContainsKey("description"));
    }

    [Theory]
    [InlineData("salesforce-wins", "Acme", true, "Acme")]
    [InlineData("salesforce-wins", null, true, null)]
    [InlineData("hubspot-wins", "Acme", true, "(absent)")]
    [InlineData("hubspot-wins", "Acme", false, "Acme")]
    [InlineData("prefer-hubspot-unless-blank", "Acme", true, "(absent)")]
    [InlineData("prefer-hubspot-unless-blank", "Acme", false, "Acme")]
    [InlineData("prefer-salesforce-unless-blank", "Acme", true, "Acme")]
    [InlineData("prefer-salesforce-unless-blank", null, true, "(absent)")]
    [InlineData("latest-wins", "Acme", true, "Acme")]
    public void ApplyConflictPolicies_NeverOverwritesWhatThePolicyProtects(string policy, string? value, bool twinExists, string? expected)
    {
        var mapping = MappingLoader.Load("accounts.yaml", $$"""
            version: 1
            pair: { salesforce: Account, hubspot: companies }
            fields:
              - { salesforce: Name, hubspot: name, direction: two-way, conflict: {{policy}} }
              - { salesforce: Website, hubspot: domain, direction: to-hubspot }
            """);
        var values = new Dictionary<string, string?> { ["name"] = value, ["domain"] = null };

        FieldValues.ApplyConflictPolicies(mapping, values, twinExists);

        Assert.Equal(expected, values.TryGetValue("name", out var v) ? v : "(absent)");
        Assert.True(values.ContainsKey("domain"));
    }

    [Fact]
    public void Changes_SkipsUnchangedAndNeverWrittenBlanks_ClearsWhatWeWrote()
    {
        var desired = new Dictionary<string, string?> { ["name"] = "Acme", ["domain"] = null, ["industry"] = null, ["city"] = "Oslo" };
        var lastWritten = new Dictionary<string, string> { ["name"] = "Acme", ["industry"] = "RETAIL", ["city"] = "Bergen" };

        var changes = FieldValues.Changes(desired, lastWritten);

        Assert.Equal(new Dictionary<string, string> { ["industry"] = "", ["city"] = "Oslo" }, changes);
    }

    [Fact]
    public void Hash_IgnoresOrder_ChangesWithValues()
    {
        var a = FieldValues.Hash(new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" });
        var b = FieldValues.Hash(new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" });
        var c = FieldValues.Hash(new Dictionary<string, string> { ["x"] = "1", ["y"] = "3" });

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
