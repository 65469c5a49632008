using System.Globalization;
using Dapper;

namespace AbmSync.Worker.State;

/// <summary>The engagement side of the state: dated signals, HubSpot counter baselines, and the decision ledger.</summary>
public sealed partial class StateStore
{
    // ---- signals ----

    /// <summary>Stores the signals not stored before (by <see cref="StoredSignal.SourceKey"/>); returns how many were new.</summary>
    public async Task<int> AddSignalsAsync(IReadOnlyList<StoredSignal> signals)
    {
        if (signals.Count == 0)
        {
            return 0;
        }
        var now = Now();
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        var added = 0;
        foreach (var s in signals)
        {
            added += await connection.ExecuteAsync("""
                INSERT INTO engagement_signal (source_key, type, at, amount, contact_id, account_id, company_id, read_at)
                VALUES (@SourceKey, @Type, @at, @amount, @ContactId, @AccountId, @CompanyId, @now)
                ON CONFLICT (source_key) DO NOTHING
                """, new { s.SourceKey, s.Type, at = Text(s.At), amount = (double)s.Amount, s.ContactId, s.AccountId, s.CompanyId, now }, transaction);
        }
        await transaction.CommitAsync();
        return added;
    }

    /// <summary>The signals of these Salesforce accounts dated <paramref name="since"/> or later, oldest first.</summary>
    public Task<IReadOnlyList<StoredSignal>> SignalsOfAccountsAsync(IReadOnlyCollection<string> accountIds, DateTimeOffset since) =>
        SignalsAsync("account_id", accountIds, since);

    /// <summary>The signals of these HubSpot contacts dated <paramref name="since"/> or later, oldest first.</summary>
    public Task<IReadOnlyList<StoredSignal>> SignalsOfContactsAsync(IReadOnlyCollection<string> contactIds, DateTimeOffset since) =>
        SignalsAsync("contact_id", contactIds, since);

