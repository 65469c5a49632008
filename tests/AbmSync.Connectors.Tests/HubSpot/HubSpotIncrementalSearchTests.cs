using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.HubSpot;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotIncrementalSearchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ReadModified_BeyondTheTenThousandCap_WithABulkImportInstant_ReadsAllInOrderNoneTwice()
    {
        // 4,000 records a second apart, then a bulk import: 10,500 records sharing one millisecond, then 4,000 more.
        var records = new List<(long Id, long Ms)>();
        long id = 1000;
        var start = T0.ToUnixTimeMilliseconds();
        for (var i = 0; i < 4000; i++)
        {
            records.Add((id++, start + (i * 1000L)));
        }

        var bulk = start + 5_000_000;
        for (var i = 0; i < 10_500; i++)
        {
            records.Add((id++, bulk));
        }

        for (var i = 0; i < 4000; i++)
        {
            records.Add((id++, bulk + 1 + (i * 500L)));
        }

        var portal = new FakeSearchPortal(records, "lastmodifieddate");
        using var f = HubSpotFixture.Create(new()
        {
            ["HubSpot:SearchRequestsPerSecond"] = "100",
            ["HubSpot:RequestsPer10Seconds"] = "10000",
        });
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/contacts/search").UsingPost())
            .RespondWith(Response.Create().WithCallback(portal.Answer));

        var seen = new List<HubSpotObject>();
        DateTimeOffset? lastWatermark = null;
        await foreach (var page in f.Client.ReadModifiedAsync("contacts", ["email"], T0.AddMilliseconds(-1)))
        {
            seen.AddRange(page.Records);
            Assert.True(lastWatermark is null || page.Watermark >= lastWatermark, "watermark went back");
            lastWatermark = page.Watermark;
        }

        Assert.Equal(0, portal.Rejected);
        Assert.Equal(records.Count, seen.Count);
        Assert.Equal(records.Count, seen.Select(r => r.Id).Distinct().Count());
        var times = seen.Select(r => HubSpotClient.ParseMs(r["lastmodifieddate"])!.Value).ToList();
        Assert.True(times.Zip(times.Skip(1)).All(p => p.First <= p.Second), "records out of last-modified order");
        Assert.Contains(portal.Requests, r => r.Contains("hs_object_id", StringComparison.Ordinal) && r.Contains("\"EQ\"", StringComparison.Ordinal));
        // Pages ask for 200; the one-record probes that count a restart instant ask for 1.
        Assert.All(portal.Requests, r => Assert.True(r.Contains("\"limit\":200", StringComparison.Ordinal)
            || (r.Contains("\"limit\":1", StringComparison.Ordinal) && r.Contains("\"EQ\"", StringComparison.Ordinal)), r));
        Assert.Equal(bulk + 1 + (3999 * 500L), lastWatermark!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(f.Counter.Snapshot().Reads, portal.Requests.Count);
    }

    [Fact]
    public async Task ReadModified_UsesHsLastModifiedDateForCompanies_AndStopsOnTheLastPage()
    {
        var start = T0.ToUnixTimeMilliseconds();
        var portal = new FakeSearchPortal([.. Enumerable.Range(0, 450).Select(i => ((long)i + 1, start + i))], "hs_lastmodifieddate");
        using var f = HubSpotFixture.Create(new() { ["HubSpot:SearchRequestsPerSecond"] = "100" });
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies/search").UsingPost())
            .RespondWith(Response.Create().WithCallback(portal.Answer));

        var count = 0;
        await foreach (var page in f.Client.ReadModifiedAsync("companies", ["name"], T0))
        {
            count += page.Records.Count;
        }

        Assert.Equal(450, count);
        Assert.Equal(3, portal.Requests.Count);
        using var first = JsonDocument.Parse(portal.Requests[0]);
        var filter = first.RootElement.GetProperty("filterGroups")[0].GetProperty("filters")[0];
        Assert.Equal("hs_lastmodifieddate", filter.GetProperty("propertyName").GetString());
        Assert.Equal("GTE", filter.GetProperty("operator").GetString());
        Assert.Equal(start.ToString(CultureInfo.InvariantCulture), filter.GetProperty("value").GetString());
        Assert.Equal("ASCENDING", first.RootElement.GetProperty("sorts")[0].GetProperty("direction").GetString());
    }

    [Fact]
    public async Task ReadModified_WithConditions_SendsThemInEverySearchAsStructuredFilters()
    {
        var start = T0.ToUnixTimeMilliseconds();
        var portal = new FakeSearchPortal([.. Enumerable.Range(0, 250).Select(i => ((long)i + 1, start + i))], "lastmodifieddate");
        using var f = HubSpotFixture.Create(new() { ["HubSpot:SearchRequestsPerSecond"] = "100" });
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/contacts/search").UsingPost())
            .RespondWith(Response.Create().WithCallback(portal.Answer));
        string[] stages = ["marketingqualifiedlead", "customer' OR 1=1"];

        await foreach (var _ in f.Client.ReadModifiedAsync("contacts", ["email"], T0, where: [new HubSpotFilter("lifecyclestage", "IN", Values: stages)]))
        {
        }

        Assert.Equal(2, portal.Requests.Count);
        Assert.All(portal.Requests, r =>
        {
            using var body = JsonDocument.Parse(r);
            var filters = body.RootElement.GetProperty("filterGroups")[0].GetProperty("filters").EnumerateArray().ToList();
            var stage = Assert.Single(filters, x => x.GetProperty("propertyName").GetString() == "lifecyclestage");
            Assert.Equal("IN", stage.GetProperty("operator").GetString());
            Assert.Equal(stages, stage.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
            Assert.Contains(filters, x => x.GetProperty("propertyName").GetString() == "lastmodifieddate");
        });
    }

    /// <summary>A search endpoint over fixed records that enforces the 10,000 cap and orders ties unpredictably.</summary>
    private sealed class FakeSearchPortal(List<(long Id, long Ms)> records, string modifiedProperty)
    {
        public List<string> Requests { get; } = [];

        public int Rejected { get; private set; }

        public ResponseMessage Answer(IRequestMessage request)
        {
            lock (Requests)
            {
                Requests.Add(request.Body!);
            }

            using var doc = JsonDocument.Parse(request.Body!);
            var root = doc.RootElement;
            var query = records.AsEnumerable();
            foreach (var filter in root.GetProperty("filterGroups")[0].GetProperty("filters").EnumerateArray())
            {
                var property = filter.GetProperty("propertyName").GetString();
                var op = filter.GetProperty("operator").GetString();
                if (property is not ("hs_object_id" or "lastmodifieddate" or "hs_lastmodifieddate"))
                {
                    continue; // a condition on another property: every fixed record passes it
                }
                var value = long.Parse(filter.GetProperty("value").GetString()!, CultureInfo.InvariantCulture);
                Func<(long Id, long Ms), long> field = property == "hs_object_id" ? r => r.Id : r => r.Ms;
                query = op switch
                {
                    "GTE" => query.Where(r => field(r) >= value),
                    "GT" => query.Where(r => field(r) > value),
                    "LTE" => query.Where(r => field(r) <= value),
                    "EQ" => query.Where(r => field(r) == value),
                    _ => throw new InvalidOperationException(op),
                };
            }

            var sortBy = root.GetProperty("sorts")[0].GetProperty("propertyName").GetString();
            var sorted = sortBy == "hs_object_id"
                ? query.OrderBy(r => r.Id).ToList()
                : query.OrderBy(r => r.Ms).ThenBy(r => (r.Id * 7919) % 10007).ToList();
            var offset = root.TryGetProperty("after", out var after) ? int.Parse(after.GetString()!, CultureInfo.InvariantCulture) : 0;
            var limit = root.GetProperty("limit").GetInt32();
            if (offset >= 10_000 || limit > 200)
            {
                Rejected++;
                return HubSpotObjectsTests.Json(400, new { status = "error", category = "VALIDATION_ERROR", message = "paging past 10000 results", correlationId = "c" });
            }

            var slice = sorted.Skip(offset).Take(limit).Select(r => new
            {
                id = r.Id.ToString(CultureInfo.InvariantCulture),
                properties = new Dictionary<string, string>
                {
                    ["hs_object_id"] = r.Id.ToString(CultureInfo.InvariantCulture),
                    [modifiedProperty] = DateTimeOffset.FromUnixTimeMilliseconds(r.Ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                },
            }).ToList();
            object body = offset + limit < sorted.Count
                ? new { total = sorted.Count, results = slice, paging = new { next = new { after = (offset + limit).ToString(CultureInfo.InvariantCulture) } } }
                : new { total = sorted.Count, results = slice };
            return HubSpotObjectsTests.Json(200, body);
        }
    }
}
