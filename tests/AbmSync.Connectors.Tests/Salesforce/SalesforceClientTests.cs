using System.Net;
using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using static AbmSync.Connectors.Tests.Salesforce.SalesforceTestHost;

namespace AbmSync.Connectors.Tests.Salesforce;

public sealed class SalesforceClientTests
{
    private static readonly SoqlQuery AccountsQuery =
        SoqlQuery.From("Account").Select("Id", "Name", "Owner.Email").OrderBy("SystemModstamp").OrderBy("Id");

    private static string Page(int from, int count, int total, string? next)
    {
        var records = new JsonArray(Enumerable.Range(from, count).Select(i => (JsonNode?)new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = "Account", ["url"] = $"{DataPath}/sobjects/Account/001A{i:D14}" },
            ["Id"] = $"001A{i:D14}",
            ["Name"] = $"Acme {i}",
            ["Owner"] = new JsonObject { ["attributes"] = new JsonObject { ["type"] = "User" }, ["Email"] = $"rep{i}@example.com" },
        }).ToArray());
        var page = new JsonObject { ["totalSize"] = total, ["done"] = next is null };
        if (next is not null)
        {
            page["nextRecordsUrl"] = next;
        }

        page["records"] = records;
        return page.ToJsonString();
    }

    [Fact]
    public async Task QueryPagesAsync_ThreePages_FollowsNextRecordsUrlWithBatchSizeAndBearer()
    {
        using var host = Start(o => o.QueryBatchSize = 500);
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(200, Page(0, 2, 5, $"{DataPath}/query/01gD0000000002-2")));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query/01gD0000000002-2").UsingGet())
            .RespondWith(Json(200, Page(2, 2, 5, $"{DataPath}/query/01gD0000000002-4")));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query/01gD0000000002-4").UsingGet())
            .RespondWith(Json(200, Page(4, 1, 5, null)));

        var pages = new List<SoqlPage>();
        await foreach (var page in host.Client.QueryPagesAsync(AccountsQuery))
        {
            pages.Add(page);
        }

        Assert.Equal([2, 2, 1], pages.Select(p => p.Records.Count));
        Assert.True(pages[2].Done);
        var all = pages.SelectMany(p => p.Records).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"001A{i:D14}"), all.Select(r => r.Id));
        Assert.Equal("Account", all[0].Type);
        Assert.Equal("rep3@example.com", all[3].GetString("Owner.Email"));
        Assert.False(all[0].Fields.ContainsKey("attributes"));

        var first = Assert.Single(host.Requests($"{DataPath}/query"));
        Assert.Equal(AccountsQuery.ToSoql(), first.RequestMessage.Query!["q"].Single());
        Assert.Equal("batchSize=500", Header(first, "Sforce-Query-Options"));
        Assert.Equal("Bearer tok1", Header(first, "Authorization"));
        Assert.Single(host.Requests("/services/oauth2/token"));

        var stats = host.Counter.Snapshot();
        Assert.Equal(4, stats.Calls);
        Assert.Equal(3, stats.Reads);
        Assert.Equal(0, stats.Writes);
        Assert.Equal(1, stats.ByEndpoint["POST /services/oauth2/token"]);
        Assert.Equal(1, stats.ByEndpoint["GET /services/data/{version}/query"]);
        Assert.Equal(2, stats.ByEndpoint["GET /services/data/{version}/query/{locator}"]);
        Assert.Equal(new ApiUsage(25, 15000), host.Client.LastApiUsage);
    }

    [Fact]
    public async Task QueryAsync_IncludeDeleted_UsesQueryAll()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/queryAll").UsingGet())
            .RespondWith(Json(200, Page(0, 1, 1, null)));

        var page = await host.Client.QueryAsync(AccountsQuery, includeDeleted: true);

        Assert.Single(page.Records);
        Assert.Single(host.Requests($"{DataPath}/queryAll"));
        Assert.Empty(host.Requests($"{DataPath}/query"));
    }

    [Fact]
    public async Task Send_401InvalidSession_ReauthenticatesOnceAndReplays()
    {
        using var host = Start(stubToken: false);
        host.Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .InScenario("token").WillSetStateTo("second").RespondWith(host.TokenResponse("tok1"));
        host.Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .InScenario("token").WhenStateIs("second").RespondWith(host.TokenResponse("tok2"));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet().WithHeader("Authorization", "Bearer tok1"))
            .RespondWith(Json(401, """[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"""));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet().WithHeader("Authorization", "Bearer tok2"))
            .RespondWith(Json(200, Page(0, 1, 1, null)));

        var page = await host.Client.QueryAsync(AccountsQuery);
        var again = await host.Client.QueryAsync(AccountsQuery);

        Assert.Single(page.Records);
        Assert.Single(again.Records);
        Assert.Equal(2, host.Requests("/services/oauth2/token").Count);
        Assert.Equal(["Bearer tok1", "Bearer tok2", "Bearer tok2"], host.Requests($"{DataPath}/query").Select(e => Header(e, "Authorization")));
        Assert.Equal(5, host.Counter.Calls);
    }

    [Fact]
    public async Task Send_401AfterReauthentication_FailsWithoutLooping()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(401, """[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"""));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.QueryAsync(AccountsQuery));

        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Equal("INVALID_SESSION_ID", e.ErrorCode);
        Assert.Equal(2, host.Requests("/services/oauth2/token").Count);
        Assert.Equal(2, host.Requests($"{DataPath}/query").Count);
        Assert.DoesNotContain("tok1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_503ThenSuccess_Retries()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("flaky").WillSetStateTo("up")
            .RespondWith(Json(503, """[{"message":"Server unavailable","errorCode":"SERVER_UNAVAILABLE"}]"""));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("flaky").WhenStateIs("up").RespondWith(Json(200, Page(0, 3, 3, null)));

        var page = await host.Client.QueryAsync(AccountsQuery);

        Assert.Equal(3, page.Records.Count);
        Assert.Equal(2, host.Requests($"{DataPath}/query").Count);
        Assert.Equal(2, host.Counter.Reads);
    }

    [Fact]
    public async Task Send_503Persistent_GivesUpAfterMaxRetries()
    {
        using var host = Start(o => o.MaxRetryAttempts = 2);
        host.Server.Given(Request.Create().WithPath($"{DataPath}/limits").UsingGet())
            .RespondWith(Json(503, "<html>maintenance</html>"));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.GetLimitsAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Equal(3, host.Requests($"{DataPath}/limits").Count);
    }

    [Fact]
    public async Task Send_429WithRetryAfter_WaitsThatLongBeforeReplaying()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        using var host = Start(time: time);
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("throttle").WillSetStateTo("open")
            .RespondWith(Json(429, "[]").WithHeader("Retry-After", "30"));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("throttle").WhenStateIs("open").RespondWith(Json(200, Page(0, 1, 1, null)));

        var task = host.Client.QueryAsync(AccountsQuery);
        await WaitUntil(() => host.Requests($"{DataPath}/query").Count == 1);
        await Task.Delay(100);
        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(100);
        Assert.False(task.IsCompleted, "the retry must wait for Retry-After (30 s), not the 1 ms backoff");
        Assert.Single(host.Requests($"{DataPath}/query"));

        time.Advance(TimeSpan.FromSeconds(2));
        var page = await task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(page.Records);
        Assert.Equal(2, host.Requests($"{DataPath}/query").Count);
        Assert.Equal(1, host.Counter.Throttled);
    }

    [Fact]
    public async Task Send_403RequestLimitExceeded_IsNotRetriedAndCountsAsThrottled()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(403, """[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"""));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.QueryAsync(AccountsQuery));

        Assert.True(e.IsRequestLimitExceeded);
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Single(host.Requests($"{DataPath}/query"));
        Assert.Equal(1, host.Counter.Throttled);
    }

    [Fact]
    public async Task UpdateAsync_PerRecordErrors_MapToTheirInputs()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingPatch())
            .RespondWith(Json(200, """
                [{"id":"001A00000000000001","success":true,"errors":[]},
                 {"success":false,"errors":[{"statusCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","message":"Score must be 0-100","fields":["ABM_Score__c"]}]},
                 {"id":"001A00000000000003","success":false,"errors":[{"statusCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access to this record","fields":[]}]}]
                """));
        var records = new[] { "001A00000000000001", "001A00000000000002", "001A00000000000003" }
            .Select((id, i) => SObjectRecord.Create("Account", id, [new("ABM_Score__c", i * 60), new("ABM_Tier__c", "Tier 1")]))
            .ToList();

        var results = await host.Client.UpdateAsync(records);

        Assert.Equal(3, results.Count);
        Assert.True(results[0].Success);
        Assert.False(results[1].Success);
        Assert.Equal("FIELD_CUSTOM_VALIDATION_EXCEPTION", results[1].Errors[0].Code);
        Assert.Equal(["ABM_Score__c"], results[1].Errors[0].Fields);
        Assert.False(results[1].IsRetryable);
        Assert.True(results[2].IsRetryable);

        var body = JsonNode.Parse(Assert.Single(host.Requests($"{DataPath}/composite/sobjects")).RequestMessage.Body!)!;
        Assert.False((bool)body["allOrNone"]!);
        Assert.Equal("Account", (string?)body["records"]![1]!["attributes"]!["type"]);
        Assert.Equal("001A00000000000002", (string?)body["records"]![1]!["id"]);
        Assert.Equal(60, (int)body["records"]![1]!["ABM_Score__c"]!);
        Assert.Equal(1, host.Counter.Writes);
    }

    [Fact]
    public async Task UpdateAsync_450Records_SendsThreeChunksAndKeepsOrder()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingPatch())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200)
                .WithHeader("Content-Type", "application/json")
                .WithBody(request =>
                {
                    var ids = JsonNode.Parse(request.Body!)!["records"]!.AsArray().Select(r => (string?)r!["id"]);
                    return "[" + string.Join(",", ids.Select(id => $$"""{"id":"{{id}}","success":true,"errors":[]}""")) + "]";
                }));
        var records = Enumerable.Range(0, 450)
            .Select(i => SObjectRecord.Create("Account", $"001A{i:D14}", [new("Name", $"N{i}")]))
            .ToList();

        var results = await host.Client.UpdateAsync(records);

        Assert.Equal([200, 200, 50], host.Requests($"{DataPath}/composite/sobjects")
            .Select(e => JsonNode.Parse(e.RequestMessage.Body!)!["records"]!.AsArray().Count));
        Assert.Equal(records.Select(r => r.Id), results.Select(r => r.Id));
        Assert.Equal(3, host.Counter.Writes);
    }

    [Fact]
    public async Task UpdateAsync_ResultCountMismatch_Throws()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingPatch())
            .RespondWith(Json(200, """[{"id":"001A00000000000001","success":true,"errors":[]}]"""));
        var records = new[] { "001A00000000000001", "001A00000000000002" }
            .Select(id => SObjectRecord.Create("Account", id, [new("Name", "x")])).ToList();

        await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.UpdateAsync(records));
    }

    [Fact]
    public async Task CreateAsync_503_IsNeverRetried()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingPost())
            .RespondWith(Json(503, "[]"));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() =>
            host.Client.CreateAsync([SObjectRecord.Create("Account", null, [new("Name", "New Co")])]));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Single(host.Requests($"{DataPath}/composite/sobjects", "POST"));
    }

    [Fact]
    public async Task UpsertAsync_ByExternalId_UsesTypedPathAndReportsCreated()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects/Account/ABM_HubSpot_Id__c").UsingPatch())
            .RespondWith(Json(200, """
                [{"id":"001A00000000000001","success":true,"errors":[],"created":true},
                 {"id":"001A00000000000002","success":true,"errors":[],"created":false}]
                """));
        var records = new[] { "101", "102" }
            .Select(h => SObjectRecord.Create("Account", null, [new("ABM_HubSpot_Id__c", h), new("Name", "Co " + h)])).ToList();

        var results = await host.Client.UpsertAsync("Account", "ABM_HubSpot_Id__c", records);

        Assert.Equal([true, false], results.Select(r => r.Created));
        var body = JsonNode.Parse(host.Requests($"{DataPath}/composite/sobjects/Account/ABM_HubSpot_Id__c").Single().RequestMessage.Body!)!;
        Assert.Equal("101", (string?)body["records"]![0]!["ABM_HubSpot_Id__c"]);
        Assert.Null(body["records"]![0]!["id"]);
        Assert.Equal(1, host.Counter.ByEndpoint["PATCH /services/data/{version}/composite/sobjects/{sobject}/{field}"]);
    }

    [Fact]
    public async Task UpsertAsync_WithoutAutoAssign_SendsTheAssignmentRuleHeaderFalse_AndReadsDuplicateMatches()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects/Lead/ABM_HubSpot_Id__c").UsingPatch())
            .RespondWith(Json(200, """
                [{"success":false,"errors":[{"duplicateResult":{"allowSave":true,"duplicateRule":"Standard_Lead_Duplicate_Rule",
                   "duplicateRuleEntityType":"Lead","errorMessage":"Use one of these records?",
                   "matchResults":[{"entityType":"Lead","errors":[],"matchEngine":"ExactMatchEngine",
                     "matchRecords":[{"additionalInformation":[],"fieldDiffs":[],"matchConfidence":100.0,
                        "record":{"attributes":{"type":"Lead","url":"/services/data/v66.0/sobjects/Lead/00QA00000000000001"},"Id":"00QA00000000000001"}},
                       {"additionalInformation":[],"fieldDiffs":[],"matchConfidence":100.0,
                        "record":{"attributes":{"type":"Lead","url":"/services/data/v66.0/sobjects/Lead/00QA00000000000002"},"Id":"00QA00000000000002"}}],
                     "rule":"Standard_Lead_Match_Rule_v1_0","size":2,"success":true}]},
                   "statusCode":"DUPLICATES_DETECTED","message":"Use one of these records?","fields":[]}]},
                 {"id":"00QA00000000000003","success":true,"errors":[],"created":true}]
                """));
        var records = new[] { "201", "202" }
            .Select(h => SObjectRecord.Create("Lead", null, [new("ABM_HubSpot_Id__c", h), new("LastName", "L " + h), new("Company", "C")])).ToList();

        var results = await host.Client.UpsertAsync("Lead", "ABM_HubSpot_Id__c", records, autoAssign: false);

        Assert.Equal("DUPLICATES_DETECTED", results[0].Errors.Single().Code);
        Assert.Equal(["00QA00000000000001", "00QA00000000000002"], results[0].Errors.Single().DuplicateRecordIds);
        Assert.True(results[1].Success);
        Assert.Empty(SalesforceErrorWithoutDuplicates().DuplicateRecordIds);
        var request = host.Requests($"{DataPath}/composite/sobjects/Lead/ABM_HubSpot_Id__c").Single().RequestMessage;
        Assert.Equal("FALSE", request.Headers!["Sforce-Auto-Assign"].Single());
    }

    [Fact]
    public async Task UpdateAsync_ByDefault_LeavesTheAssignmentRuleHeaderOut()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingPatch())
            .RespondWith(Json(200, """[{"id":"00QA00000000000001","success":true,"errors":[]}]"""));

        await host.Client.UpdateAsync([SObjectRecord.Create("Lead", "00QA00000000000001", [new("Title", "CTO")])]);

        Assert.False(host.Requests($"{DataPath}/composite/sobjects", "PATCH").Single().RequestMessage.Headers!.ContainsKey("Sforce-Auto-Assign"));
    }

    static SalesforceError SalesforceErrorWithoutDuplicates() =>
        SalesforceClient.ParseSaveResult(JsonNode.Parse("""{"success":false,"errors":[{"statusCode":"REQUIRED_FIELD_MISSING","message":"m","fields":["LastName"]}]}""")).Errors.Single();

    [Fact]
    public async Task RetrieveAsync_KeepsIdOrderAndNullsForInvisibleIds()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects/Account").UsingPost())
            .RespondWith(Json(200, """
                [{"attributes":{"type":"Account"},"Id":"001A00000000000001","Name":"Acme"},
                 null,
                 {"attributes":{"type":"Account"},"Id":"001A00000000000003","Name":"Gamma"}]
                """));

        var records = await host.Client.RetrieveAsync("Account", ["001A00000000000001", "001A00000000000002", "001A00000000000003"], ["Id", "Name"]);

        Assert.Equal(["Acme", null, "Gamma"], records.Select(r => r?.GetString("Name")));
        var body = JsonNode.Parse(host.Requests($"{DataPath}/composite/sobjects/Account").Single().RequestMessage.Body!)!;
        Assert.Equal(3, body["ids"]!.AsArray().Count);
        Assert.Equal(["Id", "Name"], body["fields"]!.AsArray().Select(f => (string?)f));
        Assert.Equal(1, host.Counter.Reads);
        Assert.Equal(0, host.Counter.Writes);
    }

    [Fact]
    public async Task DeleteAsync_SendsIdsAndAllOrNoneFalse()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/composite/sobjects").UsingDelete())
            .RespondWith(Json(200, """
                [{"id":"001A00000000000001","success":true,"errors":[]},
                 {"id":"001A00000000000002","success":false,"errors":[{"statusCode":"ENTITY_IS_DELETED","message":"entity is deleted","fields":[]}]}]
                """));

        var results = await host.Client.DeleteAsync(["001A00000000000001", "001A00000000000002"]);

        Assert.True(results[0].Success);
        Assert.Equal("ENTITY_IS_DELETED", results[1].Errors[0].Code);
        var request = host.Requests($"{DataPath}/composite/sobjects", "DELETE").Single().RequestMessage;
        Assert.Contains("ids=001A00000000000001,001A00000000000002&", request.RawQuery, StringComparison.Ordinal);
        var query = request.Query!;
        Assert.Equal("false", query["allOrNone"].Single());
        Assert.Equal(1, host.Counter.Writes);
    }

    [Fact]
    public async Task DescribeAsync_ParsesFieldsAndPicklists()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/sobjects/Account/describe").UsingGet())
            .RespondWith(Json(200, """
                {"name":"Account","label":"Account","custom":false,"keyPrefix":"001","createable":true,"updateable":true,"queryable":true,
                 "fields":[
                   {"name":"ABM_Tier__c","label":"ABM Tier","type":"picklist","length":255,"custom":true,"nillable":true,"createable":true,"updateable":true,
                    "externalId":false,"unique":false,"restrictedPicklist":true,"referenceTo":[],"relationshipName":null,
                    "picklistValues":[{"active":true,"defaultValue":false,"label":"Tier 1","validFor":null,"value":"Tier 1"}]},
                   {"name":"ABM_HubSpot_Id__c","label":"HubSpot Id","type":"string","length":32,"custom":true,"nillable":true,"createable":true,"updateable":true,
                    "externalId":true,"unique":true,"restrictedPicklist":false,"referenceTo":[],"picklistValues":[]}]}
                """));

        var describe = await host.Client.DescribeAsync("Account");

        Assert.Equal("001", describe.KeyPrefix);
        var tier = describe.Field("abm_tier__c")!;
        Assert.True(tier.RestrictedPicklist);
        Assert.Equal("Tier 1", Assert.Single(tier.PicklistValues).Value);
        var key = describe.Field("ABM_HubSpot_Id__c")!;
        Assert.True(key.ExternalId && key.Unique);
        Assert.Equal(32, key.Length);
        Assert.Equal(1, host.Counter.Reads);
    }

    [Fact]
    public async Task GetLimitsAsync_ParsesEntries()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/limits").UsingGet())
            .RespondWith(Json(200, """{"DailyApiRequests":{"Max":15000,"Remaining":14998},"DailyBulkV2QueryJobs":{"Max":10000,"Remaining":10000}}"""));

        var limits = await host.Client.GetLimitsAsync();

        Assert.Equal(new OrgLimit(15000, 14998), limits.DailyApiRequests);
        Assert.Equal(10000, limits.Entries["DailyBulkV2QueryJobs"].Max);
    }

    [Fact]
    public async Task Token_InvalidGrant_SurfacesWithoutTheSecret()
    {
        using var host = Start(stubToken: false);
        host.Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .RespondWith(Json(400, """{"error":"invalid_grant","error_description":"authentication failure"}"""));

        var e = await Assert.ThrowsAsync<SalesforceAuthenticationException>(() => host.Client.QueryAsync(AccountsQuery));

        Assert.Equal("invalid_grant", e.Error);
        Assert.Contains("authentication failure", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        var form = host.Requests("/services/oauth2/token").Single().RequestMessage.Body!;
        Assert.Contains("grant_type=client_credentials", form, StringComparison.Ordinal);
        Assert.Contains("client_id=test-client", form, StringComparison.Ordinal);
        Assert.Empty(host.Requests($"{DataPath}/query"));
    }

    [Fact]
    public async Task QueryMoreAsync_ForeignUrl_IsRefused()
    {
        using var host = Start();
        await Assert.ThrowsAsync<ArgumentException>(() => host.Client.QueryMoreAsync("https://evil.example.com/services/data/v66.0/query/x"));
        Assert.Equal(0, host.Counter.Calls);
    }

    [Fact]
    public async Task Logs_AtTraceLevel_NeverCarryTheTokenOrSecret()
    {
        var logs = new CapturingLoggerProvider();
        using var host = Start(logs: logs);
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("once").WillSetStateTo("ok")
            .RespondWith(Json(401, """[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"""));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("once").WhenStateIs("ok").RespondWith(Json(200, Page(0, 1, 1, null)));

        await host.Client.QueryAsync(AccountsQuery);

        Assert.NotEmpty(logs.Lines);
        Assert.Contains(logs.Lines, l => l.Contains("re-authenticating", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("tok1", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "condition not reached in time");
    }
}
