using AbmSync.Worker.State;
using Dapper;
using Microsoft.Data.Sqlite;

namespace AbmSync.Integration.Tests.Sync;

public class MigrationLockTests
{
    [Fact]
    public async Task Sqlite_EightConcurrentMigrationsOfAFreshFile_AllSucceed_AndApplyEachVersionOnce()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-migrate-");
        try
        {
            // Whether two of them read schema_migration before the first commits is up to the scheduler (without the
            // lock about one fresh file in five fails here), hence several files; the next test holds the window open.
            for (var round = 0; round < 10; round++)
            {
                await MigrateConcurrentlyAsync($"Data Source={Path.Combine(directory.FullName, $"abmsync-{round}.db")};Pooling=False");
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Sqlite_MigrationsThatWaitForAnotherWriter_ReadSchemaMigrationOnlyOnceTheyHoldTheLock()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-migrate-");
        var connectionString = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")};Pooling=False";
        try
        {
            // Another process is mid-migration: it created schema_migration and holds the write lock. A migrator that
            // reads schema_migration before it has the lock reads it empty and then applies 0001 a second time.
            await using var other = new SqliteConnection(connectionString);
            await other.OpenAsync();
            await other.ExecuteAsync("PRAGMA journal_mode=WAL; CREATE TABLE schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            var held = other.BeginTransaction(deferred: false);
            var migrations = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
                new StateStore("Sqlite", connectionString, TimeProvider.System).MigrateAsync().GetAwaiter().GetResult(),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            // Well inside the 5 s busy timeout, and long enough for all eight to have reached the lock.
            await Task.Delay(TimeSpan.FromSeconds(1));
            held.Commit();
            held.Dispose();

            await Task.WhenAll(migrations);

            var versions = (await other.QueryAsync<long>("SELECT version FROM schema_migration ORDER BY version")).ToList();
            Assert.Equal(ShippedVersions(), versions);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static async Task MigrateConcurrentlyAsync(string connectionString)
    {
        // Eight stores, eight connections, eight threads of their own: what eight worker processes starting at once
        // on one file do. The barrier lines them up so that they read schema_migration at the same moment.
        using var start = new Barrier(8);
        var migrations = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            new StateStore("Sqlite", connectionString, TimeProvider.System).MigrateAsync().GetAwaiter().GetResult();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        await Task.WhenAll(migrations);

        await using var connection = new SqliteConnection(connectionString);
        // version is the table's primary key, so a second apply shows as a failed MigrateAsync above ("table
        // record_link already exists"); here: every shipped migration is recorded, each once.
        var versions = (await connection.QueryAsync<long>("SELECT version FROM schema_migration ORDER BY version")).ToList();
        Assert.Equal(ShippedVersions(), versions);
    }

    static List<long> ShippedVersions()
    {
        const string prefix = "AbmSync.Worker.State.Migrations.";
        return [.. typeof(StateStore).Assembly.GetManifestResourceNames()
            .Where(r => r.StartsWith(prefix, StringComparison.Ordinal))
            .Select(r => long.Parse(r[prefix.Length..r.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture))
            .Order()];
    }
}
