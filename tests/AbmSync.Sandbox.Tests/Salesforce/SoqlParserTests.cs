using AbmSync.Sandbox.Salesforce;

namespace AbmSync.Sandbox.Tests.Salesforce;

public class SoqlParserTests
{
    static readonly SfSchema Schema = SfSchema.Create();

    static SfRequestException Refused(string soql) => Assert.Throws<SfRequestException>(() => SoqlParser.Parse(soql, Schema));

    [Theory]
    [InlineData("SELECT Id FROM Account")]
    [InlineData("select id, name from account")]
    [InlineData("SELECT Id, Owner.Email, Owner.Name FROM Account")]
    [InlineData("SELECT Id, Account.Owner.Email FROM Contact")]
    [InlineData("SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00Z ORDER BY SystemModstamp, Id")]
    [InlineData("SELECT Id FROM Account WHERE SystemModstamp >= 2026-01-01T00:00:00.123+02:00")]
    [InlineData("SELECT Id FROM Account WHERE SystemModstamp < 2026-01-01T00:00:00-05:30")]
    [InlineData("SELECT Id FROM Opportunity WHERE CloseDate <= 2026-12-31")]
    [InlineData("SELECT Id FROM Account WHERE Name = 'O\\'Brien' AND Website != null")]
    [InlineData("SELECT Id FROM Account WHERE (Name LIKE 'Acme%' OR Name LIKE '_ex\\%') AND NOT Type = 'Partner'")]
    [InlineData("SELECT Id FROM Account WHERE Type IN ('Prospect', 'Other') AND Industry NOT IN ('Banking')")]
    [InlineData("SELECT Id FROM Account WHERE NumberOfEmployees >= 200 AND AnnualRevenue < 1.5")]
    [InlineData("SELECT Id FROM Account WHERE ABM_Tier_Locked__c = true AND IsDeleted = false")]
    [InlineData("SELECT Id FROM Account WHERE ABM_Tier__c = null ORDER BY Name DESC NULLS LAST LIMIT 10 OFFSET 5")]
    [InlineData("SELECT Id FROM Account WHERE OwnerId = '005000000000001'")]
    [InlineData("SELECT Id FROM Account WHERE Name = 'tab\\tnew\\nline\\r\\b\\f\\\"\\\\ \\u00e9'")]
    [InlineData("SELECT COUNT() FROM Account WHERE Type = 'Prospect'")]
    [InlineData("SELECT Id FROM Account WHERE Name <> 'x'")]
    public void Parse_SupportedForms_Answer(string soql) => Assert.NotNull(SoqlParser.Parse(soql, Schema));

    [Theory]
    [InlineData("SELECT * FROM Account")]
    [InlineData("SELECT Id FROM Account WHERE")]
    [InlineData("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'")]
    [InlineData("SELECT Id FROM Account WHERE Name = 'unterminated")]
    [InlineData("SELECT Id FROM Account WHERE Name = 'bad \\q escape'")]
    [InlineData("SELECT Id FROM Account WHERE Name = 'percent \\% outside like'")]
    [InlineData("SELECT Id FROM Account WHERE CreatedDate = TODAY")]
    [InlineData("SELECT Id FROM Account WHERE CreatedDate > LAST_N_DAYS:7")]
    [InlineData("SELECT Id FROM Account WHERE Name = :name")]
    [InlineData("SELECT COUNT(Id) FROM Account")]
    [InlineData("SELECT Id, (SELECT Id FROM Contacts) FROM Account")]
    [InlineData("SELECT Type FROM Account GROUP BY Type")]
    [InlineData("SELECT Id FROM Account FOR UPDATE")]
    [InlineData("SELECT Id FROM Account LIMIT -1")]
    [InlineData("SELECT Id FROM Account OFFSET 2001")]
    [InlineData("SELECT Id FROM Account;")]
    [InlineData("SELECT Id, Id FROM Account")]
    [InlineData("SELECT Id FROM Account WHERE SystemModstamp > 2026-02-30T00:00:00Z")]
    public void Parse_UnsupportedOrInvalidForms_AreMalformedQuery(string soql)
    {
        var error = Refused(soql);
        Assert.Equal(400, error.Status);
        Assert.True(error.ErrorCode is "MALFORMED_QUERY" or "NUMBER_OUTSIDE_VALID_RANGE", $"{soql} => {error.ErrorCode}: {error.Message}");
    }

    [Fact]
    public void Parse_UnknownField_IsInvalidFieldNamingTheColumn()
    {
        var error = Refused("SELECT Id, Nope__c FROM Account");
        Assert.Equal("INVALID_FIELD", error.ErrorCode);
        Assert.Contains("No such column 'Nope__c' on entity 'Account'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownRelationship_IsInvalidField() =>
        Assert.Equal("INVALID_FIELD", Refused("SELECT Boss.Email FROM Account").ErrorCode);

    [Fact]
    public void Parse_UnknownObject_IsInvalidType() =>
        Assert.Equal("INVALID_TYPE", Refused("SELECT Id FROM Widget__c").ErrorCode);

    [Theory]
    [InlineData("SELECT Id FROM Account WHERE SystemModstamp > '2026-01-01T00:00:00Z'")]
    [InlineData("SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01")]
    [InlineData("SELECT Id FROM Account WHERE NumberOfEmployees = '10'")]
    [InlineData("SELECT Id FROM Account WHERE Name = 10")]
    [InlineData("SELECT Id FROM Account WHERE IsDeleted = 'false'")]
    public void Parse_LiteralOfWrongType_IsInvalidField(string soql) => Assert.Equal("INVALID_FIELD", Refused(soql).ErrorCode);

    [Fact]
    public void Parse_Escapes_DecodeToTheDocumentedCharacters()
    {
        var query = SoqlParser.Parse("SELECT Id FROM Account WHERE Name = 'a\\'b\\\"c\\\\d\\ne\\rf\\tg\\bh\\fi\\u0041'", Schema);
        var compare = Assert.IsType<CompareCondition>(query.Where);
        Assert.Equal("a'b\"c\\d\ne\rf\tg\bh\fiA", compare.Value);
    }

    [Fact]
    public void Parse_LikeEscapes_MatchLiteralWildcards()
    {
        var like = Assert.IsType<LikeCondition>(SoqlParser.Parse("SELECT Id FROM Account WHERE Name LIKE '50\\%_off%'", Schema).Where);
        Assert.Matches(like.Pattern, "50%xoff sale");
        Assert.DoesNotMatch(like.Pattern, "50xxoff sale");
    }
}
