using AbmSync.Core.Sync;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Data.Sqlite;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>What <c>reconcile --repair</c> changes in the state store itself, on both databases: tombstones.</summary>
public class ReconcileStoreTests
{
    static async Task WithStoreAsync(string provider, Func<StateStore, Task> body)
    {
        if (provider == "Postgres")
        {
            await using var database = await PostgresDatabase.CreateAsync();
            await body(new StateStore("Postgres", database.ConnectionString, TimeProvider.System));
            return;
        }
        var directory = Directory.CreateTempSubdirectory("abmsync-reconcile-store-");
        try
        {
            await body(new StateStore("Sqlite", $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}", TimeProvider.System));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static WrittenValues Written(Dictionary<string, string> values) => new(values, FieldValues.Hash(values));

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public Task TombstonesOnlyActiveLinks_OnceATombstoneAlwaysThatTombstone(string provider) => WithStoreAsync(provider, async store =>
    {
        await store.MigrateAsync();
        var run = await store.StartRunAsync(ObjectPairs.Accounts, SyncRunner.LeaseDirection, "incremental");
        var page = new PageCommit(ObjectPairs.Accounts, run);
        page.Links.Add(new RecordLink(ObjectPairs.Accounts, "001A", "101", "domain", DateTimeOffset.UtcNow, null));
        page.Links.Add(new RecordLink(ObjectPairs.Accounts, "001B", "102", "domain", DateTimeOffset.UtcNow, null));
        page.Links.Add(new RecordLink(ObjectPairs.Accounts, "001C", "103", "domain", DateTimeOffset.UtcNow, null, LinkStatuses.SalesforceDeleted));
        page.Written.Add((Side.Salesforce, "001A", Written(new() { ["Name"] = "Acme", ["Website"] = "acme.example" })));
        page.Written.Add((Side.Salesforce, "001B", Written(new() { ["Name"] = "Birch" })));
        page.Written.Add((Side.HubSpot, "001A", Written(new() { ["name"] = "Acme" })));
        await store.CommitPageAsync(page);

        Assert.Equal(["001A"], await store.TombstoneLinksAsync(ObjectPairs.Accounts, [("001A", LinkStatuses.HubSpotDeleted), ("001C", LinkStatuses.HubSpotDeleted)]));
        // Once a tombstone, always that tombstone: a second repair (or one racing a sync) changes nothing.
        Assert.Empty(await store.TombstoneLinksAsync(ObjectPairs.Accounts, [("001A", LinkStatuses.SalesforceDeleted)]));
        var links = await store.GetLinksAsync(ObjectPairs.Accounts, ["001A", "001B", "001C"]);
        Assert.Equal(LinkStatuses.HubSpotDeleted, links["001A"].Status);
        Assert.Equal(LinkStatuses.Active, links["001B"].Status);
        Assert.Equal(LinkStatuses.SalesforceDeleted, links["001C"].Status);
        await Assert.ThrowsAsync<ArgumentException>(() => store.TombstoneLinksAsync(ObjectPairs.Accounts, [("001B", LinkStatuses.Active)]));
    });
}

/// <summary>The status page's "last reconcile" of a pair when a reconcile ran whole, then in partitions, then whole again.</summary>
public class ReconcileReportStoreTests
{
    [Fact]
    public async Task LastReconciles_SumsTheNewestPartitionsOfTheNewestCount_AndAWholeRunNewerThanThemWins()
    {
        using var sqlite = new TemporarySqlite();
        var store = await sqlite.StoreAsync(TimeProvider.System);
        var t0 = new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
        static Dictionary<string, int> Drift(int field, int missing) => new() { [DriftCategories.FieldDrift] = field, [DriftCategories.MissingInHubSpot] = missing };
        await store.SaveReconcileAsync("accounts", true, Drift(50, 50), t0);
        // An older split into 2, then the newest into 3: only the 3's count, each partition's newest row.
        await store.SaveReconcileAsync("accounts#0/2", true, Drift(100, 0), t0.AddMinutes(1));
        await store.SaveReconcileAsync("accounts#0/3", true, Drift(9, 9), t0.AddMinutes(2));
        await store.SaveReconcileAsync("accounts#0/3", true, Drift(1, 0), t0.AddMinutes(3));
        await store.SaveReconcileAsync("accounts#1/3", false, Drift(2, 1), t0.AddMinutes(4));
        await store.SaveReconcileAsync("accounts#2/3", true, Drift(3, 0), t0.AddMinutes(5));
        await store.SaveReconcileAsync("contacts#0/2", true, Drift(7, 0), t0);
        await store.SaveReconcileAsync("contacts", true, Drift(0, 0), t0.AddMinutes(1));

        var last = await store.LastReconcilesAsync();

        Assert.Equal(["accounts", "contacts"], last.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(6, last["accounts"].Drift[DriftCategories.FieldDrift]);
        Assert.Equal(1, last["accounts"].Drift[DriftCategories.MissingInHubSpot]);
        Assert.Equal(t0.AddMinutes(5), last["accounts"].FinishedAt);
        // One partition only reported: the pair's reconcile is not a repair.
        Assert.False(last["accounts"].Repaired);
        Assert.Equal(0, last["contacts"].Total);
    }
}