    /// <param name="column">account_id or contact_id: a constant of ours, never data.</param>
    async Task<IReadOnlyList<StoredSignal>> SignalsAsync(string column, IReadOnlyCollection<string> ids, DateTimeOffset since)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        var signals = new List<StoredSignal>();
        await using var connection = Open();
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var rows = await connection.QueryAsync($"""
                SELECT source_key, type, at, amount, contact_id, account_id, company_id FROM engagement_signal
                WHERE {InList(column, "chunk")} AND at{TextOrder} >= @since
                """, new { chunk, since = Text(since) });
            signals.AddRange(rows.Select(ToStoredSignal));
        }
        // Chunks answer in their own order: one order for the whole answer, so that a score summed from it never
        // depends on how the ids were split.
        return [.. signals.OrderBy(s => s.At).ThenBy(s => s.SourceKey, StringComparer.Ordinal)];
    }

    /// <summary>Every signal dated <paramref name="since"/> or later, oldest first: what an evaluation of every account reads.</summary>
    public async Task<IReadOnlyList<StoredSignal>> SignalsSinceAsync(DateTimeOffset since)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync($"""
            SELECT source_key, type, at, amount, contact_id, account_id, company_id FROM engagement_signal
            WHERE at{TextOrder} >= @since ORDER BY at{TextOrder}, source_key{TextOrder}
            """, new { since = Text(since) });
        return [.. rows.Select(ToStoredSignal)];
    }

    static StoredSignal ToStoredSignal(dynamic r) => new(
        (string)r.source_key, (string)r.type, Parse((string)r.at), Amount(r.amount), (string?)r.contact_id, (string?)r.account_id, (string?)r.company_id);

    // Amounts are doubles in both databases (see 0010_engagement.sql); the conversion to decimal keeps 15 significant
    // digits, which gives back 0.2 for the double nearest 0.2 rather than 0.200000000000000011.
    static decimal Amount(object value) => Convert.ToDecimal(value, CultureInfo.InvariantCulture);

    /// <summary>
    /// Gives the signals that knew only a HubSpot company its Salesforce account, once the company is linked: the
    /// account's score then counts what happened before the link. Returns how many signals it reached.
    /// </summary>
    public async Task<int> AttachSignalsToAccountAsync(string companyId, string accountId)
    {
        await using var connection = Open();
        return await connection.ExecuteAsync(
            "UPDATE engagement_signal SET account_id = @accountId WHERE company_id = @companyId AND account_id IS NULL",
            new { companyId, accountId });
    }

    /// <summary>
    /// Deletes the signals dated before <paramref name="before"/>. A signal read again after it went is stored again, so
    /// <paramref name="before"/> must be older than anything the readers still read back.
    /// </summary>
    public async Task<int> PruneSignalsAsync(DateTimeOffset before)
    {
        await using var connection = Open();
        return await connection.ExecuteAsync($"DELETE FROM engagement_signal WHERE at{TextOrder} < @before", new { before = Text(before) });
    }

    // ---- counter baselines ----

    /// <summary>
    /// Contact id → counter type → the value at the last read. A contact never read is absent: its next read is its
    /// first (a backfill, <see cref="AbmSync.Core.Engagement.CounterSignals"/>).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>>> CounterBaselinesAsync(IReadOnlyCollection<string> contactIds)
    {
        var baselines = new Dictionary<string, Dictionary<string, decimal>>(StringComparer.Ordinal);
        if (contactIds.Count > 0)
        {
            await using var connection = Open();
            foreach (var chunk in contactIds.Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var rows = await connection.QueryAsync(
                    $"SELECT contact_id, type, value FROM counter_baseline WHERE {InList("contact_id", "chunk")}", new { chunk });
                foreach (var r in rows)
                {
                    var contactId = (string)r.contact_id;
                    if (!baselines.TryGetValue(contactId, out var counters))
                    {
                        baselines[contactId] = counters = new Dictionary<string, decimal>(StringComparer.Ordinal);
                    }
                    counters[(string)r.type] = Amount(r.value);
                }
            }
        }
        return baselines.ToDictionary(b => b.Key, b => (IReadOnlyDictionary<string, decimal>)b.Value, StringComparer.Ordinal);
    }

    /// <summary>Stores each contact's counters as read now; a counter not given keeps its stored value.</summary>
    public async Task SaveCounterBaselinesAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> byContact)
    {
        if (byContact.Count == 0)
        {
            return;
        }
        var now = Now();
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var (contactId, counters) in byContact)
        {
            foreach (var (type, value) in counters)
            {
                await connection.ExecuteAsync("""
                    INSERT INTO counter_baseline (contact_id, type, value, read_at) VALUES (@contactId, @type, @value, @now)
                    ON CONFLICT (contact_id, type) DO UPDATE SET value = excluded.value, read_at = excluded.read_at
                    """, new { contactId, type, value = (double)value, now }, transaction);
            }
        }
        await transaction.CommitAsync();
    }

    // ---- decision ledger ----

    /// <summary>Appends decisions; their <see cref="LedgerEntry.Id"/> is ignored, the ledger numbers them in order.</summary>
    public async Task AppendDecisionsAsync(IReadOnlyList<LedgerEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        await AppendLedgerAsync(connection, transaction, entries);
        await transaction.CommitAsync();
    }

    static async Task AppendLedgerAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, IReadOnlyList<LedgerEntry> entries)
    {
        foreach (var e in entries)
        {
            await connection.ExecuteAsync("""
                INSERT INTO decision_ledger (object, record_id, kind, value, previous, reason, inputs, rules_hash, rule_id, run_id, decided_at)
                VALUES (@Object, @RecordId, @Kind, @Value, @Previous, @Reason, @Inputs, @RulesHash, @RuleId, @RunId, @decidedAt)
                """, new { e.Object, e.RecordId, e.Kind, e.Value, e.Previous, e.Reason, e.Inputs, e.RulesHash, e.RuleId, e.RunId, decidedAt = Text(e.DecidedAt) },
                transaction);
        }
    }

    /// <summary>
    /// Gives every decision of the decision table that the ledger does not know (a store from before the ledger) its
    /// ledger entry, so that the current decision can be derived from the ledger alone. Returns how many it added.
    /// </summary>
    public async Task<int> BackfillLedgerAsync(string @object, string kind, Func<Decision, LedgerEntry> entryOf)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync("""
            SELECT d.* FROM decision d
            WHERE d.object = @object AND d.kind = @kind
              AND NOT EXISTS (SELECT 1 FROM decision_ledger l WHERE l.object = d.object AND l.record_id = d.record_id AND l.kind = d.kind)
            ORDER BY d.record_id
            """, new { @object, kind });
        List<LedgerEntry> entries = [.. rows.Select(r => entryOf((Decision)ToDecision(r)))];
        if (entries.Count > 0)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await AppendLedgerAsync(connection, transaction, entries);
            await transaction.CommitAsync();
        }
        return entries.Count;
    }

    /// <summary>The current decision of a kind for every record of an object: each record's latest entry, by record id.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> CurrentDecisionsAsync(string @object, string kind)
    {
        var entries = new List<LedgerEntry>();
        await foreach (var entry in CurrentDecisionsStreamAsync(@object, kind))
        {
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>
    /// As <see cref="CurrentDecisionsAsync"/>, one entry at a time: ten million contacts' roles never sit in a list
    /// of rows and again in a list of entries. The texts that repeat across entries (object, kind, value, reason,
    /// rules hash, rule) are one string each however many entries carry them.
    /// </summary>
    public async IAsyncEnumerable<LedgerEntry> CurrentDecisionsStreamAsync(string @object, string kind)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        // Latest by id, not by decided_at: ids follow the order of appends, while two decisions can share an instant.
        command.CommandText = """
            SELECT l.id, l.object, l.record_id, l.kind, l.value, l.previous, l.reason, l.inputs, l.rules_hash, l.rule_id, l.run_id, l.decided_at
            FROM decision_ledger l
            JOIN (SELECT MAX(id) AS id FROM decision_ledger WHERE object = @object AND kind = @kind GROUP BY record_id) latest ON latest.id = l.id
            ORDER BY l.record_id
            """;
        Parameter(command, "object").Value = @object;
        Parameter(command, "kind").Value = kind;
        var texts = new TextPool();
        var instants = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            string? TextAt(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var decidedAt = reader.GetString(11);
            if (!instants.TryGetValue(decidedAt, out var at))
            {
                // A run stamps its entries with few instants: each is parsed once.
                at = Parse(decidedAt);
                if (instants.Count < 10_000)
                {
                    instants[decidedAt] = at;
                }
            }
            yield return new LedgerEntry(reader.GetInt64(0), texts.Of(reader.GetString(1))!, reader.GetString(2), texts.Of(reader.GetString(3))!,
                texts.Of(TextAt(4)), texts.Of(TextAt(5)), texts.Of(reader.GetString(6))!, TextAt(7), texts.Of(reader.GetString(8))!, texts.Of(TextAt(9)),
                reader.IsDBNull(10) ? null : reader.GetInt64(10), at);
        }
    }

    /// <summary>Shares repeated short texts: at most so many distinct ones are kept, beyond that a text stays its own.</summary>
    sealed class TextPool
    {
        const int MaxTexts = 100_000, MaxLength = 300;
        readonly Dictionary<string, string> pool = new(StringComparer.Ordinal);

        public string? Of(string? text)
        {
            if (text is null || text.Length > MaxLength)
            {
                return text;
            }
            if (pool.TryGetValue(text, out var shared))
            {
                return shared;
            }
            if (pool.Count < MaxTexts)
            {
                pool[text] = text;
            }
            return text;
        }
    }

    /// <summary>How many ledger entries a run appended (a benchmark checks its own count against the store's).</summary>
    public async Task<long> CountLedgerAsync(long runId)
    {
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM decision_ledger WHERE run_id = @runId", new { runId });
    }

    /// <summary>Every entry of a record, of every kind, in the order they were decided.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> DecisionHistoryAsync(string @object, string recordId)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync(
            "SELECT * FROM decision_ledger WHERE object = @object AND record_id = @recordId ORDER BY id", new { @object, recordId });
        return [.. rows.Select(ToLedgerEntry)];
    }

    /// <summary>
    /// Retention: deletes the entries decided before <paramref name="before"/> that a later entry of the same record
    /// and kind has replaced, so that every record keeps its current decision however old. Returns how many went.
    /// </summary>
    public async Task<int> PruneLedgerAsync(DateTimeOffset before)
    {
        await using var connection = Open();
        return await connection.ExecuteAsync($"""
            DELETE FROM decision_ledger
            WHERE decided_at{TextOrder} < @before AND EXISTS (
                SELECT 1 FROM decision_ledger later
                WHERE later.object = decision_ledger.object AND later.record_id = decision_ledger.record_id
                    AND later.kind = decision_ledger.kind AND later.id > decision_ledger.id)
            """, new { before = Text(before) });
    }

    static LedgerEntry ToLedgerEntry(dynamic r) => new(
        Long(r.id), (string)r.@object, (string)r.record_id, (string)r.kind, (string?)r.value, (string?)r.previous, (string)r.reason,
        (string?)r.inputs, (string)r.rules_hash, (string?)r.rule_id, r.run_id is null ? null : Long(r.run_id), Parse((string)r.decided_at));
}
