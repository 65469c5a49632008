using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

public class RunLeaseTests
{
    [Fact]
    public async Task Run_WhileAnotherWorkerHoldsTheLease_IsSkippedAndWritesNothing_ThenRunsOnceItIsFree()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60);
        var other = "other-host/4242/run 9";
        Assert.True((await harness.Store.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, other, TimeSpan.FromMinutes(5))).Acquired);

        var skipped = await harness.SyncAsync();

        Assert.Equal("skipped", skipped.Status);
        Assert.Contains(other, skipped.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Calls);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Calls);

        await harness.Store.ReleaseLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, other);
        var ran = await harness.SyncAsync();

        Assert.Equal("succeeded", ran.Status);
        Assert.True(ran.SalesforceUpdated > 0);
        // The run released its lease: anyone may take it now.
        Assert.True((await harness.Store.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, other, TimeSpan.FromMinutes(5))).Acquired);
    }

    [Fact]
    public async Task Lease_ExpiredHolder_IsTakenOver_AndTheOldHolderCannotRenew()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 5);
        var store = harness.Store;

        Assert.True((await store.TryAcquireLeaseAsync("accounts", "x", "dead-worker", TimeSpan.FromMilliseconds(1))).Acquired);
        await Task.Delay(20);
        var (acquired, holder, _) = await store.TryAcquireLeaseAsync("accounts", "x", "live-worker", TimeSpan.FromMinutes(1));

        Assert.True(acquired);
        Assert.Equal("live-worker", holder);
        Assert.False(await store.RenewLeaseAsync("accounts", "x", "dead-worker", TimeSpan.FromMinutes(1)));
        Assert.True(await store.RenewLeaseAsync("accounts", "x", "live-worker", TimeSpan.FromMinutes(1)));
        Assert.False((await store.TryAcquireLeaseAsync("accounts", "x", "third-worker", TimeSpan.FromMinutes(1))).Acquired);
    }
}
