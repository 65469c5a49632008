using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using WireMock.RequestBuilders;
using static AbmSync.Connectors.Tests.Salesforce.SalesforceTestHost;

namespace AbmSync.Connectors.Tests.Salesforce;

public sealed class SalesforceIncrementalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static JsonObject Rec(string id, DateTimeOffset modstamp, string name) => new()
    {
        ["attributes"] = new JsonObject { ["type"] = "Account" },
        ["Id"] = id,
        ["SystemModstamp"] = SalesforceDateTime.Format(modstamp),
        ["Name"] = name,
    };

    private static string PageJson(params JsonObject[] records) =>
        new JsonObject { ["totalSize"] = records.Length, ["done"] = true, ["records"] = new JsonArray(records) }.ToJsonString();

    [Fact]
    public void BuildIncrementalQuery_WithCursor_SubtractsOverlapAndOrdersBySystemModstampThenId()
    {
        var cursor = new IncrementalCursor(new DateTimeOffset(2026, 11, 25, 10, 0, 0, 700, TimeSpan.Zero), "001A00000000000009");

        var query = SalesforceClient.BuildIncrementalQuery("Account", ["Name", "Id"], cursor, TimeSpan.FromMinutes(2),
            Soql.Field("Type").NotIn("Partner"));

        Assert.Equal(
            "SELECT Id, SystemModstamp, Name FROM Account WHERE SystemModstamp >= 2026-11-25T09:58:00Z AND Type NOT IN ('Partner') ORDER BY SystemModstamp, Id",
            query.ToSoql());
    }

    [Fact]
    public void BuildIncrementalQuery_WithoutCursor_ReadsEverything() =>
        Assert.Equal("SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id",
            SalesforceClient.BuildIncrementalQuery("Contact", [], null, TimeSpan.FromMinutes(5)).ToSoql());

    [Fact]
    public async Task ReadChangesAsync_OverlappingRuns_YieldEachVersionOnceAndANewVersionAgain()
    {
        using var host = Start();
        // Run 1 sees A and B; run 2's overlap window sees A and B again, plus B modified later and a late-committed C.
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("runs").WillSetStateTo("second")
            .RespondWith(Json(200, PageJson(Rec("001A", T0, "A"), Rec("001B", T0.AddSeconds(1), "B"))));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .InScenario("runs").WhenStateIs("second")
            .RespondWith(Json(200, PageJson(
                Rec("001A", T0, "A"), Rec("001C", T0.AddMilliseconds(500), "C"), Rec("001B", T0.AddSeconds(1), "B"), Rec("001B", T0.AddSeconds(5), "B2"))));
        var dedup = new IncrementalDeduplicator();
        IncrementalCursor? cursor = null;

        var first = new List<SObjectRecord>();
        await foreach (var page in host.Client.ReadChangesAsync("Account", ["Name"], cursor, TimeSpan.FromMinutes(1), dedup))
        {
            first.AddRange(page.Records);
            cursor = SalesforceClient.CursorAfter(page, cursor);
        }

        var second = new List<SObjectRecord>();
        await foreach (var page in host.Client.ReadChangesAsync("Account", ["Name"], cursor, TimeSpan.FromMinutes(1), dedup))
        {
            second.AddRange(page.Records);
            cursor = SalesforceClient.CursorAfter(page, cursor);
        }

        Assert.Equal(["A", "B"], first.Select(r => r.GetString("Name")));
        Assert.Equal(["C", "B2"], second.Select(r => r.GetString("Name")));
        Assert.Equal(new IncrementalCursor(T0.AddSeconds(5), "001B"), cursor);
        var secondSoql = host.Requests($"{DataPath}/query")[1].RequestMessage.Query!["q"].Single();
        Assert.Contains("SystemModstamp >= 2026-11-25T09:59:01Z", secondSoql, StringComparison.Ordinal);
    }

    [Fact]
    public void CursorAfter_NeverMovesBack()
    {
        var current = new IncrementalCursor(T0.AddMinutes(5), "001Z");
        var olderPage = new SoqlPage(1, true, null,
            [SalesforceClient.ParseRecord(Rec("001A", T0, "A"))]);

        Assert.Equal(current, SalesforceClient.CursorAfter(olderPage, current));
        Assert.Equal(current, SalesforceClient.CursorAfter(new SoqlPage(0, true, null, []), current));
    }

    [Fact]
    public void Deduplicator_SeedAndPrune()
    {
        var dedup = new IncrementalDeduplicator();
        dedup.Seed([("001A", T0)]);
        var a = SalesforceClient.ParseRecord(Rec("001A", T0, "A"));

        Assert.False(dedup.IsNew(a));
        dedup.Prune(T0.AddSeconds(1));
        Assert.Equal(0, dedup.Count);
        Assert.True(dedup.IsNew(a));
    }

    [Theory]
    [InlineData(15000L, 7000L, 0.5, 500L, true, 500L)]
    [InlineData(15000L, 7000L, 0.5, 501L, false, 500L)]
    [InlineData(100000L, 60000L, 0.5, 1L, false, 0L)]
    [InlineData(100000L, 0L, 0.75, 75000L, true, 75000L)]
    public void Budget_FitsWithinTheShareOfTheOrgAllocation(long max, long used, double share, long calls, bool fits, long remaining)
    {
        var budget = SalesforceApiBudget.From(new ApiUsage(used, max), null, share)!;

        Assert.Equal(fits, budget.Fits(calls));
        Assert.Equal(remaining, budget.Remaining);
    }

    [Fact]
    public void Budget_PrefersTheHeaderAndFallsBackToLimits()
    {
        var limits = new OrgLimits(new Dictionary<string, OrgLimit> { ["DailyApiRequests"] = new(15000, 14000) });

        Assert.Equal(1000, SalesforceApiBudget.From(null, limits, 0.5)!.Used);
        Assert.Equal(42, SalesforceApiBudget.From(new ApiUsage(42, 15000), limits, 0.5)!.Used);
        Assert.Null(SalesforceApiBudget.From(null, null, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SalesforceApiBudget.From(null, limits, 0));
    }

    [Fact]
    public async Task GetBudget_UsesTheLastLimitInfoHeaderAndConfiguredShare()
    {
        using var host = Start(o => o.DailyApiShare = 0.5);
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(200, PageJson()));

        Assert.Null(host.Client.GetBudget());
        await host.Client.QueryAsync(SoqlQuery.From("Account").Select("Id"));
        var budget = host.Client.GetBudget()!;

        Assert.Equal(new SalesforceApiBudget(15000, 25, 0.5), budget);
        Assert.True(budget.Fits(7475));
        Assert.False(budget.Fits(7476));
    }
}
