using System.Net;
using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static AbmSync.Connectors.Tests.Salesforce.SalesforceTestHost;

namespace AbmSync.Connectors.Tests.Salesforce;

/// <summary>Issue 3 §3 and §9: each error code Salesforce answers, and what the connector does with it.</summary>
public sealed class SalesforceErrorCodeTests
{
    [Theory]
    [InlineData("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", true)]
    [InlineData("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Tier must be set when the score is above 75", false)]
    [InlineData("STRING_TOO_LONG", "ABM Tier Reason: data value too large", false)]
    [InlineData("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "bad value for restricted picklist field: Tier 9", false)]
    [InlineData("DUPLICATE_VALUE", "duplicate value found: ABM_HubSpot_Id__c duplicates value on record with id: 001A00000000000009", false)]
    [InlineData("ENTITY_IS_DELETED", "entity is deleted", false)]
    [InlineData("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", false)]
    [InlineData("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", false)]
    [InlineData("CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", "ABMTrigger: execution of BeforeUpdate caused an exception", false)]
    [InlineData("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", false)]
    public async Task UpdateAsync_PerRecordErrorCode_IsReportedOnItsRecordAndClassified(string code, string message, bool retryable)
    {
        using var host = Start();
        var failure = new JsonObject
        {
            ["id"] = "001A00000000000002",
            ["success"] = false,
            ["errors"] = new JsonArray(new JsonObject { ["statusCode"] = code, ["message"] = message, ["fields"] = new JsonArray("ABM_Tier__c") }),
        };
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingPatch())
            .RespondWith(Json(200, new JsonArray(
                new JsonObject { ["id"] = "001A00000000000001", ["success"] = true, ["errors"] = new JsonArray() },
                failure,
                new JsonObject { ["id"] = "001A00000000000003", ["success"] = true, ["errors"] = new JsonArray() }).ToJsonString()));
        var records = Enumerable.Range(1, 3)
            .Select(i => SObjectRecord.Create("Account", $"001A0000000000000{i}", [new("ABM_Tier__c", "Tier 1")])).ToList();

        var results = await host.Client.UpdateAsync(records);

        Assert.True(results[0].Success && results[2].Success);
        var error = Assert.Single(results[1].Errors);
        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal(["ABM_Tier__c"], error.Fields);
        Assert.Equal(retryable, error.IsRetryable);
        Assert.Equal(retryable, results[1].IsRetryable);
        // Per-record errors are the caller's to re-submit: one HTTP call, never an HTTP retry.
        Assert.Single(host.Requests($"{DataPath}/composite/sobjects"));
    }

    [Fact]
    public async Task UpdateAsync_AllOrNoneRollback_IsNotRetryableOnItsOwn()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingPatch())
            .RespondWith(Json(200, """
                [{"success":false,"errors":[{"statusCode":"ALL_OR_NONE_OPERATION_ROLLED_BACK","message":"Record rolled back because not all records were valid and the request was using AllOrNone header","fields":[]}]}]
                """));

        var result = Assert.Single(await host.Client.UpdateAsync([SObjectRecord.Create("Account", "001A00000000000001", [new("Name", "x")])]));

