using System.Text.Json;
using AbmSync.Connectors.HubSpot;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotHistoryTests
{
    private const string Path = "/crm/v3/objects/companies/batch/read";

    [Fact]
    public async Task BatchReadWithHistory_120Ids_ThreeCallsOfAtMost50_EachAskingForHistory()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath(Path).UsingPost()).RespondWith(Response.Create().WithCallback(EchoWithHistory));
        var ids = Enumerable.Range(1, 120).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var result = await f.Client.BatchReadWithHistoryAsync("companies", ids, ["name", "phone"], ["name"]);

        var bodies = f.BodiesAt(Path);
        // The chunks go out in flight together, so they arrive in any order; the answers keep the order of the ids.
        Assert.Equal([20, 50, 50], bodies.Select(b => b.GetProperty("inputs").GetArrayLength()).Order());
        Assert.All(bodies, b => Assert.Equal(["name"], b.GetProperty("propertiesWithHistory").EnumerateArray().Select(p => p.GetString())));
        Assert.All(bodies, b => Assert.Contains("phone", b.GetProperty("properties").EnumerateArray().Select(p => p.GetString())));
        Assert.Equal(ids, result.Outcomes.Select(o => o.InputId));
        Assert.Empty(result.Failed);
        Assert.All(result.Outcomes, o => Assert.Equal("Name of " + o.InputId, o.Record!.History!["name"][0].Value));
        Assert.Equal(3, f.Counter.Snapshot().Reads);
    }

    [Fact]
    public async Task BatchReadWithHistory_ParsesVersionsNewestFirst_WithTimestampsAndSources()
    {
        using var f = HubSpotFixture.Create();
        // The versions come out of order on purpose: the newest must still come first.
        f.Server.Given(Request.Create().WithPath(Path).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """
                {"status":"COMPLETE","results":[{"id":"77","properties":{"name":"Acme Two","hs_merged_object_ids":null},
                 "propertiesWithHistory":{"name":[
                   {"value":"Acme","timestamp":"2026-01-01T08:00:00.000Z","sourceType":"IMPORT","sourceId":"import-1"},
                   {"value":"Acme Two","timestamp":"2026-03-02T09:30:00.250Z","sourceType":"CRM_UI","sourceId":"userId:9001","updatedByUserId":9001},
                   {"value":"Acme One","timestamp":"2026-02-01T10:00:00.000Z","sourceType":"INTEGRATION","sourceId":"4242001","sourceLabel":"AbmSync"}],
                   "phone":[]}}]}
                """));

        var result = await f.Client.BatchReadWithHistoryAsync("companies", ["77"], ["name"], ["name", "phone"]);

        var record = Assert.Single(result.Succeeded).Record!;
        Assert.Equal("Acme Two", record["name"]);
        var name = record.History!["name"];
        Assert.Equal(["Acme Two", "Acme One", "Acme"], name.Select(v => v.Value));
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 30, 0, 250, TimeSpan.Zero), name[0].Timestamp);
        Assert.Equal(("CRM_UI", "userId:9001", "9001"), (name[0].SourceType, name[0].SourceId, name[0].UpdatedByUserId));
        Assert.Equal(("INTEGRATION", "4242001", (string?)null), (name[1].SourceType, name[1].SourceId, name[1].UpdatedByUserId));
        Assert.Empty(record.History["phone"]);
    }

    [Fact]
    public async Task BatchRead_WithoutHistory_SendsNoPropertiesWithHistory_AndLeavesHistoryNull()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath(Path).UsingPost()).RespondWith(Response.Create().WithCallback(EchoWithHistory));

        var result = await f.Client.BatchReadAsync("companies", ["1"], ["name"]);

        Assert.False(Assert.Single(f.BodiesAt(Path)).TryGetProperty("propertiesWithHistory", out _));
        Assert.Null(Assert.Single(result.Outcomes).Record!.History);
    }

    [Fact]
    public async Task BatchReadWithHistory_MissingAndMergedIds_MatchAsBatchReadDoes()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath(Path).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(207).WithBody(
                """
                {"status":"COMPLETE","results":[{"id":"900","properties":{"name":"Acme","hs_merged_object_ids":"101;102"},"propertiesWithHistory":{"name":[{"value":"Acme","timestamp":"2026-01-01T00:00:00Z","sourceType":"INTEGRATION","sourceId":"4242001"}]}}],
                 "numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.","context":{"ids":["5"]}}]}
                """));

        var result = await f.Client.BatchReadWithHistoryAsync("companies", ["5", "102"], ["name"], ["name"]);

        Assert.Equal("OBJECT_NOT_FOUND", result.Outcomes[0].Error!.Category);
        Assert.Equal("900", result.Outcomes[1].Record!.Id);
        Assert.Equal("Acme", result.Outcomes[1].Record!.History!["name"][0].Value);
        Assert.Contains("hs_merged_object_ids", Assert.Single(f.BodiesAt(Path)).GetProperty("properties").EnumerateArray().Select(p => p.GetString()));
    }

    /// <summary>A batch read that answers every input with one history version per asked history property.</summary>
    private static ResponseMessage EchoWithHistory(IRequestMessage req)
    {
        using var doc = JsonDocument.Parse(req.Body!);
        var root = doc.RootElement;
        var ids = root.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
        var history = root.TryGetProperty("propertiesWithHistory", out var h) ? h.EnumerateArray().Select(p => p.GetString()!).ToList() : null;
        return HubSpotObjectsTests.Json(200, new
        {
            status = "COMPLETE",
            results = ids.Select(id => history is null
                ? (object)new { id, properties = new { name = "Name of " + id } }
                : new
                {
                    id,
                    properties = new { name = "Name of " + id },
                    propertiesWithHistory = history.ToDictionary(p => p, p => new[]
                    {
                        new { value = "Name of " + id, timestamp = "2026-02-01T00:00:00.000Z", sourceType = "INTEGRATION", sourceId = "4242001" },
                    }),
                }),
        });
    }
}
