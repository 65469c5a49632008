using AbmSync.Connectors.Salesforce;

namespace AbmSync.Connectors.Tests.Salesforce;

public sealed class SoqlQueryTests
{
    public static TheoryData<string, string> Escapes => new()
    {
        { "plain", "'plain'" },
        { "O'Brien", @"'O\'Brien'" },
        { @"back\slash", @"'back\\slash'" },
        { @"\'", @"'\\\''" },
        { "say \"hi\"", "'say \\\"hi\\\"'" },
        { "a\nb", @"'a\nb'" },
        { "a\r\nb", @"'a\r\nb'" },
        { "a\tb", @"'a\tb'" },
        { "a\bb", @"'a\bb'" },
        { "a\fb", @"'a\fb'" },
        { "50% off_now", "'50% off_now'" },
        { "' OR Name != '", @"'\' OR Name != \''" },
        { "ünïcødé €", "'ünïcødé €'" },
        { "", "''" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void QuoteString_EscapesPerSoqlRules(string value, string expected) =>
        Assert.Equal(expected, Soql.QuoteString(value));

    [Theory]
    [InlineData("\0")]
    [InlineData("a\u0001b")]
    [InlineData("\u001b[31m")]
    [InlineData("x\u007f")]
    public void QuoteString_OtherControlCharacters_AreRefused(string value) =>
        Assert.Throws<ArgumentException>(() => Soql.QuoteString(value));

    [Theory]
    [InlineData("50%", @"50\%")]
    [InlineData("a_b", @"a\_b")]
    [InlineData(@"a\%", @"a\\\%")]
    [InlineData("it's", @"it\'s")]
    public void EscapeLikeValue_EscapesWildcardsToo(string value, string expected) =>
        Assert.Equal(expected, Soql.EscapeLikeValue(value));

    public static TheoryData<object?, string> Literals => new()
    {
        { null, "null" },
        { true, "true" },
        { false, "false" },
        { 42, "42" },
        { -7L, "-7" },
        { 1234.5m, "1234.5" },
        { 0.25d, "0.25" },
        { new DateTimeOffset(2026, 11, 25, 12, 30, 5, TimeSpan.FromHours(2)), "2026-11-25T10:30:05Z" },
        { new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), "2026-01-02T03:04:05Z" },
        { new DateOnly(2026, 2, 28), "2026-02-28" },
        { "x", "'x'" },
    };

    [Theory]
    [MemberData(nameof(Literals))]
    public void Literal_FormatsByType(object? value, string expected) =>
        Assert.Equal(expected, Soql.Literal(value));

    [Fact]
    public void Literal_UnspecifiedDateTimeOrUnknownType_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Soql.Literal(new DateTime(2026, 1, 1)));
        Assert.Throws<ArgumentException>(() => Soql.Literal(Guid.Empty));
        Assert.Throws<ArgumentException>(() => Soql.Literal(double.NaN));
    }

    public static TheoryData<SoqlCondition, string> Conditions => new()
    {
        { Soql.Field("Name").Eq("Acme"), "Name = 'Acme'" },
        { Soql.Field("Name").NotEq("Acme"), "Name != 'Acme'" },
        { Soql.Field("NumberOfEmployees").Lt(10), "NumberOfEmployees < 10" },
        { Soql.Field("NumberOfEmployees").Le(10), "NumberOfEmployees <= 10" },
        { Soql.Field("AnnualRevenue").Gt(1.5m), "AnnualRevenue > 1.5" },
        { Soql.Field("SystemModstamp").Ge(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), "SystemModstamp >= 2026-01-01T00:00:00Z" },
        { Soql.Field("CloseDate").Le(new DateOnly(2026, 12, 31)), "CloseDate <= 2026-12-31" },
        { Soql.Field("ParentId").Eq(null), "ParentId = null" },
        { Soql.Field("ParentId").IsNull(), "ParentId = null" },
        { Soql.Field("ParentId").IsNotNull(), "ParentId != null" },
        { Soql.Field("Type").In("Customer", "Prospect"), "Type IN ('Customer', 'Prospect')" },
        { Soql.Field("Type").NotIn("Partner", "O'Neil"), @"Type NOT IN ('Partner', 'O\'Neil')" },
        { Soql.Field("Id").In(new List<string> { "001A", "001B" }), "Id IN ('001A', '001B')" },
        { Soql.Field("Type").In("Customer"), "Type IN ('Customer')" },
        { Soql.Field("Type").NotIn("Partner"), "Type NOT IN ('Partner')" },
        { Soql.Field("NumberOfEmployees").In(new[] { 10, 20 }), "NumberOfEmployees IN (10, 20)" },
        { Soql.Field("Name").Like("Acme%"), "Name LIKE 'Acme%'" },
        { Soql.Field("Name").StartsWith("50%_"), @"Name LIKE '50\%\_%'" },
        { Soql.Field("Name").Contains("it's"), @"Name LIKE '%it\'s%'" },
        { Soql.Field("Website").EndsWith(".com"), "Website LIKE '%.com'" },
        { Soql.Field("Owner.Email").Eq("a@b.c"), "Owner.Email = 'a@b.c'" },
        { Soql.Field("A").Eq(1) & Soql.Field("B").Eq(2), "A = 1 AND B = 2" },
        { Soql.Field("A").Eq(1) | Soql.Field("B").Eq(2), "A = 1 OR B = 2" },
        { Soql.Field("A").Eq(1) & (Soql.Field("B").Eq(2) | Soql.Field("C").Eq(3)), "A = 1 AND (B = 2 OR C = 3)" },
        { SoqlCondition.Or(Soql.Field("A").Eq(1) & Soql.Field("B").Eq(2), Soql.Field("C").Eq(3)), "(A = 1 AND B = 2) OR C = 3" },
        { !Soql.Field("IsDeleted").Eq(true), "NOT (IsDeleted = true)" },
    };

    [Theory]
    [MemberData(nameof(Conditions))]
    public void Condition_RendersSoql(SoqlCondition condition, string expected) =>
        Assert.Equal(expected, condition.ToString());

    [Fact]
    public void ToSoql_FullQuery()
    {
        var since = new DateTimeOffset(2026, 11, 25, 9, 58, 0, TimeSpan.Zero);
        var query = SoqlQuery.From("Account")
            .Select("Id", "Name", "Owner.Email", "SystemModstamp")
            .Select("name")
            .Where(Soql.Field("SystemModstamp").Ge(since))
            .Where(Soql.Field("Type").NotIn("Partner", "Competitor") | Soql.Field("Type").IsNull())
            .OrderBy("SystemModstamp")
            .OrderBy("Id")
            .Limit(2000);

        Assert.Equal(
            "SELECT Id, Name, Owner.Email, SystemModstamp FROM Account " +
            "WHERE SystemModstamp >= 2026-11-25T09:58:00Z AND (Type NOT IN ('Partner', 'Competitor') OR Type = null) " +
            "ORDER BY SystemModstamp, Id LIMIT 2000",
            query.ToSoql());
    }

    [Fact]
    public void Builder_IsImmutable()
    {
        var baseQuery = SoqlQuery.From("Contact").Select("Id");
        var filtered = baseQuery.Where(Soql.Field("Email").IsNotNull()).OrderBy("Id", descending: true);

        Assert.Equal("SELECT Id FROM Contact", baseQuery.ToSoql());
        Assert.Equal("SELECT Id FROM Contact WHERE Email != null ORDER BY Id DESC", filtered.ToSoql());
    }

    [Theory]
    [InlineData("Name")]
    [InlineData("ABM_Tier__c")]
    [InlineData("ns__Score__c")]
    [InlineData("Account.Owner.Email")]
    [InlineData("ABM_SDR__r.Email")]
    public void Field_ValidIdentifiers_AreAccepted(string path) =>
        Assert.Equal(path, Soql.Field(path).Path);

    [Theory]
    [InlineData("")]
    [InlineData("Name FROM User --")]
    [InlineData("Name,Id")]
    [InlineData("Name'")]
    [InlineData("1Name")]
    [InlineData("_Name")]
    [InlineData("Name_")]
    [InlineData("Bad___c")]
    [InlineData("Owner..Email")]
    [InlineData("COUNT()")]
    [InlineData("Name)")]
    public void Field_InvalidIdentifiers_AreRefused(string path)
    {
        Assert.Throws<ArgumentException>(() => Soql.Field(path));
        Assert.Throws<ArgumentException>(() => SoqlQuery.From("Account").Select(path));
        Assert.Throws<ArgumentException>(() => SoqlQuery.From("Account").Select("Id").OrderBy(path));
    }

    [Theory]
    [InlineData("Account WHERE Id != null")]
    [InlineData("Account.Owner")]
    [InlineData("")]
    public void From_InvalidObjectName_IsRefused(string name) =>
        Assert.Throws<ArgumentException>(() => SoqlQuery.From(name));

    [Fact]
    public void Misuse_IsRefused()
    {
        Assert.Throws<InvalidOperationException>(() => SoqlQuery.From("Account").ToSoql());
        Assert.Throws<ArgumentOutOfRangeException>(() => SoqlQuery.From("Account").Limit(0));
        Assert.Throws<ArgumentException>(() => Soql.Field("Id").In());
        Assert.Throws<ArgumentException>(() => Soql.Field("Id").In(new List<string>()));
    }
}
