using Npgsql;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// A fresh database on the throwaway PostgreSQL cluster that scripts/test.sh starts (its connection string arrives as
/// ABMSYNC_TEST_POSTGRES), dropped afterwards.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    readonly string server;
    readonly string name;

    PostgresDatabase(string server, string name)
    {
        this.server = server;
        this.name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var server = Environment.GetEnvironmentVariable("ABMSYNC_TEST_POSTGRES")
            ?? throw new InvalidOperationException("ABMSYNC_TEST_POSTGRES is not set: run the tests with ./scripts/test.sh, which starts a throwaway PostgreSQL cluster.");
        var name = $"abmsync_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new PostgresDatabase(server, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
