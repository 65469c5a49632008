using System.Text.Json;
using AbmSync.Connectors.HubSpot;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;
using WireMock.Util;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotObjectsTests
{
    private static readonly string[] NameDomain = ["name", "domain"];

    [Fact]
    public async Task ListAsync_FollowsPagingNextAfter_UntilItIsAbsent()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet().WithParam("after", "page-2-cursor"))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"results":[{"id":"3","properties":{"name":"Gamma","domain":null},"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-02-01T10:00:00.123Z","archived":false}]}"""));
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet())
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"results":[{"id":"1","properties":{"name":"Alpha","domain":"alpha.com"}},{"id":"2","properties":{"name":"Beta","numberofemployees":17}}],"paging":{"next":{"after":"page-2-cursor","link":"?after=page-2-cursor"}}}"""));

        var pages = new List<HubSpotPage>();
        await foreach (var page in f.Client.ListAllAsync("companies", NameDomain))
        {
            pages.Add(page);
        }

        Assert.Equal(2, pages.Count);
        Assert.Equal("page-2-cursor", pages[0].NextAfter);
        Assert.Null(pages[1].NextAfter);
        Assert.Equal(["1", "2", "3"], pages.SelectMany(p => p.Results).Select(r => r.Id));
        Assert.Equal("alpha.com", pages[0].Results[0]["domain"]);
        Assert.Equal("17", pages[0].Results[1]["numberofemployees"]);
        Assert.Null(pages[1].Results[0]["domain"]);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 10, 0, 0, 123, TimeSpan.Zero), pages[1].Results[0].UpdatedAt);

        var first = f.Server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).First().RequestMessage;
        Assert.Equal("100", first.Query!["limit"].ToString());
        Assert.Equal("name,domain", first.Query!["properties"].ToString());
        Assert.Equal("Bearer " + HubSpotFixture.Token, first.Headers!["Authorization"].ToString());
        Assert.Equal(2, f.Counter.Snapshot().Reads);
        Assert.Equal(2, f.Counter.Snapshot().ByEndpoint["GET /crm/v3/objects/{objectType}"]);
    }

    [Fact]
    public async Task BatchUpsert_207MultiStatus_SplitsIntoOutcomesAlignedWithInputs()
    {
        using var f = HubSpotFixture.Create();
        // Results out of input order, one input refused: HubSpot names it in errors[].context.ids.
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies/batch/upsert").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(207).WithBody(
                """
                {"status":"COMPLETE","numErrors":1,
                 "results":[
                   {"id":"902","new":false,"properties":{"abm_salesforce_id":"001B","abm_tier":"Tier 2"}},
                   {"id":"901","new":true,"properties":{"abm_salesforce_id":"001A","abm_tier":"Tier 1"}}],
                 "errors":[{"status":"error","category":"VALIDATION_ERROR","message":"Property values were not valid","context":{"ids":["001C"]},
                            "errors":[{"message":"abm_tier: 'Tier 9' is not a valid option","code":"INVALID_OPTION"}],"correlationId":"c-1"}],
                 "startedAt":"2026-11-25T10:00:00Z","completedAt":"2026-11-25T10:00:01Z"}
                """));

        var result = await f.Client.BatchUpsertAsync("companies", "abm_salesforce_id",
        [
            new HubSpotUpsertInput("001A", new Dictionary<string, string?> { ["abm_tier"] = "Tier 1" }),
            new HubSpotUpsertInput("001B", new Dictionary<string, string?> { ["abm_tier"] = "Tier 2" }),
            new HubSpotUpsertInput("001C", new Dictionary<string, string?> { ["abm_tier"] = "Tier 9", ["abm_score"] = null }),
        ]);

        Assert.Equal(["001A", "001B", "001C"], result.Outcomes.Select(o => o.InputId));
        Assert.Equal("901", result.Outcomes[0].Record!.Id);
        Assert.True(result.Outcomes[0].IsNew);
        Assert.Equal("902", result.Outcomes[1].Record!.Id);
        Assert.False(result.Outcomes[1].IsNew);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("001C", failed.InputId);
        Assert.Equal("VALIDATION_ERROR", failed.Error!.Category);
        Assert.Contains("not a valid option", failed.Error.Message);
        Assert.Equal("c-1", failed.Error.CorrelationId);
        Assert.Equal(2, result.Succeeded.Count);

        var body = Assert.Single(f.BodiesAt("/crm/v3/objects/companies/batch/upsert"));
        var third = body.GetProperty("inputs")[2];
        Assert.Equal("001C", third.GetProperty("id").GetString());
        Assert.Equal("abm_salesforce_id", third.GetProperty("idProperty").GetString());
        Assert.Equal("001C", third.GetProperty("objectWriteTraceId").GetString());
        Assert.Equal(string.Empty, third.GetProperty("properties").GetProperty("abm_score").GetString());
        Assert.Equal(1, f.Counter.Snapshot().Writes);
    }

    [Fact]
    public async Task BatchUpdate_WholeBatch400_BisectsAndWritesEveryValidInput()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/contacts/batch/update").UsingPost())
            .RespondWith(Response.Create().WithCallback(EchoUpdateUnless("105")));

        var inputs = Enumerable.Range(100, 8)
            .Select(i => new HubSpotUpdateInput(i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Dictionary<string, string?> { ["jobtitle"] = "CTO" }))
            .ToList();
        var result = await f.Client.BatchUpdateAsync("contacts", inputs);

        Assert.Equal(inputs.Select(i => i.Id), result.Outcomes.Select(o => o.InputId));
        var bad = Assert.Single(result.Failed);
        Assert.Equal("105", bad.InputId);
        Assert.Equal("VALIDATION_ERROR", bad.Error!.Category);
        Assert.Equal(7, result.Succeeded.Count);

        // 8 → 4 ok + 4 bad → 2 ok + 2 bad → 1 ok + 1 bad: 7 calls, and each valid input written exactly once.
        var bodies = f.BodiesAt("/crm/v3/objects/contacts/batch/update");
        Assert.Equal(7, bodies.Count);
        var written = bodies.Where(b => !Ids(b).Contains("105")).SelectMany(Ids).ToList();
        Assert.Equal(7, written.Count);
        Assert.Equal(7, written.Distinct().Count());
        Assert.Equal(7, f.Counter.Snapshot().Writes);
    }

    [Fact]
    public async Task BatchUpdate_WholeBatch400ForAMissingProperty_FailsEveryInputWithoutSplitting()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/contacts/batch/update").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithBody(
                """{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"abm_buying_role\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"abm_buying_role\"}]","correlationId":"c","category":"VALIDATION_ERROR"}"""));

        var inputs = Enumerable.Range(1, 40).Select(i => new HubSpotUpdateInput($"{i}", new Dictionary<string, string?> { ["abm_buying_role"] = "Champion" })).ToList();
        var result = await f.Client.BatchUpdateAsync("contacts", inputs);

        Assert.Equal(40, result.Failed.Count);
        Assert.All(result.Failed, o => Assert.Contains("abm_buying_role", o.Error!.Message));
        Assert.Single(f.Server.LogEntries);
    }

    [Fact]
    public async Task BatchUpsert_250Inputs_AreSentAsThreeCallsOf100_100_50()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies/batch/upsert").UsingPost())
            .RespondWith(Response.Create().WithCallback(req =>
            {
                using var doc = JsonDocument.Parse(req.Body!);
                var results = doc.RootElement.GetProperty("inputs").EnumerateArray().Reverse()
                    .Select(i => new { id = "hs-" + i.GetProperty("id").GetString(), @new = true, properties = new Dictionary<string, string?> { ["abm_salesforce_id"] = i.GetProperty("id").GetString() } });
                return Json(200, new { status = "COMPLETE", results });
            }));

        var inputs = Enumerable.Range(0, 250).Select(i => new HubSpotUpsertInput($"sf{i:000}", new Dictionary<string, string?> { ["name"] = $"Co {i}" })).ToList();
        var result = await f.Client.BatchUpsertAsync("companies", "abm_salesforce_id", inputs);

        var bodies = f.BodiesAt("/crm/v3/objects/companies/batch/upsert");
        Assert.Equal([100, 100, 50], bodies.Select(b => b.GetProperty("inputs").GetArrayLength()).Order().Reverse());
        Assert.Equal(250, result.Outcomes.Count);
        Assert.All(result.Outcomes.Select((o, i) => (o, i)), x => Assert.Equal("hs-" + inputs[x.i].Id, x.o.Record!.Id));
        Assert.Equal(3, f.Counter.Snapshot().ByEndpoint["POST /crm/v3/objects/{objectType}/batch/upsert"]);
    }

    [Fact]
    public async Task BatchRead_ByIdProperty_MatchesResultsAndReportsMissingIds()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies/batch/read").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(207).WithBody(
                """
                {"status":"COMPLETE","results":[{"id":"77","properties":{"abm_salesforce_id":"001B","name":"Beta"}}],
                 "numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.","context":{"ids":["001A"]}}]}
                """));

        var result = await f.Client.BatchReadAsync("companies", ["001A", "001B"], ["name"], idProperty: "abm_salesforce_id");

        Assert.Equal("OBJECT_NOT_FOUND", result.Outcomes[0].Error!.Category);
        Assert.Equal("77", result.Outcomes[1].Record!.Id);
        var body = Assert.Single(f.BodiesAt("/crm/v3/objects/companies/batch/read"));
        Assert.Equal("abm_salesforce_id", body.GetProperty("idProperty").GetString());
        Assert.Contains("abm_salesforce_id", body.GetProperty("properties").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(1, f.Counter.Snapshot().Reads);
        Assert.Equal(0, f.Counter.Snapshot().Writes);
    }

    [Fact]
    public async Task BatchUpsert_MatchesByEchoedTraceId_WhenTheIdPropertyIsNotEchoed()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/contacts/batch/upsert").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"status":"COMPLETE","results":[{"id":"2","new":true,"objectWriteTraceId":"b@example.com","properties":{}},{"id":"1","new":false,"objectWriteTraceId":"a@example.com","properties":{}}]}"""));

        var result = await f.Client.BatchUpsertAsync("contacts", "email",
        [
            new HubSpotUpsertInput("a@example.com", new Dictionary<string, string?> { ["jobtitle"] = "CFO" }),
            new HubSpotUpsertInput("b@example.com", new Dictionary<string, string?> { ["jobtitle"] = "CTO" }),
        ]);

        Assert.Equal(["1", "2"], result.Outcomes.Select(o => o.Record!.Id));
        Assert.Equal([false, true], result.Outcomes.Select(o => o.IsNew!.Value));
    }

    [Fact]
    public async Task BatchRead_ByMergedAwayId_AnswersWithTheSurvivor()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies/batch/read").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"status":"COMPLETE","results":[{"id":"900","properties":{"name":"Acme","hs_merged_object_ids":"101;102"}},{"id":"5","properties":{"name":"Five"}}]}"""));

        var result = await f.Client.BatchReadAsync("companies", ["5", "102"], ["name"]);

        Assert.Empty(result.Failed);
        Assert.Equal("5", result.Outcomes[0].Record!.Id);
        Assert.Equal("102", result.Outcomes[1].InputId);
        Assert.Equal("900", result.Outcomes[1].Record!.Id);
        var body = Assert.Single(f.BodiesAt("/crm/v3/objects/companies/batch/read"));
        Assert.Contains("hs_merged_object_ids", body.GetProperty("properties").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task BatchCreate_SendsObjectWriteTraceIds_AndMatchesResultsByThem()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/deals/batch/create").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithBody(
                """{"status":"COMPLETE","results":[{"id":"2","objectWriteTraceId":"t-b","properties":{"dealname":"B"}},{"id":"1","objectWriteTraceId":"t-a","properties":{"dealname":"A"}}]}"""));

        var result = await f.Client.BatchCreateAsync("deals",
        [
            new HubSpotCreateInput(new Dictionary<string, string?> { ["dealname"] = "A" }, "t-a", [new HubSpotAssociationToCreate("9001", 341)]),
            new HubSpotCreateInput(new Dictionary<string, string?> { ["dealname"] = "B" }, "t-b"),
        ]);

        Assert.Equal(["1", "2"], result.Outcomes.Select(o => o.Record!.Id));
        var input = Assert.Single(f.BodiesAt("/crm/v3/objects/deals/batch/create")).GetProperty("inputs")[0];
        Assert.Equal("t-a", input.GetProperty("objectWriteTraceId").GetString());
        var association = input.GetProperty("associations")[0];
        Assert.Equal("9001", association.GetProperty("to").GetProperty("id").GetString());
        Assert.Equal(341, association.GetProperty("types")[0].GetProperty("associationTypeId").GetInt32());
        Assert.Equal("HUBSPOT_DEFINED", association.GetProperty("types")[0].GetProperty("associationCategory").GetString());
    }

    [Theory]
    [InlineData("v3", "/crm/v3/objects/companies", "/crm/v3/properties/companies")]
    [InlineData("2026-03", "/crm/objects/2026-03/companies", "/crm/properties/2026-03/companies")]
    public async Task ApiVersion_SelectsLegacyOrDateVersionedPaths(string version, string objectsPath, string propertiesPath)
    {
        using var f = HubSpotFixture.Create(new() { ["HubSpot:ApiVersion"] = version });
        f.Server.Given(Request.Create().WithPath(objectsPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"results":[{"id":"5","properties":{}}]}"""));
        f.Server.Given(Request.Create().WithPath(propertiesPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"results":[{"name":"abm_salesforce_id","label":"Salesforce id","type":"string","fieldType":"text","groupName":"abm","hasUniqueValue":true,"hubspotDefined":false,"modificationMetadata":{"readOnlyValue":false}}]}"""));

        var page = await f.Client.ListAsync("companies", []);
        var properties = await f.Client.GetPropertiesAsync("companies");

        Assert.Equal("5", Assert.Single(page.Results).Id);
        var property = Assert.Single(properties);
        Assert.True(property.HasUniqueValue);
        Assert.False(property.ReadOnlyValue);
        var stats = f.Counter.Snapshot();
        Assert.Equal(1, stats.ByEndpoint[$"GET {objectsPath.Replace("/companies", "/{objectType}", StringComparison.Ordinal)}"]);
        Assert.Equal(1, stats.ByEndpoint[$"GET {propertiesPath.Replace("/companies", "/{objectType}", StringComparison.Ordinal)}"]);
        Assert.Equal(2, stats.Reads);
    }

    private static string[] Ids(JsonElement body) =>
        [.. body.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];

    /// <summary>A batch/update that echoes its inputs, unless one of them is <paramref name="badId"/>: then the whole batch is 400.</summary>
    private static Func<IRequestMessage, ResponseMessage> EchoUpdateUnless(string badId) => req =>
    {
        using var doc = JsonDocument.Parse(req.Body!);
        var ids = Ids(doc.RootElement);
        if (ids.Contains(badId))
        {
            return Json(400, new
            {
                status = "error",
                message = "Property values were not valid: [{\"isValid\":false,\"message\":\"not a valid email\",\"error\":\"INVALID_EMAIL\",\"name\":\"email\"}]",
                correlationId = "corr-400",
                category = "VALIDATION_ERROR",
            });
        }

        return Json(200, new { status = "COMPLETE", results = ids.Select(id => new { id, properties = new { jobtitle = "CTO" } }) });
    };

    internal static ResponseMessage Json(int status, object body) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
        BodyData = new BodyData { BodyAsString = JsonSerializer.Serialize(body), DetectedBodyType = BodyType.String },
    };
}
