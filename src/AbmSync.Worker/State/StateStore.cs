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
public sealed class StateStore(string provider, string connectionString, TimeProvider time)
{
    /// <summary>After this many failed attempts a dead letter is parked: it waits for a person (<c>abmsync dead-letters retry</c>).</summary>
    public const int MaxAttempts = 5;

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

    public async Task<long> StartRunAsync(string objectName, string direction, string mode)
    {
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<long>(
            "INSERT INTO sync_run (object, direction, mode, started_at, status, heartbeat_at) VALUES (@objectName, @direction, @mode, @now, 'running', @now) RETURNING id",
            new { objectName, direction, mode, now = Now() });
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
                Int(r.dead_lettered), Int(r.salesforce_calls), Int(r.hubspot_calls), (string?)r.message, heartbeat);
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
        var expiresAt = await connection.ExecuteScalarAsync<string?>($"""
            INSERT INTO run_lease (object, direction, holder, acquired_at, expires_at) VALUES (@objectName, @direction, @holder, {nowSql}, {expiresSql})
            ON CONFLICT (object, direction) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
            WHERE run_lease.expires_at{collate} < excluded.acquired_at OR run_lease.holder = excluded.holder OR run_lease.holder = @deadHolder
            RETURNING expires_at
            """, new { objectName, direction, holder, now = Text(now), expires = Text(now + ttl), ttlSeconds = ttl.TotalSeconds, deadHolder });
        if (expiresAt is not null)
        {
            return (true, holder, Parse(expiresAt));
        }
        var current = await connection.QuerySingleOrDefaultAsync<(string Holder, string ExpiresAt)?>(
            "SELECT holder, expires_at FROM run_lease WHERE object = @objectName AND direction = @direction", new { objectName, direction });
        return (false, current?.Holder, current is { } c ? Parse(c.ExpiresAt) : null);
    }

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

    // ---- cursors and links ----

    public async Task<SyncCursor?> GetCursorAsync(string objectName, string side)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync<(string ModifiedAt, string RecordId)?>(
            "SELECT modified_at, record_id FROM sync_cursor WHERE object = @objectName AND side = @side", new { objectName, side });
        return row is { } r ? new SyncCursor(Parse(r.ModifiedAt), r.RecordId) : null;
    }

    public Task<Dictionary<string, RecordLink>> GetLinksAsync(string objectName, IReadOnlyCollection<string> salesforceIds) =>
        LinksAsync(objectName, "salesforce_id", salesforceIds, l => l.SalesforceId);

    /// <summary>The links of the given HubSpot records, keyed by HubSpot id.</summary>
    public Task<Dictionary<string, RecordLink>> GetLinksByHubSpotIdAsync(string objectName, IReadOnlyCollection<string> hubSpotIds) =>
        LinksAsync(objectName, "hubspot_id", hubSpotIds, l => l.HubSpotId);

    /// <param name="column">salesforce_id or hubspot_id: a constant of ours, never data.</param>
    async Task<Dictionary<string, RecordLink>> LinksAsync(string objectName, string column, IReadOnlyCollection<string> ids, Func<RecordLink, string> key)
    {
        var links = new Dictionary<string, RecordLink>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return links;
        }
        await using var connection = Open();
        foreach (var chunk in ids.Chunk(500))
        {
            var rows = await connection.QueryAsync<(string SalesforceId, string HubSpotId, string Reason, string LinkedAt, string? Modstamp)>(
                $"SELECT salesforce_id, hubspot_id, link_reason, linked_at, salesforce_modstamp FROM record_link WHERE object = @objectName AND {InList(column, "chunk")}",
                new { objectName, chunk });
            foreach (var r in rows)
            {
                var link = new RecordLink(objectName, r.SalesforceId, r.HubSpotId, r.Reason, Parse(r.LinkedAt), ParseOrNull(r.Modstamp));
                links[key(link)] = link;
            }
        }
        return links;
    }

    /// <summary>HubSpot id → Salesforce id of every link of an object.</summary>
    public async Task<Dictionary<string, string>> GetLinkedHubSpotIdsAsync(string objectName)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(string HubSpotId, string SalesforceId)>(
            "SELECT hubspot_id, salesforce_id FROM record_link WHERE object = @objectName", new { objectName });
        return rows.ToDictionary(r => r.HubSpotId, r => r.SalesforceId, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<RecordLink>> AllLinksAsync(string objectName)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(string SalesforceId, string HubSpotId, string Reason, string LinkedAt, string? Modstamp)>(
            "SELECT salesforce_id, hubspot_id, link_reason, linked_at, salesforce_modstamp FROM record_link WHERE object = @objectName",
            new { objectName });
        return [.. rows.Select(r => new RecordLink(objectName, r.SalesforceId, r.HubSpotId, r.Reason, Parse(r.LinkedAt), ParseOrNull(r.Modstamp)))];
    }

    public async Task<Dictionary<string, WrittenValues>> GetWrittenAsync(string objectName, string side, IReadOnlyCollection<string> recordIds)
    {
        var written = new Dictionary<string, WrittenValues>(StringComparer.Ordinal);
        if (recordIds.Count == 0)
        {
            return written;
        }
        await using var connection = Open();
        foreach (var chunk in recordIds.Chunk(500))
        {
            var rows = await connection.QueryAsync<(string RecordId, string Json, string Hash)>(
                $"SELECT record_id, values_json, hash FROM written_values WHERE object = @objectName AND side = @side AND {InList("record_id", "chunk")}",
                new { objectName, side, chunk });
            foreach (var r in rows)
            {
                written[r.RecordId] = new WrittenValues(JsonSerializer.Deserialize<Dictionary<string, string>>(r.Json)!, r.Hash);
            }
        }
        return written;
    }

    // ---- decisions ----

    public async Task<IReadOnlyList<Decision>> GetDecisionsAsync(string objectName, string kind)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync("SELECT * FROM decision WHERE object = @objectName AND kind = @kind", new { objectName, kind });
        return [.. rows.Select(ToDecision)];
    }

    public async Task<IReadOnlyList<Decision>> GetDecisionsForRecordAsync(string recordId)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync("SELECT * FROM decision WHERE record_id = @recordId ORDER BY kind", new { recordId });
        return [.. rows.Select(ToDecision)];
    }

    static Decision ToDecision(dynamic r) => new(
        (string)r.@object, (string)r.record_id, (string)r.kind, (string?)r.value, r.score is null ? null : Int(r.score), (string?)r.detail, (string)r.reason,
        (string?)r.owner_id, Int(r.locked) != 0, r.run_id is null ? null : Long(r.run_id), Parse((string)r.decided_at));

    // SQLite answers every integer as a long, PostgreSQL as the column's own type.
    static int Int(object value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    static long Long(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);

    // ---- dead letters ----

    public async Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(string? objectName, string? status)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync("""
            SELECT * FROM dead_letter
            WHERE (@objectName IS NULL OR object = @objectName) AND (@status IS NULL OR status = @status)
            ORDER BY id
            """, new { objectName, status });
        return [.. rows.Select(r => new DeadLetter(
            Long(r.id), (string)r.@object, (string)r.side, (string)r.record_id, (string)r.code, (string)r.message, (string?)r.fields,
            Int(r.attempts), (string)r.status, Parse((string)r.first_failed_at), Parse((string)r.last_failed_at)))];
    }

    /// <summary>Puts parked dead letters back in the queue for the next run. Returns how many.</summary>
    public async Task<int> RequeueDeadLettersAsync(string? objectName, long? id)
    {
        await using var connection = Open();
        return await connection.ExecuteAsync("""
            UPDATE dead_letter SET status = 'open', attempts = 0
            WHERE status = 'parked' AND (@objectName IS NULL OR object = @objectName) AND (@id IS NULL OR id = @id)
            """, new { objectName, id });
    }

    // ---- owners ----

    public async Task SaveOwnerIdentitiesAsync(IReadOnlyList<OwnerIdentity> identities)
    {
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = Now();
        foreach (var o in identities)
        {
            await connection.ExecuteAsync("""
                INSERT INTO owner_identity (salesforce_user_id, email, salesforce_active, hubspot_owner_id, matched_at)
                VALUES (@SalesforceUserId, @Email, @active, @HubSpotOwnerId, @now)
                ON CONFLICT (salesforce_user_id) DO UPDATE SET email = excluded.email, salesforce_active = excluded.salesforce_active,
                    hubspot_owner_id = excluded.hubspot_owner_id,
                    matched_at = CASE WHEN owner_identity.hubspot_owner_id IS NOT DISTINCT FROM excluded.hubspot_owner_id THEN owner_identity.matched_at ELSE excluded.matched_at END
                """, new { o.SalesforceUserId, o.Email, active = o.SalesforceActive ? 1 : 0, o.HubSpotOwnerId, now }, transaction);
        }
        await transaction.CommitAsync();
    }

    // ---- one page, one transaction ----

    /// <summary>
    /// Records everything a page changed and moves the cursor, atomically: a crash before this repeats the page
    /// (harmless: writes are upserts keyed by the other side's id), a crash after it repeats nothing.
    /// </summary>
    public async Task CommitPageAsync(PageCommit page)
    {
        var now = Now();
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var link in page.Links)
        {
            await connection.ExecuteAsync("""
                INSERT INTO record_link (object, salesforce_id, hubspot_id, link_reason, linked_at, salesforce_modstamp)
                VALUES (@Object, @SalesforceId, @HubSpotId, @LinkReason, @linkedAt, @modstamp)
                ON CONFLICT (object, salesforce_id) DO UPDATE SET
                    hubspot_id = excluded.hubspot_id,
                    link_reason = CASE WHEN record_link.hubspot_id = excluded.hubspot_id THEN record_link.link_reason ELSE excluded.link_reason END,
                    linked_at = CASE WHEN record_link.hubspot_id = excluded.hubspot_id THEN record_link.linked_at ELSE excluded.linked_at END,
                    salesforce_modstamp = COALESCE(excluded.salesforce_modstamp, record_link.salesforce_modstamp)
                """,
                new { link.Object, link.SalesforceId, link.HubSpotId, link.LinkReason, linkedAt = Text(link.LinkedAt), modstamp = link.SalesforceModstamp is { } m ? Text(m) : null },
                transaction);
        }
        foreach (var (side, recordId, values) in page.Written)
        {
            await connection.ExecuteAsync("""
                INSERT INTO written_values (object, side, record_id, values_json, hash, written_at)
                VALUES (@objectName, @side, @recordId, @json, @Hash, @now)
                ON CONFLICT (object, side, record_id) DO UPDATE SET values_json = excluded.values_json, hash = excluded.hash, written_at = excluded.written_at
                """,
                new { objectName = page.Object, side, recordId, json = JsonSerializer.Serialize(values.Values), values.Hash, now }, transaction);
        }
        foreach (var d in page.Decisions)
        {
            await connection.ExecuteAsync("""
                INSERT INTO decision (object, record_id, kind, value, score, detail, reason, owner_id, locked, run_id, decided_at)
                VALUES (@Object, @RecordId, @Kind, @Value, @Score, @Detail, @Reason, @OwnerId, @locked, @RunId, @decidedAt)
                ON CONFLICT (object, record_id, kind) DO UPDATE SET value = excluded.value, score = excluded.score, detail = excluded.detail,
                    reason = excluded.reason, owner_id = excluded.owner_id, locked = excluded.locked, run_id = excluded.run_id, decided_at = excluded.decided_at
                """,
                new { d.Object, d.RecordId, d.Kind, d.Value, d.Score, d.Detail, d.Reason, d.OwnerId, locked = d.Locked ? 1 : 0, d.RunId, decidedAt = Text(d.DecidedAt) },
                transaction);
        }
        foreach (var f in page.Failures)
        {
            await connection.ExecuteAsync("""
                INSERT INTO dead_letter (object, side, record_id, code, message, fields, attempts, status, first_failed_at, last_failed_at, last_run_id)
                VALUES (@objectName, @Side, @RecordId, @Code, @Message, @fields, 1, 'open', @now, @now, @runId)
                ON CONFLICT (object, side, record_id) WHERE status <> 'resolved' DO UPDATE SET
                    code = excluded.code, message = excluded.message, fields = excluded.fields, attempts = dead_letter.attempts + 1,
                    last_failed_at = excluded.last_failed_at, last_run_id = excluded.last_run_id,
                    status = CASE WHEN dead_letter.attempts + 1 >= @maxAttempts THEN 'parked' ELSE dead_letter.status END
                """,
                new { objectName = page.Object, f.Side, f.RecordId, f.Code, f.Message, fields = f.Fields.Count == 0 ? null : string.Join(",", f.Fields), now, runId = page.RunId, maxAttempts = MaxAttempts },
                transaction);
        }
        foreach (var (side, recordId) in page.Succeeded)
        {
            await connection.ExecuteAsync(
                "UPDATE dead_letter SET status = 'resolved', last_run_id = @runId WHERE object = @objectName AND side = @side AND record_id = @recordId AND status <> 'resolved'",
                new { objectName = page.Object, side, recordId, runId = page.RunId }, transaction);
        }
        if (page.Cursor is { } cursor)
        {
            await connection.ExecuteAsync("""
                INSERT INTO sync_cursor (object, side, modified_at, record_id, updated_at) VALUES (@objectName, @side, @modifiedAt, @RecordId, @now)
                ON CONFLICT (object, side) DO UPDATE SET modified_at = excluded.modified_at, record_id = excluded.record_id, updated_at = excluded.updated_at
                """,
                new { objectName = page.CursorScope ?? page.Object, side = page.CursorSide, modifiedAt = Text(cursor.ModifiedAt), cursor.RecordId, now }, transaction);
        }
        await transaction.CommitAsync();
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
