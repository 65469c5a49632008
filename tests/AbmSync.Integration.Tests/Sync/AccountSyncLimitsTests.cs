using System.Text.Json;
using AbmSync.Sandbox;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Integration.Tests.Sync;

public class AccountSyncLimitsTests
{
    [Fact]
    public async Task FullReadAboveBulkThreshold_UsesBulkQueryAndIngest_SameResultAsRest()
    {
        var settings = new Dictionary<string, string?> { ["Salesforce:BulkThreshold"] = "100" };
        await using var bulk = await SyncHarness.StartAsync(accounts: 300, seed: 9, settings);
        await using var rest = await SyncHarness.StartAsync(accounts: 300, seed: 9);

        var bulkSummary = await bulk.SyncAsync();
        var restSummary = await rest.SyncAsync();

        using var stats = JsonDocument.Parse(await bulk.Http.GetStringAsync(new Uri(bulk.Sandbox.SalesforceUrl, "/_sandbox/stats")));
        var endpoints = stats.RootElement.GetProperty("byEndpoint").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(endpoints, e => e.Contains("/jobs/query", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.Contains("/jobs/ingest", StringComparison.Ordinal));
        Assert.DoesNotContain(endpoints, e => e.StartsWith("PATCH", StringComparison.Ordinal) && e.EndsWith("/composite/sobjects", StringComparison.Ordinal));
        // The worker's own count of bulk calls, reads and writes equals the org's.
        var worker = bulk.Host.Services.GetRequiredService<AbmSync.Connectors.Salesforce.SalesforceCallCounter>().Snapshot();
        Assert.Equal(await bulk.StatsAsync(bulk.Sandbox.SalesforceUrl), (worker.Calls, worker.Reads, worker.Writes));
        Assert.Equal(restSummary.RecordsRead, bulkSummary.RecordsRead);
        Assert.Equal(restSummary.SalesforceUpdated, bulkSummary.SalesforceUpdated);
        Assert.Equal(0, bulkSummary.DeadLettered);
        var tiers = (await bulk.SalesforceExportAsync())["Account"]!.AsArray().ToDictionary(a => (string)a!["Id"]!, a => (string?)a!["ABM_Tier__c"]);
        var restTiers = (await rest.SalesforceExportAsync())["Account"]!.AsArray().ToDictionary(a => (string)a!["Id"]!, a => (string?)a!["ABM_Tier__c"]);
        Assert.Equal(restTiers, tiers);

        // Bulk mode moves the cursor once, at the end: the next run reads only the echo of our own write-back.
        await bulk.ResetStatsAsync();
        var second = await bulk.SyncAsync();
        Assert.Equal(0, (await bulk.StatsAsync(bulk.Sandbox.SalesforceUrl)).Writes);
        Assert.Equal(0, second.HubSpotCreated + second.HubSpotUpdated);
    }

    [Fact]
    public async Task DailyBudgetReached_RunPausesAtAPageBoundary_WithoutFailingOrDeadLettering()
    {
        // 40 calls a day, AbmSync may use half: the run must stop before the org's use passes 20.
        var settings = new Dictionary<string, string?> { ["Salesforce:QueryBatchSize"] = "200", ["Salesforce:DailyApiShare"] = "0.5" };
        await using var harness = await SyncHarness.StartAsync(settings: settings,
            sandboxOptions: new SandboxOptions { Accounts = 3000, Seed = 4, SalesforceDailyLimit = 40 });

        var summary = await harness.SyncAsync();

        Assert.Equal("paused", summary.Status);
        Assert.Contains("Salesforce daily API budget reached", summary.Message, StringComparison.Ordinal);
        Assert.Equal(0, summary.DeadLettered);
        Assert.InRange(summary.SalesforceUpdated, 1, summary.RecordsRead - 1);
        // OAuth token requests don't count against the API allocation; everything else does.
        using var stats = JsonDocument.Parse(await harness.Http.GetStringAsync(new Uri(harness.Sandbox.SalesforceUrl, "/_sandbox/stats")));
        var tokenCalls = stats.RootElement.GetProperty("byEndpoint").EnumerateObject().Where(p => p.Name.Contains("oauth2/token", StringComparison.Ordinal)).Sum(p => p.Value.GetInt64());
        Assert.InRange(stats.RootElement.GetProperty("calls").GetInt64() - tokenCalls, 1, 20);
        // Every account the run wrote back is linked; none of the stopped page's accounts was touched on either side.
        var cursor = await harness.Store.GetCursorAsync(ObjectPairs.Accounts, "salesforce");
        Assert.NotNull(cursor);
        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray();
        var written = accounts.Where(a => (string?)a!["ABM_HubSpot_Id__c"] is not null).Select(a => (string)a!["Id"]!).ToHashSet();
        var links = await harness.Store.AllLinksAsync(ObjectPairs.Accounts);
        Assert.Equal(written.Order(), links.Select(l => l.SalesforceId).Order());
        Assert.Equal(summary.SalesforceUpdated, written.Count);
    }

    [Fact]
    public async Task RowLocks_AreResubmittedInALaterBatch_NothingLost()
    {
        await using var harness = await SyncHarness.StartAsync(sandboxOptions: new SandboxOptions { Accounts = 400, Seed = 12, SalesforceFaults = "lock:0.2" });

        var summary = await harness.SyncAsync();

        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray();
        var included = accounts.Count(a => (string?)a!["Type"] is not ("Partner" or "Competitor"));
        // With 20% of records locked per attempt and two resubmissions, almost all land; the rest are dead letters, never lost.
        Assert.Equal(included, summary.SalesforceUpdated + summary.DeadLettered);
        Assert.True(summary.SalesforceUpdated > included * 0.95, $"{summary.SalesforceUpdated} of {included}");
        var letters = await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "open");
        Assert.All(letters, l => Assert.Equal("UNABLE_TO_LOCK_ROW", l.Code));
        Assert.Equal(summary.DeadLettered, letters.Count);

        // The next run retries the dead letters first and resolves them.
        var second = await harness.SyncAsync();
        Assert.True(second.DeadLettered <= summary.DeadLettered);
        Assert.True((await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "resolved")).Count >= summary.DeadLettered - second.DeadLettered);
    }
}