        Assert.True(result.Errors[0].IsRolledBack);
        Assert.False(result.IsRetryable);
    }

    [Theory]
    [InlineData(400, "MALFORMED_QUERY", "unexpected token: FORM")]
    [InlineData(400, "INVALID_FIELD", "No such column 'ABM_Tier__c' on entity 'Account'")]
    [InlineData(400, "INVALID_TYPE", "sObject type 'Acount' is not supported.")]
    [InlineData(400, "QUERY_TIMEOUT", "Your query request was running for too long.")]
    [InlineData(403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization.")]
    [InlineData(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")]
    [InlineData(404, "NOT_FOUND", "The requested resource does not exist")]
    public async Task Query_TopLevelErrorCode_ThrowsOnceWithTheCode(int status, string code, string message)
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(status, new JsonArray(new JsonObject { ["message"] = message, ["errorCode"] = code }).ToJsonString()));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() =>
            host.Client.QueryAsync(SoqlQuery.From("Account").Select("Id", "ABM_Tier__c")));

        Assert.Equal((HttpStatusCode)status, e.StatusCode);
        Assert.Equal(code, e.ErrorCode);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ABM_Tier__c FROM", e.Message, StringComparison.Ordinal);
        Assert.Single(host.Requests($"{DataPath}/query"));
    }

    [Theory]
    [InlineData(502)]
    [InlineData(504)]
    public async Task Query_GatewayErrors_AreRetried(int status)
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("gw").WillSetStateTo("ok").RespondWith(Json(status, "[]"));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("gw").WhenStateIs("ok").RespondWith(Json(200, """{"totalSize":0,"done":true,"records":[]}"""));

        var page = await host.Client.QueryAsync(SoqlQuery.From("Account").Select("Id"));

        Assert.True(page.Done);
        Assert.Equal(2, host.Requests($"{DataPath}/query").Count);
    }

    private static SalesforceTestHost StartWithUnreachableInstance(Action<SalesforceOptions>? configure = null)
    {
        // A port that was just released refuses connections: a real HttpRequestException, not a mocked answer.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var host = Start(configure, stubToken: false);
        host.Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .RespondWith(Json(200, $$"""{"access_token":"tok1","instance_url":"http://127.0.0.1:{{closedPort}}","token_type":"Bearer"}"""));
        return host;
    }

    [Fact]
    public async Task Query_ConnectionRefused_IsRetriedThenSurfacesWrapped()
    {
        using var host = StartWithUnreachableInstance(o => o.MaxRetryAttempts = 2);

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.QueryAsync(SoqlQuery.From("Account").Select("Id")));

        Assert.IsType<HttpRequestException>(e.InnerException);
        Assert.Equal(3, host.Counter.ByEndpoint["GET /services/data/{version}/query"]);
        Assert.DoesNotContain("may or may not", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ConnectionFailure_IsNotRetriedAndSaysTheOutcomeIsUnknown()
    {
        using var host = StartWithUnreachableInstance();

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() =>
            host.Client.CreateAsync([SObjectRecord.Create("Account", null, [new("Name", "New Co")])]));

        Assert.IsType<HttpRequestException>(e.InnerException);
        Assert.Contains("may or may not have been applied", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Counter.ByEndpoint["POST /services/data/{version}/composite/sobjects"]);
    }

    [Fact]
    public async Task Query_EmptySuccessBody_IsAnError()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Response.Create().WithFault(FaultType.EMPTY_RESPONSE));

        await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.QueryAsync(SoqlQuery.From("Account").Select("Id")));
    }

    [Fact]
    public async Task Query_SlowAttempts_TimeOutAreRetriedThenSurfaceWrapped()
    {
        using var host = Start(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(250);
            o.MaxRetryAttempts = 2;
        });
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(200, """{"totalSize":0,"done":true,"records":[]}""").WithDelay(TimeSpan.FromSeconds(5)));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.QueryAsync(SoqlQuery.From("Account").Select("Id")));

        // Every attempt timed out: the deadline handler says so in words, with Polly's time-out inside.
        var timedOut = Assert.IsType<HttpRequestException>(e.InnerException);
        Assert.Contains("every attempt timed out", timedOut.Message, StringComparison.Ordinal);
        Assert.IsType<Polly.Timeout.TimeoutRejectedException>(timedOut.InnerException);
        Assert.Equal(3, host.Counter.ByEndpoint["GET /services/data/{version}/query"]);
    }

    [Fact]
    public async Task Query_RetryAfterBeyondCap_IsNotWaitedFor()
    {
        using var host = Start(o => o.MaxRetryAfter = TimeSpan.FromSeconds(10));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(503, "[]").WithHeader("Retry-After", "3600"));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.QueryAsync(SoqlQuery.From("Account").Select("Id")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Single(host.Requests($"{DataPath}/query"));
    }
}
