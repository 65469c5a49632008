using System.Text.RegularExpressions;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Npgsql;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>The same sync with its state in PostgreSQL (production) instead of SQLite (the embedded default).</summary>
public class PostgresStateTests
{
    [Fact]
    public async Task Sync_WithPostgresState_LinksTiersAndThenWritesNothing()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var settings = new Dictionary<string, string?> { ["Storage:Provider"] = "Postgres", ["Storage:ConnectionString"] = database.ConnectionString };
        await using var harness = await SyncHarness.StartAsync(accounts: 200, seed: 8, settings);
        var version = await harness.Store.SchemaVersionAsync();
        await harness.Store.MigrateAsync(); // a second migration is a no-op
        Assert.Equal(version, await harness.Store.SchemaVersionAsync());
        Assert.True(version >= 2);

        var first = await harness.SyncAsync();
        await harness.ResetStatsAsync();
        var second = await harness.SyncAsync();

        Assert.Equal("succeeded", first.Status);
        Assert.Equal(0, first.DeadLettered);
        Assert.Equal(first.RecordsRead - first.Excluded, (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).Count);
        Assert.Equal(first.RecordsRead - first.Excluded, (await harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, "tier")).Count);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        Assert.Equal(0, second.HubSpotCreated + second.HubSpotUpdated + second.SalesforceUpdated);
        var runs = await harness.Store.RecentRunsAsync(5);
        Assert.Equal(["succeeded", "succeeded"], runs.Select(r => r.Status));
        var exported = (await harness.SalesforceExportAsync())["Account"]!.AsArray();
        Assert.Equal(first.SalesforceUpdated, exported.Count(a => (string?)a!["ABM_HubSpot_Id__c"] is not null));
    }

    [Fact]
    public async Task DeadLetters_RoundTripThroughPostgres()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var settings = new Dictionary<string, string?> { ["Storage:Provider"] = "Postgres", ["Storage:ConnectionString"] = database.ConnectionString };
        await using var harness = await SyncHarness.StartAsync(settings: settings,
            sandboxOptions: new AbmSync.Sandbox.SandboxOptions { Accounts = 300, Seed = 12, SalesforceFaults = "lock:0.3" });

        var summary = await harness.SyncAsync();

        var letters = await harness.Store.GetDeadLettersAsync(ObjectPairs.Accounts, "open");
        Assert.True(summary.DeadLettered > 0, "with 30% row locks some records outlast two resubmissions");
        Assert.Equal(summary.DeadLettered, letters.Count);
        Assert.All(letters, l => Assert.Equal(("salesforce", "UNABLE_TO_LOCK_ROW", 1), (l.Side, l.Code, l.Attempts)));
    }

    [Fact]
    public async Task Lease_OnPostgres_AWorkerWhoseClockIsAnHourAhead_CannotTakeALeaseJustRenewed()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var live = await PostgresStoreAsync(database, TimeProvider.System);
        var ahead = await PostgresStoreAsync(database, new SkewedClock(TimeSpan.FromHours(1)));

        Assert.True((await live.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "live", TimeSpan.FromMinutes(1))).Acquired);
        Assert.True(await live.RenewLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "live", TimeSpan.FromMinutes(1)));
        var stolen = await ahead.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "ahead", TimeSpan.FromMinutes(1));

        Assert.Equal((false, "live"), (stolen.Acquired, stolen.Holder));
        // The server writes the same text as Text() does, so rows of either origin (and SQLite's) compare as before.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT acquired_at || ' ' || expires_at FROM run_lease", connection);
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$"), (string)(await read.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Lease_OnPostgres_AWorkerWhoseClockIsAnHourBehind_StillSeesAnExpiredLeaseAsExpired()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var live = await PostgresStoreAsync(database, TimeProvider.System);
        var behind = await PostgresStoreAsync(database, new SkewedClock(-TimeSpan.FromHours(1)));

        Assert.True((await live.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "dead", TimeSpan.FromMilliseconds(200))).Acquired);
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        var taken = await behind.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "behind", TimeSpan.FromMinutes(1));

        Assert.Equal((true, "behind"), (taken.Acquired, taken.Holder));
        Assert.False(await live.RenewLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "dead", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Lease_OnPostgres_AcquireAndRenewByAWorkerAnHourAhead_ExpireByTheServersClock()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var live = await PostgresStoreAsync(database, TimeProvider.System);
        var ahead = await PostgresStoreAsync(database, new SkewedClock(TimeSpan.FromHours(1)));

        var acquired = await ahead.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "ahead", TimeSpan.FromMilliseconds(200));
        Assert.True(acquired.Acquired);
        // The server and this test share a machine, hence a clock: the lease ends in 200 ms, not in an hour.
        Assert.InRange(acquired.ExpiresAt!.Value, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1));
        Assert.True(await ahead.RenewLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "ahead", TimeSpan.FromMilliseconds(200)));
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        var taken = await live.TryAcquireLeaseAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "live", TimeSpan.FromMinutes(1));

        Assert.Equal((true, "live"), (taken.Acquired, taken.Holder));
    }

    static async Task<StateStore> PostgresStoreAsync(PostgresDatabase database, TimeProvider clock)
    {
        var store = new StateStore("Postgres", database.ConnectionString, clock);
        await store.MigrateAsync();
        return store;
    }
}
