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
        // 40 calls a day, the org's use may reach half: the run must stop before it passes 20. (AbmSync's own share,
        // counted in the state store, is tested in SharedBudgetTests: here it may take the whole day.)
        var settings = new Dictionary<string, string?>
        {
            ["Salesforce:QueryBatchSize"] = "200", ["Salesforce:DailyApiShare"] = "0.5", ["Sync:SalesforceCallShare"] = "1",
        };
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

    /// <summary>
    /// Locks are drawn per record and per attempt (<c>lock:0.2</c>, seeded): a record locked once or twice can only
    /// have been written by a resubmission within the run; one locked three times (1 + the default 2 resubmissions) is
    /// a dead letter. The org's own log of the locks it injected says which records those are.
    /// </summary>
    [Fact]
    public async Task RowLocks_AreResubmittedInALaterBatch_NothingLost()
    {
        await using var clean = await SyncHarness.StartAsync(sandboxOptions: LockedOrg(faults: null));
        await using var harness = await SyncHarness.StartAsync(sandboxOptions: LockedOrg());
        await clean.SyncAsync();

        var summary = await harness.SyncAsync();

        await AssertLockedRecordsWereResubmittedAsync(harness, summary, await CollectionUpdatesAsync(clean));

        // The next run retries the dead letters first: each is written, unless the dice lock it three times again.
        var locksBefore = harness.Sandbox.Salesforce.Org.InjectedRowLocks.Count;
        var letters = (await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "open")).Select(l => l.RecordId).ToHashSet();
        var second = await harness.SyncAsync();
        var lockedAgain = harness.Sandbox.Salesforce.Org.InjectedRowLocks.Skip(locksBefore).CountBy(id => id)
            .Where(c => c.Value == 3).Select(c => c.Key).ToHashSet();
        var stillOpen = (await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "open")).Select(l => l.RecordId).ToHashSet();
        Assert.Equal(lockedAgain.Order(), stillOpen.Order());
        Assert.Equal(stillOpen.Count, second.DeadLettered);
        var resolved = (await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "resolved")).Select(l => l.RecordId).ToHashSet();
        Assert.Equal(letters.Except(stillOpen).Order(), resolved.Order());
        Assert.Subset(await WrittenAsync(harness), resolved);
    }

    /// <summary>
    /// The same org and dice with resubmission turned off: every locked record is a dead letter at once and the org
    /// sees no more collection calls than without locks. The assertions of the test above fail here, so they test the
    /// resubmission rather than the fault rate.
    /// </summary>
    [Fact]
    public async Task RowLocks_WithoutResubmission_AreDeadLetteredAtOnce_AndTheResubmissionAssertionsFail()
    {
        await using var clean = await SyncHarness.StartAsync(sandboxOptions: LockedOrg(faults: null));
        await using var harness = await SyncHarness.StartAsync(settings: new Dictionary<string, string?> { ["Sync:RetryableResubmissions"] = "0" },
            sandboxOptions: LockedOrg());
        await clean.SyncAsync();

        var summary = await harness.SyncAsync();

        var locked = harness.Sandbox.Salesforce.Org.InjectedRowLocks;
        Assert.NotEmpty(locked);
        Assert.Equal(locked.Count, locked.Distinct().Count());
        var letters = (await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "open")).Select(l => l.RecordId);
        Assert.Equal(locked.Order(), letters.Order());
        Assert.Equal(locked.Count, summary.DeadLettered);
        Assert.Empty((await WrittenAsync(harness)).Intersect(locked));
        Assert.Equal(await CollectionUpdatesAsync(clean), await CollectionUpdatesAsync(harness));
        await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(async () =>
            await AssertLockedRecordsWereResubmittedAsync(harness, summary, await CollectionUpdatesAsync(clean)));
    }

    static SandboxOptions LockedOrg(string? faults = "lock:0.2") => new() { Accounts = 400, Seed = 12, SalesforceFaults = faults };

    /// <summary>What the resubmission test claims, for one run with the default two resubmissions.</summary>
    static async Task AssertLockedRecordsWereResubmittedAsync(SyncHarness harness, SyncSummary summary, long lockFreeCollectionUpdates)
    {
        const int resubmissions = 2;
        var locks = harness.Sandbox.Salesforce.Org.InjectedRowLocks.CountBy(id => id).ToDictionary(c => c.Key, c => c.Value);
        var written = await WrittenAsync(harness);
        var letters = await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "open");
        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray();
        var included = accounts.Count(a => (string?)a!["Type"] is not ("Partner" or "Competitor"));

        // Records locked at first and written in the end: only a resubmission in this run can have written them.
        var recovered = locks.Where(l => l.Value <= resubmissions).Select(l => l.Key).ToList();
        Assert.True(recovered.Count > 10, $"only {recovered.Count} records were locked at first: the fault did not bite");
        Assert.Subset(written, recovered.ToHashSet());
        // Locked on every attempt: a dead letter with the lock's code, not written, not lost.
        var exhausted = locks.Where(l => l.Value > resubmissions).Select(l => l.Key).Order().ToList();
        Assert.All(locks.Values, n => Assert.InRange(n, 1, resubmissions + 1));
        Assert.Equal(exhausted, letters.Select(l => l.RecordId).Order());
        Assert.All(letters, l => Assert.Equal("UNABLE_TO_LOCK_ROW", l.Code));
        Assert.Empty(written.Intersect(exhausted));
        Assert.Equal(summary.DeadLettered, letters.Count);
        Assert.Equal(included, summary.SalesforceUpdated + summary.DeadLettered);
        // The org saw the extra batches: more collection updates than the same run without locks makes.
        Assert.True(await CollectionUpdatesAsync(harness) > lockFreeCollectionUpdates, "no collection call beyond a lock-free run's");
    }

    /// <summary>Accounts the run wrote back (their HubSpot id is set only by AbmSync).</summary>
    static async Task<HashSet<string>> WrittenAsync(SyncHarness harness) =>
        (await harness.SalesforceExportAsync())["Account"]!.AsArray()
            .Where(a => (string?)a!["ABM_HubSpot_Id__c"] is not null).Select(a => (string)a!["Id"]!).ToHashSet();

    /// <summary>PATCH …/composite/sobjects calls, as the org counted them.</summary>
    static async Task<long> CollectionUpdatesAsync(SyncHarness harness)
    {
        using var stats = JsonDocument.Parse(await harness.Http.GetStringAsync(new Uri(harness.Sandbox.SalesforceUrl, "/_sandbox/stats")));
        return stats.RootElement.GetProperty("byEndpoint").EnumerateObject()
            .Where(p => p.Name.StartsWith("PATCH", StringComparison.Ordinal) && p.Name.EndsWith("/composite/sobjects", StringComparison.Ordinal))
            .Sum(p => p.Value.GetInt64());
    }
}
