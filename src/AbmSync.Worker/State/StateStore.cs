using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AbmSync.Worker.State;

/// <summary>
/// AbmSync's own state: id links, cursors, written-value hashes, run log, dead letters, decisions, owner identities.
/// One class over SQL that SQLite and PostgreSQL both speak; the few differences (the auto-numbered key, list
/// parameters, SQLite's pragmas, each database's migration lock, PostgreSQL's lease clock) are named where they occur.
/// </summary>
/// <param name="deadLetterBackoff">How long a dead letter waits after each failure (<see cref="SyncOptions.DeadLetterBackoff"/>); null: the default.</param>
public sealed partial class StateStore(string provider, string connectionString, TimeProvider time, IReadOnlyList<TimeSpan>? deadLetterBackoff = null)
{
    /// <summary>The wait after a dead letter's 1st, 2nd, … failure; the failure after the last step parks it.</summary>
    public IReadOnlyList<TimeSpan> DeadLetterBackoff { get; } = deadLetterBackoff is { Count: > 0 } steps ? [.. steps] : SyncOptions.DefaultDeadLetterBackoff;

    /// <summary>At this many failed attempts a dead letter is parked: it waits for a person (<c>abmsync dead-letters retry</c>).</summary>
    public int MaxAttempts => DeadLetterBackoff.Count + 1;

    public string Provider { get; } = provider;

    bool IsPostgres => Provider == "Postgres";

    DbConnection Open()
    {
        try
        {
            return OpenUnchecked();
        }
        catch (Exception e) when (e is DbException or System.Net.Sockets.SocketException or TimeoutException or IOException or InvalidOperationException)
        {
            throw StateStoreException.DoesNotAnswer(Provider, Describe(e));
        }
    }

