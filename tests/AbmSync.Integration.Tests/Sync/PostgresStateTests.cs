using AbmSync.Worker.Sync;

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
}
