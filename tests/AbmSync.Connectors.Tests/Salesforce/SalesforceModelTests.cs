using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.Tests.Salesforce;

public sealed class SalesforceModelTests
{
    [Theory]
    [InlineData("2026-11-25T10:00:00.000+0000", "2026-11-25T10:00:00.0000000+00:00")]
    [InlineData("2013-05-20T20:49:32.000+0000", "2013-05-20T20:49:32.0000000+00:00")]
    [InlineData("2026-11-25T12:00:00.123+0200", "2026-11-25T10:00:00.1230000+00:00")]
    [InlineData("2026-11-25T10:00:00.000-0530", "2026-11-25T15:30:00.0000000+00:00")]
    [InlineData("2026-11-25T10:00:00Z", "2026-11-25T10:00:00.0000000+00:00")]
    [InlineData("2026-11-25T10:00:00.5+00:00", "2026-11-25T10:00:00.5000000+00:00")]
    [InlineData("2026-11-25", "2026-11-25T00:00:00.0000000+00:00")]
    public void SalesforceDateTime_Parse_AcceptsSalesforceForms(string value, string expectedRoundTrip) =>
        Assert.Equal(expectedRoundTrip, SalesforceDateTime.Parse(value).ToString("O"));

    [Theory]
    [InlineData("25/11/2026")]
    [InlineData("2026-11-25T10:00")]
    [InlineData("yesterday")]
    public void SalesforceDateTime_Parse_RefusesOtherText(string value) =>
        Assert.Throws<FormatException>(() => SalesforceDateTime.Parse(value));

    [Fact]
    public void SalesforceDateTime_Format_WritesMillisecondsAndPlus0000()
    {
        var value = new DateTimeOffset(2026, 11, 25, 12, 0, 0, 7, TimeSpan.FromHours(2));
        Assert.Equal("2026-11-25T10:00:00.007+0000", SalesforceDateTime.Format(value));
    }

