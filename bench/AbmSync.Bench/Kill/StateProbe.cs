using Microsoft.Data.Sqlite;

namespace AbmSync.Bench.Kill;

/// <summary>One row of the worker's run log (<c>sync_run</c>).</summary>
public sealed record RunRow(long Id, string Object, string Status, string StartedAt, string? FinishedAt, long RecordsRead,
    long HubSpotWritten, long SalesforceWritten, long DeadLettered, string? Message)
{
    public bool Running => Status == "running";

    public TimeSpan? Duration => FinishedAt is null ? null : DateTimeOffset.Parse(FinishedAt, System.Globalization.CultureInfo.InvariantCulture) -
        DateTimeOffset.Parse(StartedAt, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads the worker's SQLite state from outside, while it runs or after it was killed: which pair it is on (the run
/// log) and how many pages it has committed. Read-only, unpooled connections: the database is the worker's (WAL, so
/// reading never blocks its commits), and a file the worker has not created or migrated yet reads as empty.
/// </summary>
public sealed class StateProbe(string databasePath)
{
    public string DatabasePath => databasePath;

    async Task<T> QueryAsync<T>(Func<SqliteCommand, Task<T>> body, T empty, CancellationToken ct)
    {
        if (!File.Exists(databasePath))
        {
            return empty;
        }
        try
        {
            await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            return await body(command);
        }
        catch (SqliteException)
        {
            return empty; // not migrated yet
        }
    }

    public Task<long> LastRunIdAsync(CancellationToken ct) => QueryAsync(async command =>
    {
        command.CommandText = "SELECT COALESCE(MAX(id), 0) FROM sync_run";
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }, 0L, ct);

    /// <summary>The runs after <paramref name="afterId"/>, oldest first.</summary>
    public Task<IReadOnlyList<RunRow>> RunsAfterAsync(long afterId, CancellationToken ct) => QueryAsync<IReadOnlyList<RunRow>>(async command =>
    {
        command.CommandText = """
            SELECT id, object, status, started_at, finished_at, records_read, hubspot_records_written, salesforce_records_written, dead_lettered, message
            FROM sync_run WHERE id > $after ORDER BY id
            """;
        command.Parameters.AddWithValue("$after", afterId);
        var rows = new List<RunRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new RunRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return rows;
    }, [], ct);

    public async Task<RunRow?> RunAsync(long id, CancellationToken ct) => (await RunsAfterAsync(id - 1, ct)).FirstOrDefault(r => r.Id == id);

    /// <summary>
    /// Pages of <paramref name="pair"/> committed since <paramref name="since"/> (the state store's own UTC text): each
    /// page's commit stamps every baseline it writes with one time, so distinct times are commits, and a poll that
    /// comes late still counts every page. A page whose records all were unchanged writes no baseline and is not counted.
    /// </summary>
    public Task<long> PagesSinceAsync(string pair, string since, CancellationToken ct) => QueryAsync(async command =>
    {
        command.CommandText = "SELECT COUNT(DISTINCT written_at) FROM written_values WHERE object = $object AND written_at >= $since";
        command.Parameters.AddWithValue("$object", pair);
        command.Parameters.AddWithValue("$since", since);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }, 0L, ct);

    /// <summary>Links per pair: how far the sync has got, beside what the run log says.</summary>
    public Task<IReadOnlyDictionary<string, long>> LinksAsync(CancellationToken ct) => QueryAsync<IReadOnlyDictionary<string, long>>(async command =>
    {
        command.CommandText = "SELECT object, COUNT(*) FROM record_link GROUP BY object";
        var links = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            links[reader.GetString(0)] = reader.GetInt64(1);
        }
        return links;
    }, new Dictionary<string, long>(), ct);

    /// <summary>Open and parked dead letters per code, as "code n".</summary>
    public Task<IReadOnlyDictionary<string, long>> DeadLettersAsync(CancellationToken ct) => QueryAsync<IReadOnlyDictionary<string, long>>(async command =>
    {
        command.CommandText = "SELECT object || ' ' || side || ' ' || code || ' (' || status || ')', COUNT(*) FROM dead_letter WHERE status <> 'resolved' GROUP BY 1 ORDER BY 1";
        var letters = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            letters[reader.GetString(0)] = reader.GetInt64(1);
        }
        return letters;
    }, new Dictionary<string, long>(), ct);
}
