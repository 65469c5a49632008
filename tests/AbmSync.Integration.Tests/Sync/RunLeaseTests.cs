using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Data.Sqlite;

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
        // Nothing in the store either: no link, no cursor, and the other worker still holds the lease.
        Assert.Empty(await harness.Store.AllLinksAsync(ObjectPairs.Accounts));
        Assert.Null(await harness.Store.GetCursorAsync(ObjectPairs.Accounts, "salesforce"));
        Assert.Equal("skipped", (await harness.Store.RecentRunsAsync(1)).Single().Status);
        Assert.True(await harness.Store.RenewLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, other, TimeSpan.FromMinutes(5)));

        await harness.Store.ReleaseLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, other);
        var ran = await harness.SyncAsync();

        Assert.Equal("succeeded", ran.Status);
        Assert.True(ran.SalesforceUpdated > 0);
        // The run released its lease (2 minutes long, so it has not expired): anyone may take it now.
        Assert.True((await harness.Store.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, other, TimeSpan.FromMinutes(5))).Acquired);
    }

    /// <summary>
    /// A whole-pair run and a partition run of one pair would write the same records (the default `sync_all` beside a
    /// partitioned job of a big pair); so would partitions of two counts. Only partitions of one count share a pair.
    /// </summary>
    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Lease_OverlappingScopesOfOnePair_HoldEachOtherOff_PartitionsOfOneCountDoNot(string provider)
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        using var sqlite = new TemporarySqlite();
        await using var database = provider == "Postgres" ? await PostgresDatabase.CreateAsync() : null;
        var store = database is null ? await sqlite.StoreAsync(clock) : new StateStore("Postgres", database.ConnectionString, TimeProvider.System);
        await store.MigrateAsync();
        var ttl = TimeSpan.FromMinutes(5);

        Assert.True((await store.TryAcquireLeaseAsync("accounts#0/4", "both", "worker-a", ttl)).Acquired);
        Assert.True((await store.TryAcquireLeaseAsync("accounts#1/4", "both", "worker-b", ttl)).Acquired);
        // Another pair is another matter.
        Assert.True((await store.TryAcquireLeaseAsync("contacts", "both", "worker-c", ttl)).Acquired);

        var whole = await store.TryAcquireLeaseAsync("accounts", "both", "worker-c", ttl);
        Assert.False(whole.Acquired);
        Assert.Contains("accounts#", whole.Holder, StringComparison.Ordinal);
        var otherCount = await store.TryAcquireLeaseAsync("accounts#1/2", "both", "worker-c", ttl);
        Assert.False(otherCount.Acquired);

        await store.ReleaseLeaseAsync("accounts#0/4", "both", "worker-a");
        await store.ReleaseLeaseAsync("accounts#1/4", "both", "worker-b");
        Assert.True((await store.TryAcquireLeaseAsync("accounts", "both", "worker-c", ttl)).Acquired);
        var partition = await store.TryAcquireLeaseAsync("accounts#2/4", "both", "worker-a", ttl);
        Assert.Equal((false, "worker-c, accounts"), (partition.Acquired, partition.Holder));
        // The whole run's own renewal and a re-take by its holder are not held off by anything.
        Assert.True((await store.TryAcquireLeaseAsync("accounts", "both", "worker-c", ttl)).Acquired);
    }

    [Fact]
    public async Task Lease_ExpiredHolder_IsTakenOver_AndTheOldHolderCannotRenew()
    {
        // A clock that moves only when told: "expired" is then a fact of the test, not of how busy the machine is.
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        using var sqlite = new TemporarySqlite();
        var store = await sqlite.StoreAsync(clock);

        Assert.True((await store.TryAcquireLeaseAsync("accounts", "x", "dead-worker", TimeSpan.FromMinutes(1))).Acquired);
        clock.Advance(TimeSpan.FromSeconds(59));
        var early = await store.TryAcquireLeaseAsync("accounts", "x", "live-worker", TimeSpan.FromMinutes(1));
        Assert.Equal((false, "dead-worker"), (early.Acquired, early.Holder));

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True((await store.TryAcquireLeaseAsync("accounts", "x", "live-worker", TimeSpan.FromMinutes(1))).Acquired);

        Assert.False(await store.RenewLeaseAsync("accounts", "x", "dead-worker", TimeSpan.FromMinutes(1)));
        var third = await store.TryAcquireLeaseAsync("accounts", "x", "third-worker", TimeSpan.FromMinutes(1));
        Assert.Equal((false, "live-worker"), (third.Acquired, third.Holder));
        // The renewal moves the expiry: past the first minute of live-worker's lease it is still held.
        clock.Advance(TimeSpan.FromSeconds(50));
        Assert.True(await store.RenewLeaseAsync("accounts", "x", "live-worker", TimeSpan.FromMinutes(1)));
        clock.Advance(TimeSpan.FromSeconds(50));
        var late = await store.TryAcquireLeaseAsync("accounts", "x", "third-worker", TimeSpan.FromMinutes(1));
        Assert.Equal((false, "live-worker"), (late.Acquired, late.Holder));
    }

    [Fact]
    public async Task DeadLocalHolderShortcut_NeverTakesALeaseHeldInAnotherPidNamespace()
    {
        var mine = RunLease.PidNamespace();
        Assert.NotNull(mine); // the tests run on Linux, where a process can name its PID namespace
        // No process has this PID (it is above every kernel's pid_max), so in our own namespace the holder is dead;
        // in a sibling container's namespace "no such process here" proves nothing about it.
        var gone = int.MaxValue;
        var foreign = $"{Environment.MachineName}/{gone}/run 7/pid:[1]";
        var unnamed = $"{Environment.MachineName}/{gone}/run 7"; // written before holders named their namespace
        var local = $"{Environment.MachineName}/{gone}/run 7/{mine}";
        Assert.NotEqual("pid:[1]", mine);
        using var sqlite = new TemporarySqlite();
        var store = await sqlite.StoreAsync(TimeProvider.System);

        var me = $"{Environment.MachineName}/{Environment.ProcessId}/run 8/{mine}";
        foreach (var (pair, holder) in new[] { ("accounts", foreign), ("contacts", unnamed) })
        {
            Assert.True((await store.TryAcquireLeaseAsync(pair, SyncRunner.LeaseDirection, holder, TimeSpan.FromMinutes(5))).Acquired);
            Assert.False(RunLease.IsDeadLocalHolder(holder));
            var taken = await TakeAsTheRunnerDoes(store, pair, me);
            Assert.Equal((false, holder), (taken.Acquired, taken.Holder));
        }
        // The store takes over only the very holder that was judged dead: naming another one takes nothing.
        var misnamed = await store.TryAcquireLeaseAsync("accounts", SyncRunner.LeaseDirection, me, TimeSpan.FromMinutes(5), deadHolder: local);
        Assert.Equal((false, foreign), (misnamed.Acquired, misnamed.Holder));
        // The shortcut itself works: the same dead PID in our namespace is taken over at once, lease unexpired.
        Assert.True((await store.TryAcquireLeaseAsync("opportunities", SyncRunner.LeaseDirection, local, TimeSpan.FromMinutes(5))).Acquired);
        var takeover = await TakeAsTheRunnerDoes(store, "opportunities", me);
        Assert.Equal((true, me), (takeover.Acquired, takeover.Holder));
    }

    [Fact]
    public async Task Run_TakesOverADeadHolderAtOnce_OnlyInItsOwnPidNamespace()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 20);
        var gone = int.MaxValue; // above every kernel's pid_max: no such process
        var foreign = $"{Environment.MachineName}/{gone}/run 7/pid:[1]";
        Assert.True((await harness.Store.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, foreign, TimeSpan.FromMinutes(5))).Acquired);

        var skipped = await harness.SyncAsync();

        Assert.Equal("skipped", skipped.Status);
        Assert.Contains(foreign, skipped.Message, StringComparison.Ordinal);
        Assert.True(await harness.Store.RenewLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, foreign, TimeSpan.FromMinutes(5)));

        await harness.Store.ReleaseLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, foreign);
        var local = $"{Environment.MachineName}/{gone}/run 7/{RunLease.PidNamespace()}";
        Assert.True((await harness.Store.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, local, TimeSpan.FromMinutes(5))).Acquired);

        var ran = await harness.SyncAsync();

        Assert.Equal("succeeded", ran.Status);
        Assert.False(await harness.Store.RenewLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, local, TimeSpan.FromMinutes(5)));
    }

    /// <summary>What SyncRunner does on a refusal: name the holder as dead only when <see cref="RunLease.IsDeadLocalHolder"/> says so.</summary>
    static async Task<(bool Acquired, string? Holder, DateTimeOffset? ExpiresAt)> TakeAsTheRunnerDoes(StateStore store, string objectName, string me)
    {
        var first = await store.TryAcquireLeaseAsync(objectName, SyncRunner.LeaseDirection, me, TimeSpan.FromMinutes(5));
        return !first.Acquired && first.Holder is { } other && RunLease.IsDeadLocalHolder(other)
            ? await store.TryAcquireLeaseAsync(objectName, SyncRunner.LeaseDirection, me, TimeSpan.FromMinutes(5), deadHolder: other)
            : first;
    }
}

/// <summary>A migrated SQLite state store in a directory of its own, deleted afterwards.</summary>
sealed class TemporarySqlite : IDisposable
{
    readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("abmsync-lease-");

    public async Task<StateStore> StoreAsync(TimeProvider clock)
    {
        var store = new StateStore("Sqlite", $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}", clock);
        await store.MigrateAsync();
        return store;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);
    }
}
