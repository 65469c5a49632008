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