    [Fact]
    public void SObjectRecord_Getters_ReadNestedAndTypedValues()
    {
        var record = SalesforceClient.ParseRecord(JsonNode.Parse("""
            {"attributes":{"type":"Account","url":"/x"},"Id":"001A00000000000001","Name":"Acme","NumberOfEmployees":250,
             "AnnualRevenue":1234567.89,"ABM_Tier_Locked__c":true,"SystemModstamp":"2026-11-25T10:00:00.000+0000",
             "Owner":{"attributes":{"type":"User"},"Email":"ae@example.com","Manager":null},"Parent":null}
            """)!.AsObject());

        Assert.Equal("Account", record.Type);
        Assert.Equal("001A00000000000001", record.Id);
        Assert.Equal("ae@example.com", record.GetString("Owner.Email"));
        Assert.Equal("ae@example.com", record.GetString("owner.email"));
        Assert.Null(record.GetString("Owner.Manager.Email"));
        Assert.Null(record.GetString("Parent.Name"));
        Assert.True(record.Has("Parent"));
        Assert.False(record.Has("Website"));
        Assert.Equal(250, record.GetInt("NumberOfEmployees"));
        Assert.Equal("250", record.GetString("NumberOfEmployees"));
        Assert.Equal(1234567.89m, record.GetDecimal("AnnualRevenue"));
        Assert.True(record.GetBool("ABM_Tier_Locked__c"));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), record.GetDateTime("SystemModstamp"));
    }

    [Theory]
    [InlineData("api-usage=10018/100000", 10018L, 100000L)]
    [InlineData("api-usage=1/15000; api-bursts=1/750", 1L, 15000L)]
    [InlineData("per-app-api-usage=17/250(appName=x); api-usage=18/5000", 18L, 5000L)]
    public void ApiUsage_Parse_ReadsTheHeader(string header, long used, long max) =>
        Assert.Equal(new ApiUsage(used, max), ApiUsage.Parse(header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("per-app-api-usage=17/250(appName=x)")]
    [InlineData("api-usage=abc/100")]
    public void ApiUsage_Parse_NoUsage_GivesNull(string? header) =>
        Assert.Null(ApiUsage.Parse(header));

    [Theory]
    [InlineData("GET", "/services/data/v66.0/query", "GET /services/data/{version}/query", "Read")]
    [InlineData("GET", "/services/data/v66.0/query/01gD0000000002-2000", "GET /services/data/{version}/query/{locator}", "Read")]
    [InlineData("GET", "/services/data/v66.0/queryAll", "GET /services/data/{version}/queryAll", "Read")]
    [InlineData("GET", "/services/data/v66.0/sobjects/Account/describe", "GET /services/data/{version}/sobjects/{sobject}/describe", "Read")]
    [InlineData("GET", "/services/data/v66.0/sobjects/Account/001A00000000000001", "GET /services/data/{version}/sobjects/{sobject}/{id}", "Read")]
    [InlineData("GET", "/services/data/v66.0/sobjects/Account/updated/", "GET /services/data/{version}/sobjects/{sobject}/updated", "Read")]
    [InlineData("GET", "/services/data/v66.0/sobjects/Account/deleted", "GET /services/data/{version}/sobjects/{sobject}/deleted", "Read")]
    [InlineData("GET", "/services/data/v66.0/limits", "GET /services/data/{version}/limits", "Read")]
    [InlineData("POST", "/services/oauth2/token", "POST /services/oauth2/token", "Other")]
    [InlineData("GET", "/services/data", "GET /services/data", "Other")]
    [InlineData("PATCH", "/services/data/v66.0/composite/sobjects", "PATCH /services/data/{version}/composite/sobjects", "Write")]
    [InlineData("POST", "/services/data/v66.0/composite/sobjects", "POST /services/data/{version}/composite/sobjects", "Write")]
    [InlineData("DELETE", "/services/data/v66.0/composite/sobjects", "DELETE /services/data/{version}/composite/sobjects", "Write")]
    [InlineData("PATCH", "/services/data/v66.0/composite/sobjects/Account/ABM_HubSpot_Id__c", "PATCH /services/data/{version}/composite/sobjects/{sobject}/{field}", "Write")]
    [InlineData("GET", "/services/data/v66.0/composite/sobjects/Account", "GET /services/data/{version}/composite/sobjects/{sobject}", "Read")]
    [InlineData("POST", "/services/data/v66.0/composite/sobjects/Account", "POST /services/data/{version}/composite/sobjects/{sobject}", "Read")]
    [InlineData("POST", "/services/data/v66.0/sobjects/Account", "POST /services/data/{version}/sobjects/{sobject}", "Write")]
    [InlineData("PATCH", "/services/data/v66.0/sobjects/Account/001A00000000000001", "PATCH /services/data/{version}/sobjects/{sobject}/{id}", "Write")]
    [InlineData("DELETE", "/services/data/v66.0/sobjects/Account/001A00000000000001", "DELETE /services/data/{version}/sobjects/{sobject}/{id}", "Write")]
    [InlineData("PATCH", "/services/data/v66.0/sobjects/Account/ABM_HubSpot_Id__c/123", "PATCH /services/data/{version}/sobjects/{sobject}/{field}/{value}", "Write")]
    [InlineData("POST", "/services/data/v66.0/jobs/query", "POST /services/data/{version}/jobs/query", "Other")]
    [InlineData("GET", "/services/data/v66.0/jobs/query/750R0000000zlh9IAA", "GET /services/data/{version}/jobs/query/{id}", "Read")]
    [InlineData("GET", "/services/data/v66.0/jobs/query/750R0000000zlh9IAA/results", "GET /services/data/{version}/jobs/query/{id}/results", "Read")]
    [InlineData("PATCH", "/services/data/v66.0/jobs/query/750R0000000zlh9IAA", "PATCH /services/data/{version}/jobs/query/{id}", "Other")]
    [InlineData("POST", "/services/data/v66.0/jobs/ingest", "POST /services/data/{version}/jobs/ingest", "Other")]
    [InlineData("PUT", "/services/data/v66.0/jobs/ingest/7505e000001/batches", "PUT /services/data/{version}/jobs/ingest/{id}/batches", "Write")]
    [InlineData("PATCH", "/services/data/v66.0/jobs/ingest/7505e000001", "PATCH /services/data/{version}/jobs/ingest/{id}", "Other")]
    [InlineData("GET", "/services/data/v66.0/jobs/ingest/7505e000001", "GET /services/data/{version}/jobs/ingest/{id}", "Other")]
    [InlineData("GET", "/services/data/v66.0/jobs/ingest/7505e000001/failedResults/", "GET /services/data/{version}/jobs/ingest/{id}/failedResults", "Other")]
    [InlineData("POST", "/services/data/v66.0/composite", "POST /services/data/{version}/composite", "Other")]
    public void CallCounter_Classify_MatchesTheReadmeTable(string method, string path, string key, string kind)
    {
        var counter = new SalesforceCallCounter();
        counter.RecordRequest(new HttpMethod(method), path);
        var snapshot = counter.Snapshot();

        Assert.Equal(1, snapshot.Calls);
        Assert.Equal(1, snapshot.ByEndpoint[key]);
        Assert.Equal(kind == "Read" ? 1 : 0, snapshot.Reads);
        Assert.Equal(kind == "Write" ? 1 : 0, snapshot.Writes);

        counter.Reset();
        Assert.Equal(0, counter.Calls);
        Assert.Empty(counter.ByEndpoint);
    }

    [Fact]
    public void Options_ToString_HidesSecrets()
    {
        var options = new SalesforceOptions { ClientId = "cid", ClientSecret = "very-secret", RefreshToken = "5Aep-refresh" };
        var text = options.ToString();

        Assert.DoesNotContain("very-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("5Aep-refresh", text, StringComparison.Ordinal);
        Assert.Contains("ClientSecret = ***", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SalesforceAuthFlow.ClientCredentials, "secret", null, null, null, true)]
    [InlineData(SalesforceAuthFlow.ClientCredentials, null, null, null, null, false)]
    [InlineData(SalesforceAuthFlow.JwtBearer, null, "user@example.com", "/keys/sf.pem", null, true)]
    [InlineData(SalesforceAuthFlow.JwtBearer, null, "user@example.com", null, null, false)]
    [InlineData(SalesforceAuthFlow.JwtBearer, null, null, "/keys/sf.pem", null, false)]
    [InlineData(SalesforceAuthFlow.RefreshToken, null, null, null, "5Aep", true)]
    [InlineData(SalesforceAuthFlow.RefreshToken, null, null, null, null, false)]
    public void OptionsValidator_CrossFieldRules(SalesforceAuthFlow flow, string? secret, string? user, string? key, string? refresh, bool valid)
    {
        var options = new SalesforceOptions
        {
            ClientId = "cid", AuthFlow = flow, ClientSecret = secret, Username = user, PrivateKeyPath = key, RefreshToken = refresh,
        };

        var result = new SalesforceOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void Options_BadApiVersionOrBatchSize_FailDataAnnotations()
    {
        var validator = new DataAnnotationValidateOptions<SalesforceOptions>(null);

        Assert.True(validator.Validate(null, new SalesforceOptions { ClientId = "c" }).Succeeded);
        Assert.False(validator.Validate(null, new SalesforceOptions { ClientId = "c", ApiVersion = "66.0" }).Succeeded);
        Assert.False(validator.Validate(null, new SalesforceOptions { ClientId = "c", ApiVersion = "v66.00" }).Succeeded);
        Assert.False(validator.Validate(null, new SalesforceOptions { ClientId = "c", QueryBatchSize = 100 }).Succeeded);
        Assert.False(validator.Validate(null, new SalesforceOptions { ClientId = "c", QueryBatchSize = 2001 }).Succeeded);
    }
}