    DbConnection OpenUnchecked()
    {
        if (IsPostgres)
        {
            var postgres = new NpgsqlConnection(connectionString);
            postgres.Open();
            return postgres;
        }
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // WAL lets the dashboard read while a run writes; a busy timeout rides out the other process's commit.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// What went wrong opening the store, in words that name no connection-string value (it may hold a password).
    /// Driver messages name hosts, ports and SQLite's result, never the password.
    /// </summary>
    static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next && inner is not SqliteException && inner is not PostgresException)
        {
            inner = next;
        }
        return inner switch
        {
            SqliteException { SqliteErrorCode: 26 } => "the file is not a SQLite database",
            SqliteException { SqliteErrorCode: 14 } => "the database file cannot be opened",
            SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message}",
            PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
            System.Net.Sockets.SocketException socket => $"{e.Message} ({socket.SocketErrorCode})",
            _ => e.Message,
        };
    }

    /// <summary>
    /// Checks the connection string before anything opens it, so that a typo is a settings problem (exit 2) rather
    /// than a failure deep inside a run. A SQLite file must sit in a directory that exists: only the default
    /// <c>data/</c> directory is created, so that a mistyped path never scatters databases around the disk.
    /// </summary>
    public static void CheckConnectionString(string provider, string connectionString)
    {
        string? dataSource = null;
        try
        {
            if (provider == "Postgres")
            {
                var builder = new NpgsqlConnectionStringBuilder(connectionString);
                if (string.IsNullOrEmpty(builder.Host))
                {
                    throw StateStoreException.Malformed(provider, "it names no Host");
                }
                return;
            }
            dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        }
        catch (ArgumentException)
        {
            // The driver's message can quote part of the string (a password with a ';' in it): say what is expected instead.
            throw StateStoreException.Malformed(provider, provider == "Postgres"
                ? "expected key=value pairs such as Host=127.0.0.1;Port=5432;Username=abmsync;Database=abmsync"
                : "expected key=value pairs such as Data Source=data/abmsync.db");
        }
        if (string.IsNullOrEmpty(dataSource))
        {
            throw StateStoreException.Malformed(provider, "it names no Data Source (the database file)");
        }
        if (dataSource == ":memory:" || dataSource.StartsWith("file::memory:", StringComparison.Ordinal))
        {
            return;
        }
        var path = Path.GetFullPath(dataSource);
        if (Directory.Exists(path))
        {
            throw StateStoreException.Malformed(provider, $"Data Source '{path}' is a directory; name a database file in it, such as {Path.Combine(path, "abmsync.db")}");
        }
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            if (Path.GetFullPath(DefaultDataDirectory) == directory)
            {
                Directory.CreateDirectory(directory);
                return;
            }
            throw StateStoreException.Malformed(provider, $"the directory of Data Source '{path}' does not exist; create it, or point Storage:ConnectionString at one that does");
        }
    }

    /// <summary>Where the default SQLite database lives (<c>Data Source=data/abmsync.db</c>): created on first use.</summary>
    public const string DefaultDataDirectory = "data";

    string Now() => Text(time.GetUtcNow());

    /// <summary>Dapper expands a list into (@p1, @p2, …) for SQLite but passes it to Npgsql as one array parameter.</summary>
    string InList(string column, string parameter) => IsPostgres ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    static string Text(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    static DateTimeOffset? ParseOrNull(string? value) => value is null ? null : Parse(value);

    /// <summary>Applies every migration not yet applied, in order. Safe to call from several processes.</summary>
    public async Task MigrateAsync(CancellationToken ct = default)
    {
        CheckConnectionString(Provider, connectionString);
        await using var connection = Open();
        SqliteTransaction? writeLock = null;
        if (IsPostgres)
        {
            // Several workers start at once on one database: one migrates, the others wait for it (released on disconnect).
            await connection.ExecuteAsync("SELECT pg_advisory_lock(hashtext('abmsync-migrations'))");
        }
        else
        {
            // SQLite has no advisory lock: BEGIN IMMEDIATE takes the file's write lock before schema_migration is read,
            // so a second process waits (busy_timeout, set in Open) and then reads every migration as applied instead
            // of applying them again. One transaction for them all: SQLite's DDL is transactional.
            writeLock = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        }
        try
        {
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                transaction: writeLock);
            var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migration", transaction: writeLock)).ToHashSet();
            foreach (var (version, name, sql) in Migrations())
            {
                if (applied.Contains(version))
                {
                    continue;
                }
                await using var own = writeLock is null ? await connection.BeginTransactionAsync(ct) : null;
                var transaction = (DbTransaction?)writeLock ?? own;
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync("INSERT INTO schema_migration (version, name, applied_at) VALUES (@version, @name, @now)",
                    new { version, name, now = Now() }, transaction);
                if (own is not null)
                {
                    await own.CommitAsync(ct);
                }
            }
            if (writeLock is not null)
            {
                await writeLock.CommitAsync(ct);
            }
        }
        finally
        {
            if (writeLock is not null)
            {
                await writeLock.DisposeAsync();
            }
        }
    }

    IEnumerable<(long Version, string Name, string Sql)> Migrations()
    {
        var assembly = typeof(StateStore).Assembly;
        const string prefix = "AbmSync.Worker.State.Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..];
            var version = long.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, name, reader.ReadToEnd().Replace("{identity}",
                IsPostgres ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal));
        }
    }

    public async Task<int> SchemaVersionAsync()
    {
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM schema_migration");
    }

    /// <summary>
    /// The health probe: the schema version, read on a connection of its own. For SQLite that connection is not pooled
    /// and may not create the file: a pooled connection keeps answering from a database file deleted underneath it,
    /// and opening a missing file would otherwise make a new, empty one.
    /// </summary>
    public async Task<int> ProbeAsync(CancellationToken ct = default)
    {
        try
        {
            await using var connection = IsPostgres ? OpenUnchecked() : OpenSqliteProbe();
            return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COALESCE(MAX(version), 0) FROM schema_migration", cancellationToken: ct));
        }
        catch (Exception e) when (e is DbException or System.Net.Sockets.SocketException or TimeoutException or IOException or InvalidOperationException)
        {
            throw StateStoreException.DoesNotAnswer(Provider, Describe(e));
        }
    }

    /// <summary>The version <see cref="MigrateAsync"/> brings the schema to.</summary>
    public long LatestSchemaVersion => latestSchemaVersion ??= Migrations().Max(m => m.Version);

    long? latestSchemaVersion;

    SqliteConnection OpenSqliteProbe()
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = false };
        if (builder.Mode == SqliteOpenMode.ReadWriteCreate && builder.DataSource != ":memory:")
        {
            builder.Mode = SqliteOpenMode.ReadWrite;
        }
        var connection = new SqliteConnection(builder.ConnectionString);
        connection.Open();
        return connection;
    }

    // ---- which systems this state belongs to ----

    /// <summary>
    /// Binds the store to a Salesforce org and a HubSpot portal on first use; afterwards answers the binding so that
    /// the caller can refuse to run against another pair. Two first runs at once agree: the first insert wins.
    /// </summary>
    public async Task<(string SalesforceOrgId, string HubSpotPortalId)> BindSystemsAsync(string salesforceOrgId, string hubSpotPortalId)
    {
        await using var connection = Open();
        await connection.ExecuteAsync(
            "INSERT INTO system_binding (id, salesforce_org_id, hubspot_portal_id, bound_at) VALUES (1, @salesforceOrgId, @hubSpotPortalId, @now) ON CONFLICT (id) DO NOTHING",
            new { salesforceOrgId, hubSpotPortalId, now = Now() });
        return await connection.QuerySingleAsync<(string, string)>("SELECT salesforce_org_id, hubspot_portal_id FROM system_binding WHERE id = 1");
    }

    public async Task<(string SalesforceOrgId, string HubSpotPortalId)?> GetSystemBindingAsync()
    {
        await using var connection = Open();
        return await connection.QuerySingleOrDefaultAsync<(string, string)?>("SELECT salesforce_org_id, hubspot_portal_id FROM system_binding WHERE id = 1");
    }

    // ---- runs ----

    /// <summary>This process, as the run log names it: host/pid.</summary>
    public static string Worker { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    public async Task<long> StartRunAsync(string objectName, string direction, string mode)
    {
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<long>(
            "INSERT INTO sync_run (object, direction, mode, started_at, status, heartbeat_at, worker) VALUES (@objectName, @direction, @mode, @now, 'running', @now, @worker) RETURNING id",
            new { objectName, direction, mode, now = Now(), worker = Worker });
    }

    /// <summary>When the first real (not dry) run of an object started, if one did: what existed before it is not new.</summary>
    public async Task<DateTimeOffset?> FirstRunStartedAtAsync(string objectName)
    {
        await using var connection = Open();
        var first = await connection.ExecuteScalarAsync<string?>(
            "SELECT MIN(started_at) FROM sync_run WHERE object = @objectName AND mode NOT LIKE 'dry-run%'",
            new { objectName });
        return first is null ? null : Parse(first);
    }

    /// <summary>Records that a run is alive and holds its lease until <paramref name="leaseExpiresAt"/>.</summary>
    public async Task MarkRunAliveAsync(long runId, DateTimeOffset leaseExpiresAt)
    {
        await using var connection = Open();
        await connection.ExecuteAsync("UPDATE sync_run SET heartbeat_at = @now, lease_expires_at = @until WHERE id = @runId AND status = 'running'",
            new { runId, now = Now(), until = Text(leaseExpiresAt) });
    }

    public async Task FinishRunAsync(long runId, string status, RunCounts counts, string? message)
    {
        await using var connection = Open();
        await connection.ExecuteAsync("""
            UPDATE sync_run SET finished_at = @now, status = @status, records_read = @RecordsRead,
                hubspot_records_written = @HubSpotRecordsWritten, salesforce_records_written = @SalesforceRecordsWritten,
                dead_lettered = @DeadLettered, salesforce_calls = @SalesforceCalls, hubspot_calls = @HubSpotCalls, message = @message
            WHERE id = @runId
            """,
            new
            {
                runId, status, message, now = Now(), counts.RecordsRead, counts.HubSpotRecordsWritten, counts.SalesforceRecordsWritten,
                counts.DeadLettered, counts.SalesforceCalls, counts.HubSpotCalls,
            });
    }

    public async Task<IReadOnlyList<SyncRun>> RecentRunsAsync(int count)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync("SELECT * FROM sync_run ORDER BY id DESC LIMIT @count", new { count });
        var now = time.GetUtcNow();
        return [.. rows.Select(r =>
        {
            var status = (string)r.status;
            var heartbeat = ParseOrNull((string?)r.heartbeat_at);
            var leaseExpires = ParseOrNull((string?)r.lease_expires_at);
            // A run still marked running whose lease ran out has no living process behind it (a renewing run keeps
            // its lease ahead of now). Runs from before the heartbeat existed get a day.
            if (status == "running" && (leaseExpires ?? Parse((string)r.started_at).AddDays(1)) < now)
            {
                status = "abandoned";
            }
            return new SyncRun(
                Long(r.id), (string)r.@object, (string)r.direction, (string)r.mode, Parse((string)r.started_at), ParseOrNull((string?)r.finished_at),
                status, Int(r.records_read), Int(r.hubspot_records_written), Int(r.salesforce_records_written),
                Int(r.dead_lettered), Int(r.salesforce_calls), Int(r.hubspot_calls), (string?)r.message, heartbeat)
            {
                EstimatedSalesforceCalls = r.estimated_salesforce_calls is null ? null : Long(r.estimated_salesforce_calls),
                EstimatedHubSpotCalls = r.estimated_hubspot_calls is null ? null : Long(r.estimated_hubspot_calls),
                Worker = (string?)r.worker,
            };
        })];    }

    // ---- leases ----

    // On PostgreSQL every worker's lease is timed by the server's clock, so that workers whose clocks disagree can
    // neither both hold a lease nor take a live one early. The columns stay text in the one format Text() writes,
    // shared with SQLite and with rows written before: now() in UTC to the microsecond and a literal 0 for the
    // seventh digit. It is compared in the C collation, where that text sorts in time order whatever the database's
    // locale. now() rather than clock_timestamp(): each statement here is its own transaction, and now() is one
    // instant for both acquired_at and expires_at. SQLite is one file on one machine, so its one clock is the
    // process's TimeProvider.
    const string PostgresNow = """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"0Z"')""";
    const string PostgresExpires = """to_char((now() + make_interval(secs => @ttlSeconds)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"0Z"')""";

    /// <summary>
    /// Takes the run lease of (object, direction) for <paramref name="holder"/> until now + <paramref name="ttl"/>,
    /// if it is free, expired, or already the holder's. Returns the current holder when someone else has it.
    /// "Now" is the database server's clock on PostgreSQL and the TimeProvider's on SQLite.
    /// </summary>
    public async Task<(bool Acquired, string? Holder, DateTimeOffset? ExpiresAt)> TryAcquireLeaseAsync(
        string objectName, string direction, string holder, TimeSpan ttl, string? deadHolder = null)
    {
        var now = time.GetUtcNow();
        var (nowSql, expiresSql, collate) = IsPostgres ? (PostgresNow, PostgresExpires, " COLLATE \"C\"") : ("@now", "@expires", "");
        await using var connection = Open();
        // The check for an overlapping lease and the take are one step per pair: SQLite's transaction takes the write
        // lock at BEGIN IMMEDIATE, PostgreSQL's an advisory lock on the pair's name.
        await using var transaction = await connection.BeginTransactionAsync();
        var pair = objectName.Split('#')[0];
        if (IsPostgres)
        {
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext(@pair))", new { pair }, transaction);
        }
        // A whole-pair run and a partition run of the same pair write the same records, as do partitions of different
        // counts: only partitions of one count are disjoint. A live lease of such an overlapping scope holds this one off.
        var live = await connection.QueryAsync<(string Object, string Holder, string ExpiresAt)>($"""
            SELECT object, holder, expires_at FROM run_lease
            WHERE direction = @direction AND object <> @objectName AND (object = @pair OR object LIKE @pairPartitions)
              AND holder <> @holder AND expires_at{collate} >= {nowSql}
            """, new { direction, objectName, pair, pairPartitions = pair + "#%", holder, now = Text(now) }, transaction);
        var overlapping = live.Where(l => !SameCount(l.Object, objectName) && l.Holder != deadHolder && !Sync.RunLease.IsDeadLocalHolder(l.Holder)).ToList();
        if (overlapping.Count > 0)
        {
            var other = overlapping[0];
            await transaction.CommitAsync();
            return (false, $"{other.Holder}, {other.Object}", Parse(other.ExpiresAt));
        }
        var expiresAt = await connection.ExecuteScalarAsync<string?>($"""
            INSERT INTO run_lease (object, direction, holder, acquired_at, expires_at) VALUES (@objectName, @direction, @holder, {nowSql}, {expiresSql})
            ON CONFLICT (object, direction) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
            WHERE run_lease.expires_at{collate} < excluded.acquired_at OR run_lease.holder = excluded.holder OR run_lease.holder = @deadHolder
            RETURNING expires_at
            """, new { objectName, direction, holder, now = Text(now), expires = Text(now + ttl), ttlSeconds = ttl.TotalSeconds, deadHolder }, transaction);
        if (expiresAt is not null)
        {
            await transaction.CommitAsync();
            return (true, holder, Parse(expiresAt));
        }
        var current = await connection.QuerySingleOrDefaultAsync<(string Holder, string ExpiresAt)?>(
            "SELECT holder, expires_at FROM run_lease WHERE object = @objectName AND direction = @direction", new { objectName, direction }, transaction);
        await transaction.CommitAsync();
        return (false, current?.Holder, current is { } c ? Parse(c.ExpiresAt) : null);
    }

    /// <summary>Two partition scopes of one count (<c>accounts#0/4</c>, <c>accounts#3/4</c>) are disjoint.</summary>
    static bool SameCount(string a, string b) =>
        a.Contains('#', StringComparison.Ordinal) && b.Contains('#', StringComparison.Ordinal)
        && a[(a.IndexOf('/', StringComparison.Ordinal) + 1)..] == b[(b.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>
    /// Extends the holder's lease to now + <paramref name="ttl"/> (the server's clock on PostgreSQL); false when it
    /// was lost (expired and taken by another worker).
    /// </summary>
    public async Task<bool> RenewLeaseAsync(string objectName, string direction, string holder, TimeSpan ttl)
    {
        await using var connection = Open();
        return await connection.ExecuteAsync(
            $"UPDATE run_lease SET expires_at = {(IsPostgres ? PostgresExpires : "@expires")} WHERE object = @objectName AND direction = @direction AND holder = @holder",
            new { objectName, direction, holder, expires = Text(time.GetUtcNow() + ttl), ttlSeconds = ttl.TotalSeconds }) == 1;
    }

    public async Task ReleaseLeaseAsync(string objectName, string direction, string holder)
    {
        await using var connection = Open();
        await connection.ExecuteAsync("DELETE FROM run_lease WHERE object = @objectName AND direction = @direction AND holder = @holder",
            new { objectName, direction, holder });
    }
}

/// <summary>What a run did, as the run log keeps it.</summary>
public sealed record RunCounts(
    int RecordsRead, int HubSpotRecordsWritten, int SalesforceRecordsWritten, int DeadLettered, int SalesforceCalls, int HubSpotCalls);

/// <summary>The state store cannot be used: its connection string is wrong (a setting) or it does not answer.</summary>
public sealed class StateStoreException(string message, bool isSettingsProblem) : Exception(message)
{
    /// <summary>True when a person must fix Storage settings (exit 2); false when the store is unreachable or broken (exit 1).</summary>
    public bool IsSettingsProblem { get; } = isSettingsProblem;

    static string Name(string provider) => provider == "Postgres" ? "PostgreSQL" : "SQLite";

    internal static StateStoreException Malformed(string provider, string reason) =>
        new($"settings: Storage:ConnectionString ({Name(provider)}): {reason}", isSettingsProblem: true);

    internal static StateStoreException DoesNotAnswer(string provider, string reason) =>
        new($"state store ({Name(provider)}) cannot be used: {reason}", isSettingsProblem: false);
}
