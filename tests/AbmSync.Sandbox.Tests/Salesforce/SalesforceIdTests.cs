using AbmSync.Sandbox.Salesforce;

namespace AbmSync.Sandbox.Tests.Salesforce;

public class SalesforceIdTests
{
    [Theory]
    [InlineData("001D000000IRFma", "001D000000IRFmaIAH")]
    [InlineData("001D000000Iomaz", "001D000000IomazIAB")]
    [InlineData("0019000000B98de", "0019000000B98deAAB")]
    [InlineData("001A0000006Vm9r", "001A0000006Vm9rIAC")]
    [InlineData("001A0000006VM9r", "001A0000006VM9rIAG")]
    public void To18_KnownIds_AppendsDocumentedSuffix(string id15, string id18) =>
        Assert.Equal(id18, SalesforceId.To18(id15));

    [Fact]
    public void Normalize_Accepts15And18_RefusesWrongSuffixAndJunk()
    {
        Assert.Equal("001D000000IRFmaIAH", SalesforceId.Normalize("001D000000IRFma"));
        Assert.Equal("001D000000IRFmaIAH", SalesforceId.Normalize("001D000000IRFmaiah"));
        Assert.Null(SalesforceId.Normalize("001D000000IRFmaAAA"));
        Assert.Null(SalesforceId.Normalize("001D000000IRF"));
        Assert.Null(SalesforceId.Normalize("001D000000IRFm'"));
    }

    [Fact]
    public void Mint_IsDeterministicValidAndUnique()
    {
        var ids = Enumerable.Range(1, 5000).Select(i => SalesforceId.Mint("001", 3, i)).ToList();
        Assert.All(ids, id =>
        {
            Assert.Equal(18, id.Length);
            Assert.StartsWith("001", id, StringComparison.Ordinal);
            Assert.Equal(id, SalesforceId.Normalize(id));
        });
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(ids[41], SalesforceId.Mint("001", 3, 42));
        Assert.NotEqual(ids[41], SalesforceId.Mint("001", 4, 42));
    }
}
