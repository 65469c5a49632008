using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static AbmSync.Connectors.Tests.Salesforce.SalesforceTestHost;

namespace AbmSync.Connectors.Tests.Salesforce;

public sealed class SalesforceBulkTests
{
    private const string QueryJob = "750R0000000zlh9IAA";
    private const string IngestJob = "7505e00000XYZabAAB";

    private static string JobJson(string id, string operation, string state, int processed = 0, int failed = 0, string? error = null) =>
        new JsonObject
        {
            ["id"] = id, ["operation"] = operation, ["object"] = "Account", ["state"] = state,
            ["numberRecordsProcessed"] = processed, ["numberRecordsFailed"] = failed, ["errorMessage"] = error,
            ["contentType"] = "CSV", ["lineEnding"] = "LF", ["columnDelimiter"] = "COMMA",
        }.ToJsonString();

    private static IResponseBuilder CsvBody(string body, string? locator = null)
    {
        var response = Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/csv").WithBody(body);
        return locator is null ? response : response.WithHeader("Sforce-Locator", locator).WithHeader("Sforce-NumberOfRecords", "2");
    }

    private static void StubPolling(SalesforceTestHost host, string path, string id, string operation, params string[] states)
    {
        for (var i = 0; i < states.Length; i++)
        {
            var mapping = host.Server.Given(Request.Create().WithPath(path).UsingGet()).InScenario("poll-" + id);
            var step = i == 0 ? mapping : mapping.WhenStateIs("s" + i);
            (i < states.Length - 1 ? step.WillSetStateTo("s" + (i + 1)) : step)
                .RespondWith(Json(200, JobJson(id, operation, states[i], processed: 3, failed: 1)));
        }
    }

    [Fact]
    public async Task BulkQueryAsync_CreatesPollsAndPagesResultsByLocator()
    {
        using var host = Start(o => o.BulkPollInterval = TimeSpan.FromMilliseconds(1));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/query").UsingPost())
            .RespondWith(Json(200, JobJson(QueryJob, "query", "UploadComplete")));
        StubPolling(host, $"{DataPath}/jobs/query/{QueryJob}", QueryJob, "query", "UploadComplete", "InProgress", "JobComplete");
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/query/{QueryJob}/results").UsingGet().WithParam("locator", "MTAwMDA"))
            .RespondWith(CsvBody("\"Id\",\"Name\",\"Owner.Email\",\"AnnualRevenue\"\n\"001A00000000000003\",\"Line\nBreak, Inc.\",\"c@example.com\",\"\"\n", "null"));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/query/{QueryJob}/results").UsingGet().WithParam("maxRecords", "50000"))
            .AtPriority(10)
            .RespondWith(CsvBody("\"Id\",\"Name\",\"Owner.Email\",\"AnnualRevenue\"\n\"001A00000000000001\",\"Acme \"\"Quoted\"\"\",\"a@example.com\",\"1250000.5\"\n\"001A00000000000002\",\"Beta\",\"\",\"\"\n", "MTAwMDA"));

        var query = SoqlQuery.From("Account").Select("Id", "Name", "Owner.Email", "AnnualRevenue");
        var pages = new List<IReadOnlyList<SObjectRecord>>();
        await foreach (var page in host.Client.BulkQueryAsync(query, maxRecordsPerPage: 50000))
        {
            pages.Add(page);
        }

        Assert.Equal([2, 1], pages.Select(p => p.Count));
        var all = pages.SelectMany(p => p).ToList();
        Assert.Equal("Acme \"Quoted\"", all[0].GetString("Name"));
        Assert.Equal("a@example.com", all[0].GetString("Owner.Email"));
        Assert.Equal(1250000.5m, all[0].GetDecimal("AnnualRevenue"));
        Assert.Null(all[1].GetString("Owner.Email"));
        Assert.Equal("Line\nBreak, Inc.", all[2].GetString("Name"));
        Assert.Equal("001A00000000000003", all[2].Id);
        Assert.Equal("Account", all[2].Type);

        var create = JsonNode.Parse(host.Requests($"{DataPath}/jobs/query", "POST").Single().RequestMessage.Body!)!;
        Assert.Equal("query", (string?)create["operation"]);
        Assert.Equal(query.ToSoql(), (string?)create["query"]);
        Assert.Equal(3, host.Requests($"{DataPath}/jobs/query/{QueryJob}").Count);
        var stats = host.Counter.Snapshot();
        Assert.Equal(1, stats.ByEndpoint["POST /services/data/{version}/jobs/query"]);
        Assert.Equal(3, stats.ByEndpoint["GET /services/data/{version}/jobs/query/{id}"]);
        Assert.Equal(2, stats.ByEndpoint["GET /services/data/{version}/jobs/query/{id}/results"]);
        // The status polls and result sets read; creating the job is job control (as the sandbox counts it).
        Assert.Equal(5, stats.Reads);
    }

