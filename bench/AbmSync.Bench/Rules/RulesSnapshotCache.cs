using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Data.Sqlite;

namespace AbmSync.Bench.Rules;

/// <summary>
/// The state store a sync of the world's size leaves behind, generated once per sizes and seed and reused: the rules'
/// snapshot (rule_subject: accounts, contacts, leads, the users' roster), the owner identities, and the ledger of the
/// previous run, decided by the production rules themselves over revision 0 of the world. The rows hold revision 1
/// (about 1 % changed since) with what the previous run wrote laid over them, as a page commit keeps them.
/// </summary>
public static class RulesSnapshotCache
{
    public const string DatabaseFile = "state.db";
    const string Marker = "complete";

    /// <summary>When the previous run decided, and when the measured one does: fixed, so that stages and ages repeat.</summary>
    public static readonly DateTimeOffset PreviousRun = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ThisRun = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);
    public const long PreviousRunId = 1;
    const long PeoplePerInstance = 3_400_000;

    public static string DefaultDirectory(int accounts, int contacts, int seed) =>
        Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"abmsync-bench-rules-{accounts}-{contacts}-{seed}"));

    public static string ConnectionString(string directory) => "Data Source=" + Path.Combine(directory, DatabaseFile);

    /// <summary>The ledger's last id when generation finished: a measured run's appends come after it and are taken back.</summary>
    public static long GeneratedLedgerMaxId(string directory) =>
        long.Parse(File.ReadAllText(Path.Combine(directory, Marker)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Generates the snapshot unless a complete one is there; returns whether it generated, and how long it took.</summary>
    public static async Task<(bool Generated, TimeSpan Elapsed)> EnsureAsync(RulesWorld world, string directory, string mappings, TextWriter log)
    {
        if (File.Exists(Path.Combine(directory, Marker)))
        {
            return (false, TimeSpan.Zero);
        }
        var clock = Stopwatch.StartNew();
        // A directory without the marker is a generation that stopped half way: start again.
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        var store = new StateStore("Sqlite", ConnectionString(directory), new FixedClock(PreviousRun));
        await store.MigrateAsync();
        var configuration = RulesHarness.Configuration(mappings);
        var users = world.Users();
        await store.ReplaceRuleSubjectsAsync(StateStore.UsersSubject, users, PreviousRunId);
        await store.SaveOwnerIdentitiesAsync([.. users.Select(u => new OwnerIdentity(u.RecordId, u.Fields[OwnerDirectory.EmailField]!,
            u.Fields[OwnerDirectory.ActiveField] == "true", RulesWorld.HubSpotOwnerOf(u)))]);
        var owners = RulesHarness.OwnersOf(users);

        await using var bulk = new BulkWriter(ConnectionString(directory));
        var engagement = new AccountEngagementBook(store, configuration);

        // Accounts: every one read (a first full sync), decided, its ledger appended and its writes laid over the row.
        var accountsPair = ObjectPairs.For(ObjectPairs.Accounts, configuration);
        var accountRules = accountsPair.Rules!;
        var accountInputs = accountRules.SalesforceInputs;
        for (var i = 0; i < world.Accounts; i++)
        {
            bulk.Subject(ObjectPairs.Accounts, RulesWorld.AccountId(i), Row(accountInputs, world.Account(i, 0)));
            await bulk.FlushIfFullAsync();
        }
        await bulk.FlushAsync();
        log.WriteLine($"  generated {world.Accounts:N0} accounts ({clock.Elapsed.TotalSeconds:N1} s)");
        var accountSnapshot = new RulesSnapshot(store, engagement, ObjectPairs.Accounts, PreviousRun, configuration.RulesHash, owners, ReadOnly: true);
        await accountRules.LoadAsync(accountSnapshot);
        for (var i = 0; i < world.Accounts; i++)
        {
            accountRules.Observe(SObjectRecord.Create("Account", RulesWorld.AccountId(i), Values(world.Account(i, 0))));
        }
        await accountRules.PrepareAsync(accountSnapshot);
        for (var i = 0; i < world.Accounts; i++)
        {
            var id = RulesWorld.AccountId(i);
            var subject = new RuleSubject(id, null, null, null);
            // As the runner: the owner assignment appended and committed before the write, the rest with the page.
            var beforeWrite = accountRules.LedgerBeforeWrite(subject, PreviousRunId, PreviousRun, configuration.RulesHash);
            Commit(accountRules, beforeWrite);
            Commit(accountRules, accountRules.LedgerFor(subject, PreviousRunId, PreviousRun, configuration.RulesHash));
            bulk.Subject(ObjectPairs.Accounts, id, Written(accountInputs, world.Account(i, 1), accountRules.ValuesFor(id)));
            await bulk.FlushIfFullAsync();
        }
        await bulk.FlushAsync();
        log.WriteLine($"  decided {world.Accounts:N0} accounts, previous run ({clock.Elapsed.TotalSeconds:N1} s)");

        // People: their rows first (the account book counts each account's contacts), then decided one by one.
        await PeopleAsync(ObjectPairs.Contacts, "Contact", world.Contacts, j => world.Contact(j, 0), j => world.Contact(j, 1), j => RulesWorld.ContactId(j));
        await PeopleAsync(ObjectPairs.Leads, "Lead", world.Leads, k => world.Lead((int)k, 0), k => world.Lead((int)k, 1), k => RulesWorld.LeadId((int)k));

        var maxId = await bulk.LedgerMaxIdAsync();
        await File.WriteAllTextAsync(Path.Combine(directory, Marker), maxId.ToString(CultureInfo.InvariantCulture));
        return (true, clock.Elapsed);

        async Task PeopleAsync(string pair, string type, long count, Func<long, Dictionary<string, string?>> previous, Func<long, Dictionary<string, string?>> now, Func<long, string> idOf)
        {
            var rules = ObjectPairs.For(pair, configuration).Rules!;
            var inputs = rules.SalesforceInputs;
            for (long j = 0; j < count; j++)
            {
                bulk.Subject(pair, idOf(j), Row(inputs, previous(j)));
                await bulk.FlushIfFullAsync();
            }
            await bulk.FlushAsync();
            var snapshot = new RulesSnapshot(store, engagement, pair, PreviousRun, configuration.RulesHash, owners, ReadOnly: true);
            // The rules keep what they decided of every person (for the run's report): ten million of them do not
            // fit, so a fresh instance takes over every few million. Its entries wait in a staging table meanwhile,
            // so that the next instance loads the ledger as the run started, as the one instance would have.
            bulk.Staging = true;
            for (long j = 0; j < count; j++)
            {
                if (j % PeoplePerInstance == 0)
                {
                    rules = ObjectPairs.For(pair, configuration).Rules!;
                    await rules.LoadAsync(snapshot);
                    await rules.PrepareAsync(snapshot);
                }
                var id = idOf(j);
                var before = previous(j);
                var subject = new RuleSubject(id, null, SObjectRecord.Create(type, id, Values(before)), null);
                Commit(rules, rules.LedgerFor(subject, PreviousRunId, PreviousRun, configuration.RulesHash));
                var values = rules.ValuesFor(subject);
                // Settled: the record read back with the writes landed decides once more (a realigned owner is now
                // aligned), so that the previous run leaves the ledger as a quiet day finds it, not mid-realignment.
                var settled = new RuleSubject(id, null, SObjectRecord.Create(type, id, Values(Written(inputs, before, values))), null);
                Commit(rules, rules.LedgerFor(settled, PreviousRunId, PreviousRun, configuration.RulesHash));
                bulk.Subject(pair, id, Written(inputs, now(j), values));
                await bulk.FlushIfFullAsync();
            }
            await bulk.FlushAsync();
            await bulk.UnstageAsync();
            log.WriteLine($"  generated and decided {count:N0} {pair} ({clock.Elapsed.TotalSeconds:N1} s)");
        }

        void Commit(PairRules rules, IReadOnlyList<LedgerEntry> entries)
        {
            bulk.Ledger(entries);
            foreach (var entry in entries)
            {
                rules.Committed(entry);
            }
        }
    }

    static IEnumerable<KeyValuePair<string, object?>> Values(Dictionary<string, string?> fields) =>
        fields.Select(f => new KeyValuePair<string, object?>(f.Key, f.Value));

    /// <summary>The row as a page keeps it: every field the rules read, null where the record has none.</summary>
    static Dictionary<string, string?> Row(IReadOnlyList<string> inputs, Dictionary<string, string?> fields)
    {
        var row = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in inputs)
        {
            row[name] = fields.GetValueOrDefault(name);
        }
        return row;
    }

    /// <summary>The row now, with the previous run's Salesforce writes laid over it (what Salesforce holds once they landed).</summary>
    static Dictionary<string, string?> Written(IReadOnlyList<string> inputs, Dictionary<string, string?> fields, RuleValues? values)
    {
        var row = Row(inputs, fields);
        foreach (var (name, value) in values?.Salesforce ?? new Dictionary<string, string?>())
        {
            if (row.ContainsKey(name))
            {
                row[name] = value;
            }
        }
        return row;
    }

    /// <summary>
    /// Generation's own inserts: one prepared command per table in transactions of 100,000 rows, with the store's
    /// formats. The store's methods are what the measured run uses; here only the speed of filling matters.
    /// </summary>
    sealed class BulkWriter(string connectionString) : IAsyncDisposable
    {
        const int Batch = 100_000;
        readonly List<(string Object, string Id, string Fields)> subjects = [];
        readonly List<LedgerEntry> ledger = [];
        SqliteConnection? connection;

        public void Subject(string @object, string id, Dictionary<string, string?> fields) =>
            subjects.Add((@object, id, JsonSerializer.Serialize<IReadOnlyDictionary<string, string?>>(fields)));

        public void Ledger(IReadOnlyList<LedgerEntry> entries) => ledger.AddRange(entries);

        /// <summary>Ledger entries go to a staging table, in order, until <see cref="UnstageAsync"/> appends them to the ledger.</summary>
        public bool Staging { get; set; }

        public async Task UnstageAsync()
        {
            if (!Staging)
            {
                return;
            }
            await using var command = Open().CreateCommand();
            command.CommandText = $"""
                INSERT INTO decision_ledger ({Columns}) SELECT {Columns} FROM bench_ledger_staging ORDER BY id;
                DROP TABLE bench_ledger_staging;
                """;
            await command.ExecuteNonQueryAsync();
            Staging = false;
        }

        const string Columns = "object, record_id, kind, value, previous, reason, inputs, rules_hash, rule_id, run_id, decided_at";

        public Task FlushIfFullAsync() => subjects.Count + ledger.Count >= Batch ? FlushAsync() : Task.CompletedTask;

        SqliteConnection Open()
        {
            if (connection is null)
            {
                connection = new SqliteConnection(connectionString);
                connection.Open();
                using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;";
                pragma.ExecuteNonQuery();
            }
            return connection;
        }

        public async Task FlushAsync()
        {
            var c = Open();
            await using var transaction = c.BeginTransaction();
            if (subjects.Count > 0)
            {
                await using var command = c.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO rule_subject (object, record_id, fields, run_id, read_at) VALUES ($o, $r, $f, $run, $at)
                    ON CONFLICT (object, record_id) DO UPDATE SET fields = excluded.fields, run_id = excluded.run_id, read_at = excluded.read_at
                    """;
                var o = command.Parameters.Add("$o", SqliteType.Text);
                var r = command.Parameters.Add("$r", SqliteType.Text);
                var f = command.Parameters.Add("$f", SqliteType.Text);
                command.Parameters.AddWithValue("$run", PreviousRunId);
                command.Parameters.AddWithValue("$at", Text(PreviousRun));
                command.Prepare();
                foreach (var (obj, id, fields) in subjects)
                {
                    (o.Value, r.Value, f.Value) = (obj, id, fields);
                    await command.ExecuteNonQueryAsync();
                }
            }
            if (ledger.Count > 0)
            {
                await using var command = c.CreateCommand();
                command.Transaction = transaction;
                if (Staging)
                {
                    command.CommandText = "CREATE TABLE IF NOT EXISTS bench_ledger_staging (id INTEGER PRIMARY KEY AUTOINCREMENT, object TEXT, record_id TEXT, kind TEXT, value TEXT, previous TEXT, reason TEXT, inputs TEXT, rules_hash TEXT, rule_id TEXT, run_id BIGINT, decided_at TEXT)";
                    await command.ExecuteNonQueryAsync();
                }
                command.CommandText = $"""
                    INSERT INTO {(Staging ? "bench_ledger_staging" : "decision_ledger")} ({Columns})
                    VALUES ($o, $r, $k, $v, $p, $reason, $i, $h, $rule, $run, $at)
                    """;
                var p = new[] { "$o", "$r", "$k", "$v", "$p", "$reason", "$i", "$h", "$rule", "$run", "$at" }.Select(n => command.Parameters.Add(n, SqliteType.Text)).ToArray();
                command.Prepare();
                foreach (var e in ledger)
                {
                    object?[] values = [e.Object, e.RecordId, e.Kind, e.Value, e.Previous, e.Reason, e.Inputs, e.RulesHash, e.RuleId, e.RunId, Text(e.DecidedAt)];
                    for (var k = 0; k < p.Length; k++)
                    {
                        p[k].Value = values[k] ?? DBNull.Value;
                    }
                    await command.ExecuteNonQueryAsync();
                }
            }
            await transaction.CommitAsync();
            subjects.Clear();
            ledger.Clear();
        }

        public async Task<long> LedgerMaxIdAsync()
        {
            await using var command = Open().CreateCommand();
            command.CommandText = "SELECT COALESCE(MAX(id), 0) FROM decision_ledger";
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        // The store's text for an instant (StateStore.Text): the ledger's decided_at compares as text.
        static string Text(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        public async ValueTask DisposeAsync()
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }
}

/// <summary>A clock that says one instant: the store stamps generated rows with the previous run's time.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
