using AbmSync.Sandbox;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// One API budget for every run and process on a state store: the calls each run makes are counted there, a run stops
/// at a page boundary when AbmSync's share of the day is spent (whoever spent it), resumes once the day has moved on,
/// and the run log shows what each run was expected to spend beside what it spent.
/// </summary>
public class SharedBudgetTests
{
    [Fact]
    public async Task CallsOfEveryProcess_ShareOneBudget_ARunPausesWhenItIsSpent_AndResumesWhenItReturns()
    {
        var clock = new MovableClock();
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 63, time: clock,
            settings: new Dictionary<string, string?> { ["Sync:SalesforceCallShare"] = "0.01" },
            sandboxOptions: new SandboxOptions { Accounts = 60, Seed = 63, SalesforceDailyLimit = 100_000 });

        var first = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
        Assert.Equal("succeeded", first.Status);
        var counted = await harness.Store.ApiUsageSinceAsync(Side.Salesforce, clock.GetUtcNow().AddHours(-1));
        var logged = (await harness.Store.RecentRunsAsync(1))[0];
        Assert.Equal(logged.SalesforceCalls, counted);
        Assert.Equal(logged.HubSpotCalls, await harness.Store.ApiUsageSinceAsync(Side.HubSpot, clock.GetUtcNow().AddHours(-1)));

        // Another worker on the same store has spent all but a call of AbmSync's 1% (1,000 calls) today.
        await harness.Store.AddApiUsageAsync(Side.Salesforce, 1_000 - counted - 1);
        await harness.EditAccountAsSalesRepAsync((await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).First().SalesforceId, new { NumberOfEmployees = 777 });
        var paused = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));

        Assert.Equal("paused", paused.Status);
        Assert.Contains("Sync:SalesforceCallShare", paused.Message, StringComparison.Ordinal);
        Assert.Contains("every process on this state store", paused.Message, StringComparison.Ordinal);
        Assert.Equal(0, paused.HubSpotUpdated + paused.SalesforceUpdated);

        // A day later the calls of yesterday no longer count: the run goes on from its last committed page.
        clock.Advance(TimeSpan.FromHours(25));
        var resumed = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
        Assert.Equal("succeeded", resumed.Status);
        Assert.True(resumed.HubSpotUpdated >= 1, "the edit crossed once the budget returned");

        // Each run after the first carries the last run's calls as its estimate, beside what it made.
        var runs = await harness.Store.RecentRunsAsync(3);
        Assert.All(runs.Take(2), r => Assert.NotNull(r.EstimatedSalesforceCalls));
        Assert.Equal(runs[1].SalesforceCalls, runs[0].EstimatedSalesforceCalls);
    }
}