    [Fact]
    public async Task BulkQueryAsync_FailedJob_Throws()
    {
        using var host = Start(o => o.BulkPollInterval = TimeSpan.FromMilliseconds(1));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/query").UsingPost())
            .RespondWith(Json(200, JobJson(QueryJob, "queryAll", "UploadComplete")));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/query/{QueryJob}").UsingGet())
            .RespondWith(Json(200, JobJson(QueryJob, "queryAll", "Failed", error: "INVALID_FIELD: No such column")));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(async () =>
        {
            await foreach (var _ in host.Client.BulkQueryAsync(SoqlQuery.From("Account").Select("Id"), includeDeleted: true))
            {
            }
        });

        Assert.Contains("Failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("No such column", e.Message, StringComparison.Ordinal);
        Assert.Equal("queryAll", (string?)JsonNode.Parse(host.Requests($"{DataPath}/jobs/query", "POST").Single().RequestMessage.Body!)!["operation"]);
        Assert.Empty(host.Requests($"{DataPath}/jobs/query/{QueryJob}/results"));
    }

    [Fact]
    public async Task BulkIngestAsync_Upsert_RunsTheJobStateMachineAndReadsEveryResult()
    {
        using var host = Start(o => o.BulkPollInterval = TimeSpan.FromMilliseconds(1));
        var jobPath = $"{DataPath}/jobs/ingest/{IngestJob}";
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/ingest").UsingPost())
            .RespondWith(Json(200, JobJson(IngestJob, "upsert", "Open")));
        host.Server.Given(Request.Create().WithPath($"{jobPath}/batches").UsingPut())
            .RespondWith(Response.Create().WithStatusCode(201));
        host.Server.Given(Request.Create().WithPath(jobPath).UsingPatch())
            .RespondWith(Json(200, JobJson(IngestJob, "upsert", "UploadComplete")));
        StubPolling(host, jobPath, IngestJob, "upsert", "UploadComplete", "InProgress", "JobComplete");
        host.Server.Given(Request.Create().WithPath($"{jobPath}/successfulResults/").UsingGet())
            .RespondWith(CsvBody("\"sf__Id\",\"sf__Created\",\"ABM_HubSpot_Id__c\",\"Name\",\"ABM_Tier__c\"\n\"001A00000000000002\",\"false\",\"202\",\"Beta\",\"#N/A\"\n\"001A00000000000001\",\"true\",\"101\",\"Acme, Inc.\",\"Tier 1\"\n"));
        host.Server.Given(Request.Create().WithPath($"{jobPath}/failedResults/").UsingGet())
            .RespondWith(CsvBody("\"sf__Id\",\"sf__Error\",\"ABM_HubSpot_Id__c\",\"Name\",\"ABM_Tier__c\"\n\"\",\"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:bad value for restricted picklist field: Tier 9:ABM_Tier__c --\",\"303\",\"Gamma\",\"Tier 9\"\n"));
        host.Server.Given(Request.Create().WithPath($"{jobPath}/unprocessedrecords/").UsingGet())
            .RespondWith(CsvBody("\"ABM_HubSpot_Id__c\",\"Name\",\"ABM_Tier__c\"\n"));
        var records = new List<SObjectRecord>
        {
            SObjectRecord.Create("Account", null, [new("ABM_HubSpot_Id__c", "101"), new("Name", "Acme, Inc."), new("ABM_Tier__c", "Tier 1")]),
            SObjectRecord.Create("Account", null, [new("ABM_HubSpot_Id__c", "202"), new("Name", "Beta"), new("ABM_Tier__c", null)]),
            SObjectRecord.Create("Account", null, [new("ABM_HubSpot_Id__c", "303"), new("Name", "Gamma"), new("ABM_Tier__c", "Tier 9")]),
        };

        var result = await host.Client.BulkIngestAsync("Account", BulkOperation.Upsert, records, "ABM_HubSpot_Id__c");

        var create = JsonNode.Parse(host.Requests($"{DataPath}/jobs/ingest", "POST").Single().RequestMessage.Body!)!;
        Assert.Equal("upsert", (string?)create["operation"]);
        Assert.Equal("ABM_HubSpot_Id__c", (string?)create["externalIdFieldName"]);
        Assert.Equal("LF", (string?)create["lineEnding"]);
        var upload = host.Requests($"{jobPath}/batches", "PUT").Single();
        Assert.StartsWith("text/csv", Header(upload, "Content-Type"), StringComparison.Ordinal);
        Assert.Equal("ABM_HubSpot_Id__c,Name,ABM_Tier__c\n101,\"Acme, Inc.\",Tier 1\n202,Beta,#N/A\n303,Gamma,Tier 9\n", upload.RequestMessage.Body);
        Assert.Equal("UploadComplete", (string?)JsonNode.Parse(host.Requests(jobPath, "PATCH").Single().RequestMessage.Body!)!["state"]);

        Assert.Equal("JobComplete", Assert.Single(result.Jobs).State);
        var byKey = result.Results.ToDictionary(r => r.Fields["ABM_HubSpot_Id__c"]!);
        Assert.True(byKey["101"].Success);
        Assert.True(byKey["101"].Created);
        Assert.Equal("001A00000000000001", byKey["101"].Id);
        Assert.False(byKey["202"].Created);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("303", failed.Fields["ABM_HubSpot_Id__c"]);
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", failed.ErrorCode);
        Assert.Null(failed.Id);

        var stats = host.Counter.Snapshot();
        // An ingest job writes records once, with its upload; create, close, polls and result files are job control.
        Assert.Equal(1, stats.Writes);
        Assert.Equal(1, stats.ByEndpoint["PUT /services/data/{version}/jobs/ingest/{id}/batches"]);
        Assert.Equal(1, stats.ByEndpoint["GET /services/data/{version}/jobs/ingest/{id}/failedResults"]);
    }

    [Fact]
    public void ToCsvUploads_SplitsAtTheUploadSizeAndFlattensRelationships()
    {
        var client = new SalesforceClient(new HttpClient(), Microsoft.Extensions.Options.Options.Create(new SalesforceOptions()),
            new SalesforceCallCounter(), TimeProvider.System) { MaxUploadBytes = 60 };
        var records = Enumerable.Range(1, 4).Select(i => new SObjectRecord("Contact", $"003A0000000000000{i}", new JsonObject
        {
            ["LastName"] = $"L{i}",
            ["Account"] = new JsonObject { ["ABM_HubSpot_Id__c"] = $"h{i}" },
        })).ToList();

        var uploads = client.ToCsvUploads(records, BulkOperation.Update, null).ToList();

        Assert.True(uploads.Count > 1);
        Assert.All(uploads, u => Assert.StartsWith("Id,LastName,Account.ABM_HubSpot_Id__c\n", u, StringComparison.Ordinal));
        Assert.Equal(4, uploads.Sum(u => u.Count(c => c == '\n') - 1));
        Assert.Contains("003A00000000000001,L1,h1\n", uploads[0], StringComparison.Ordinal);
    }

    public static TheoryData<string, string[][]> CsvCases => new()
    {
        { "a,b\n1,2\n", [["a", "b"], ["1", "2"]] },
        { "a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]] },
        { "\"a\",\"b\"\n\"x, y\",\"say \"\"hi\"\"\"\n", [["a", "b"], ["x, y", "say \"hi\""]] },
        { "a\n\"multi\nline\"\n", [["a"], ["multi\nline"]] },
        { "a,b,c\n,,\n", [["a", "b", "c"], ["", "", ""]] },
        { "a,b\n1,2", [["a", "b"], ["1", "2"]] },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(CsvCases))]
    public void Csv_Parse_HandlesRfc4180(string text, string[][] expected) =>
        Assert.Equal(expected, AbmSync.Connectors.Salesforce.Csv.Parse(text));

    [Fact]
    public void Csv_Parse_UnterminatedQuote_Throws() =>
        Assert.Throws<FormatException>(() => AbmSync.Connectors.Salesforce.Csv.Parse("a\n\"open\n"));

    [Fact]
    public void Csv_Line_QuotesOnlyWhenNeededAndRoundTrips()
    {
        string[] fields = ["plain", "with,comma", "with \"quote\"", "multi\nline", "", " padded "];
        var line = AbmSync.Connectors.Salesforce.Csv.Line(fields);

        Assert.Equal("plain,\"with,comma\",\"with \"\"quote\"\"\",\"multi\nline\",,\" padded \"\n", line);
        Assert.Equal(fields, AbmSync.Connectors.Salesforce.Csv.Parse(line).Single());
    }
    /// <summary>Regression: a close that landed but timed out on the way back was retried and failed the run with INVALIDJOBSTATE.</summary>
    [Fact]
    public async Task SetIngestJobState_RetriedCloseFindsTheJobAlreadyClosed_ReturnsItsState()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/ingest/{IngestJob}").UsingPatch())
            .RespondWith(Json(400, """[{"errorCode":"INVALIDJOBSTATE","message":"Cannot change the job's state from UploadComplete to UploadComplete"}]"""));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/jobs/ingest/{IngestJob}").UsingGet())
            .RespondWith(Json(200, JobJson(IngestJob, "update", "InProgress")));

        var job = await host.Client.SetIngestJobStateAsync(IngestJob, "UploadComplete");

        Assert.Equal("InProgress", job.State);
        // Aborting is not forgiven the same way: the caller must learn the job can't be aborted.
        await Assert.ThrowsAsync<SalesforceApiException>(() => host.Client.SetIngestJobStateAsync(IngestJob, "Aborted"));
    }
}
