using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;

namespace AbmSync.Worker.State;

/// <summary>The records' side of the state: cursors, links, baselines, decisions, dead letters, owners, page commits.</summary>
public sealed partial class StateStore
{
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
            var rows = await connection.QueryAsync<(string SalesforceId, string HubSpotId, string Reason, string LinkedAt, string? Modstamp, string Status, string? MergedInto)>(
                $"SELECT salesforce_id, hubspot_id, link_reason, linked_at, salesforce_modstamp, status, merged_into FROM record_link WHERE object = @objectName AND {InList(column, "chunk")}",
                new { objectName, chunk });
            foreach (var r in rows)
            {
                var link = new RecordLink(objectName, r.SalesforceId, r.HubSpotId, r.Reason, Parse(r.LinkedAt), ParseOrNull(r.Modstamp), r.Status) { MergedInto = r.MergedInto };
                links[key(link)] = link;
            }
        }
        return links;
    }

    /// <summary>Whether an object has any active link.</summary>
    public async Task<bool> HasActiveLinksAsync(string objectName)
    {
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<long?>("SELECT 1 FROM record_link WHERE object = @objectName AND status = 'active' LIMIT 1", new { objectName }) is not null;
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
        var rows = await connection.QueryAsync<(string SalesforceId, string HubSpotId, string Reason, string LinkedAt, string? Modstamp, string Status, string? MergedInto)>(
            "SELECT salesforce_id, hubspot_id, link_reason, linked_at, salesforce_modstamp, status, merged_into FROM record_link WHERE object = @objectName",
            new { objectName });
        return [.. rows.Select(r => new RecordLink(objectName, r.SalesforceId, r.HubSpotId, r.Reason, Parse(r.LinkedAt), ParseOrNull(r.Modstamp), r.Status) { MergedInto = r.MergedInto })];
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
            var rows = await connection.QueryAsync<(string RecordId, string Json, string Hash, string WrittenAt)>(
                $"SELECT record_id, values_json, hash, written_at FROM written_values WHERE object = @objectName AND side = @side AND {InList("record_id", "chunk")}",
                new { objectName, side, chunk });
            foreach (var r in rows)
            {
                written[r.RecordId] = new WrittenValues(JsonSerializer.Deserialize<Dictionary<string, string>>(r.Json)!, r.Hash) { WrittenAt = ParseOrNull(r.WrittenAt) };
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

    /// <summary>Dead letters of an object (or every object) in a status (or every status), oldest first.</summary>
    public async Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(string? objectName, string? status)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync("""
            SELECT * FROM dead_letter
            WHERE (@objectName IS NULL OR object = @objectName) AND (@status IS NULL OR status = @status)
            ORDER BY id
            """, new { objectName, status });
        return [.. rows.Select(ToDeadLetter)];
    }

    /// <summary>
    /// The open dead letters a run starting at <paramref name="now"/> reads again: those whose backoff is over (or
    /// that have none, such as a record waiting for its parent). Parked and discarded ones are never due.
    /// </summary>
    public async Task<IReadOnlyList<DeadLetter>> GetDueDeadLettersAsync(string objectName, DateTimeOffset now)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync($"""
            SELECT * FROM dead_letter
            WHERE object = @objectName AND status = 'open' AND (next_attempt_at IS NULL OR next_attempt_at{TextOrder} <= @now)
            ORDER BY id
            """, new { objectName, now = Text(now) });
        return [.. rows.Select(ToDeadLetter)];
    }

    public async Task<DeadLetter?> GetDeadLetterAsync(long id)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync("SELECT * FROM dead_letter WHERE id = @id", new { id });
        return row is null ? null : ToDeadLetter(row);
    }

    // Timestamps are text in one format that sorts in time order byte by byte; PostgreSQL compares text in the
    // database's locale unless told otherwise.
    string TextOrder => IsPostgres ? " COLLATE \"C\"" : "";

    static DeadLetter ToDeadLetter(dynamic r) => new(
        Long(r.id), (string)r.@object, (string)r.side, (string)r.record_id, (string)r.code, (string)r.message, (string?)r.fields,
        Int(r.attempts), (string)r.status, Parse((string)r.first_failed_at), Parse((string)r.last_failed_at),
        r.payload is null ? null : JsonSerializer.Deserialize<Dictionary<string, string?>>((string)r.payload),
        ParseOrNull((string?)r.next_attempt_at));

    /// <summary>
    /// Makes dead letters due on the next run: parked ones are re-opened with their attempts counted afresh, open ones
    /// still backing off lose their wait. Discarded and resolved ones are left alone.
    /// </summary>
    public async Task<DeadLetterRetry> RetryDeadLettersAsync(string? objectName, long? id)
    {
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        var madeDue = await connection.ExecuteAsync($"""
            UPDATE dead_letter SET next_attempt_at = NULL
            WHERE status = 'open' AND next_attempt_at{TextOrder} > @now
                AND (@objectName IS NULL OR object = @objectName) AND (@id IS NULL OR id = @id)
            """, new { objectName, id, now = Now() }, transaction);
        var reopened = await connection.ExecuteAsync("""
            UPDATE dead_letter SET status = 'open', attempts = 0, next_attempt_at = NULL
            WHERE status = 'parked' AND (@objectName IS NULL OR object = @objectName) AND (@id IS NULL OR id = @id)
            """, new { objectName, id }, transaction);
        await transaction.CommitAsync();
        return new DeadLetterRetry(reopened, madeDue);
    }

    /// <summary>
    /// Marks an open or parked dead letter discarded: no run reads it again, and it stays in the table. False when it
    /// is not open or parked (resolved, already discarded, or no such id).
    /// </summary>
    public async Task<bool> DiscardDeadLetterAsync(long id)
    {
        await using var connection = Open();
        return await connection.ExecuteAsync(
            "UPDATE dead_letter SET status = 'discarded', next_attempt_at = NULL WHERE id = @id AND status IN ('open', 'parked')", new { id }) == 1;
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
        foreach (var (from, to) in page.MovedLinks)
        {
            // The master had no link: it takes the loser's (its baselines start afresh, so the next run compares as they stand).
            await connection.ExecuteAsync(
                "UPDATE record_link SET salesforce_id = @to, link_reason = 'salesforce-merge', status = 'active', merged_into = NULL WHERE object = @objectName AND salesforce_id = @from",
                new { objectName = page.Object, from, to }, transaction);
        }
        foreach (var link in page.Links)
        {
            await connection.ExecuteAsync("""
                INSERT INTO record_link (object, salesforce_id, hubspot_id, link_reason, linked_at, salesforce_modstamp, status)
                VALUES (@Object, @SalesforceId, @HubSpotId, @LinkReason, @linkedAt, @modstamp, @Status)
                ON CONFLICT (object, salesforce_id) DO UPDATE SET
                    hubspot_id = excluded.hubspot_id,
                    status = excluded.status,
                    merged_into = CASE WHEN excluded.status = 'active' THEN NULL ELSE record_link.merged_into END,
                    link_reason = CASE WHEN record_link.hubspot_id = excluded.hubspot_id THEN record_link.link_reason ELSE excluded.link_reason END,
                    linked_at = CASE WHEN record_link.hubspot_id = excluded.hubspot_id THEN record_link.linked_at ELSE excluded.linked_at END,
                    salesforce_modstamp = COALESCE(excluded.salesforce_modstamp, record_link.salesforce_modstamp)
                """,
                new { link.Object, link.SalesforceId, link.HubSpotId, link.LinkReason, link.Status, linkedAt = Text(link.LinkedAt), modstamp = link.SalesforceModstamp is { } m ? Text(m) : null },
                transaction);
        }
        foreach (var (objectName, salesforceId, status) in page.LinkStatuses)
        {
            await connection.ExecuteAsync("UPDATE record_link SET status = @status WHERE object = @objectName AND salesforce_id = @salesforceId",
                new { objectName, salesforceId, status }, transaction);
        }
        foreach (var (salesforceId, status, mergedInto) in page.Merged)
        {
            await connection.ExecuteAsync("UPDATE record_link SET status = @status, merged_into = @mergedInto WHERE object = @objectName AND salesforce_id = @salesforceId",
                new { objectName = page.Object, salesforceId, status, mergedInto }, transaction);
        }
        foreach (var hash in page.Forgotten.Distinct(StringComparer.Ordinal))
        {
            await connection.ExecuteAsync("INSERT INTO forgotten_person (email_hash, forgotten_at) VALUES (@hash, @now) ON CONFLICT (email_hash) DO NOTHING",
                new { hash, now }, transaction);
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
        await AppendLedgerAsync(connection, transaction, page.Ledger);
        await UpsertRuleSubjectsAsync(connection, transaction, page.Subjects, page.SubjectsGone, page.RunId, now);
        if (page.Failures.Count > 0)
        {
            await RecordFailuresAsync(connection, transaction, page, now);
        }
        foreach (var (side, recordId) in page.Succeeded)
        {
            await connection.ExecuteAsync(
                "UPDATE dead_letter SET status = 'resolved', next_attempt_at = NULL, last_run_id = @runId WHERE object = @objectName AND side = @side AND record_id = @recordId AND status IN ('open', 'parked')",
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

    /// <summary>
    /// A failure opens a dead letter or adds an attempt to the open (or parked) one of that record and side. Each
    /// attempt sets when the next may be made, from <see cref="DeadLetterBackoff"/>; the failure after the last step
    /// parks it. A record waiting for its parent has not failed: it stays open and due, its attempts as they were (1
    /// for a new letter), never parked. A real failure after a wait counts as the attempt the waiting letter already
    /// shows, so that waiting costs nothing.
    /// </summary>
    async Task RecordFailuresAsync(DbConnection connection, DbTransaction transaction, PageCommit page, string now)
    {
        var at = Parse(now);
        var parameters = new DynamicParameters();
        // When the next attempt may be made after attempt n: one parameter per step, picked by the attempts the row
        // ends with, so that the count and the wait come from one statement whatever the row held before.
        var dueAfter = new StringBuilder();
        for (var step = 0; step < DeadLetterBackoff.Count; step++)
        {
            parameters.Add($"due{step + 1}", Text(at + DeadLetterBackoff[step]));
            dueAfter.Append(CultureInfo.InvariantCulture, $" WHEN {step + 1} THEN @due{step + 1}");
        }
        const string Attempts = """
            (CASE WHEN @waiting = 1 OR dead_letter.code = @waitingCode
                THEN (CASE WHEN dead_letter.attempts < 1 THEN 1 ELSE dead_letter.attempts END)
                ELSE dead_letter.attempts + 1 END)
            """;
        var sql = $"""
            INSERT INTO dead_letter (object, side, record_id, code, message, fields, payload, attempts, status, first_failed_at, last_failed_at, last_run_id, next_attempt_at)
            VALUES (@objectName, @side, @recordId, @code, @message, @fields, @payload, 1, 'open', @now, @now, @runId, CASE WHEN @waiting = 1 THEN NULL ELSE @due1 END)
            ON CONFLICT (object, side, record_id) WHERE status IN ('open', 'parked') DO UPDATE SET
                code = excluded.code, message = excluded.message, fields = excluded.fields, payload = excluded.payload,
                last_failed_at = excluded.last_failed_at, last_run_id = excluded.last_run_id,
                attempts = {Attempts},
                status = CASE WHEN @waiting = 1 THEN 'open' WHEN {Attempts} >= @maxAttempts THEN 'parked' ELSE 'open' END,
                next_attempt_at = CASE WHEN @waiting = 1 OR {Attempts} >= @maxAttempts THEN NULL ELSE (CASE {Attempts}{dueAfter} END) END
            """;
        parameters.Add("objectName", page.Object);
        parameters.Add("now", now);
        parameters.Add("runId", page.RunId);
        parameters.Add("maxAttempts", MaxAttempts);
        parameters.Add("waitingCode", DeadLetterCodes.WaitingForParent);
        // A page that reports one record twice on one side made one attempt at it: recorded once, as its last failure.
        foreach (var f in page.Failures.GroupBy(f => (f.Side, f.RecordId)).Select(g => g.Last()))
        {
            parameters.Add("side", f.Side);
            parameters.Add("recordId", f.RecordId);
            parameters.Add("code", f.Code);
            parameters.Add("message", f.Message);
            parameters.Add("fields", f.Fields.Count == 0 ? null : string.Join(",", f.Fields), DbType.String);
            parameters.Add("payload", f.Payload is null ? null : JsonSerializer.Serialize(f.Payload), DbType.String);
            parameters.Add("waiting", f.Code == DeadLetterCodes.WaitingForParent ? 1 : 0);
            await connection.ExecuteAsync(sql, parameters, transaction);
        }
    }
}

/// <summary>What <c>dead-letters retry</c> changed: parked letters re-opened, open ones whose wait was cut short.</summary>
public sealed record DeadLetterRetry(int Reopened, int MadeDue)
{
    public int Queued => Reopened + MadeDue;
}
