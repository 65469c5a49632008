using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Routing;
using AbmSync.Worker;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AbmSync.Bench.Rules;

/// <summary>What to run the rules over: the world's size and seed, where its snapshot is cached, the mappings directory.</summary>
public sealed record RulesBenchSettings(int Accounts, int Contacts, int Leads, int Seed, string StateDirectory, string MappingsDirectory)
{
    /// <summary>People are streamed from the snapshot in chunks of this many: each chunk goes through every phase.</summary>
    public int Chunk { get; init; } = 50_000;

    /// <summary>Ledger entries appended per call of the store's method.</summary>
    public int LedgerBatch { get; init; } = 10_000;
}

/// <summary>The measured run: its phases, how many records were decided and failed, and the ledger as counted both ways.</summary>
public sealed record RulesReport(
    IReadOnlyList<PhaseResult> Phases, long Records, long Failed, IReadOnlyList<string> Failures, long LedgerAppended, long LedgerInStore,
    bool Generated, TimeSpan Generation, IReadOnlyList<string> RuleReport)
{
    public TimeSpan Total => Phases.Aggregate(TimeSpan.Zero, (t, p) => t + p.Elapsed);
    public long PeakRss => Phases.Count == 0 ? 0 : Phases.Max(p => p.PeakRssBytes);
    public long PeakGcHeap => Phases.Count == 0 ? 0 : Phases.Max(p => p.PeakGcHeapBytes);
}

/// <summary>
/// The production rules over a state-store snapshot, phase by phase, as a run decides: the accounts' rules loaded
/// from the store (tiers and routing from the ledger, the book from the snapshot), the accounts changed since the
/// previous run observed as an incremental read returns them, tiers with caps, routing with the caps re-checked,
/// then every contact and lead streamed through matching, buying roles and owner alignment, the write plan
/// (<see cref="PairRules.ValuesFor(RuleSubject)"/>) and the ledger (<see cref="PairRules.LedgerFor(RuleSubject, long, DateTimeOffset, string)"/>,
/// appended with <see cref="StateStore.AppendDecisionsAsync"/>). One implementation for the bench and its CI smoke test.
/// </summary>
public static class RulesHarness
{
    public const long BenchRunId = 2;

    public static readonly List<string> PhaseNames = ["load", "tier", "route", "match", "people", "write plan", "ledger"];

    /// <summary>The mapping and rules files, loaded as the worker loads them.</summary>
    public static SyncConfiguration Configuration(string mappings) =>
        new(Options.Create(new MappingsOptions { Directory = mappings }));

    /// <summary>The owner map as OwnerDirectory builds it, from the roster the snapshot keeps.</summary>
    public static OwnerMap OwnersOf(IEnumerable<RuleSubjectRow> roster)
    {
        var identities = new Dictionary<string, OwnerIdentity>(StringComparer.Ordinal);
        var users = new Dictionary<string, SalesUser>(StringComparer.Ordinal);
        foreach (var row in roster)
        {
            var user = OwnerDirectory.FromSnapshot(row);
            users[user.UserId] = user;
            identities[user.UserId] = new OwnerIdentity(user.UserId, user.Email, user.Active, RulesWorld.HubSpotOwnerOf(row));
        }
        return new OwnerMap(identities, users);
    }

    public static async Task<RulesReport> RunAsync(RulesBenchSettings settings, TextWriter log, CancellationToken ct)
    {
        var world = new RulesWorld(settings.Accounts, settings.Contacts, settings.Leads, settings.Seed);
        var (generated, generation) = await RulesSnapshotCache.EnsureAsync(world, settings.StateDirectory, settings.MappingsDirectory, log);
        await TakeBackAsync(settings.StateDirectory);

        var store = new StateStore("Sqlite", RulesSnapshotCache.ConnectionString(settings.StateDirectory), new FixedClock(RulesSnapshotCache.ThisRun));
        var now = RulesSnapshotCache.ThisRun;
        var failures = new List<string>();
        long failed = 0, records = 0, appended = 0;
        void Fail(string what)
        {
            failed++;
            if (failures.Count < 20)
            {
                failures.Add(what);
            }
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var meter = new PhaseMeter();
        var pending = new List<LedgerEntry>();

        // ---- load: the configuration, the owners, and every pair's rules from the store ----
        meter.Begin("load");
        var configuration = Configuration(settings.MappingsDirectory);
        var hash = configuration.RulesHash;
        var roster = new List<RuleSubjectRow>();
        await foreach (var row in store.RuleSubjectsAsync(StateStore.UsersSubject))
        {
            roster.Add(row);
        }
        var owners = OwnersOf(roster);
        var engagement = new AccountEngagementBook(store, configuration);
        RulesSnapshot SnapshotOf(string pair) => new(store, engagement, pair, now, hash, owners, ReadOnly: true);
        var accountRules = ObjectPairs.For(ObjectPairs.Accounts, configuration).Rules!;
        var tiers = accountRules.Find<TierRules>()!;
        var routing = accountRules.Find<AccountRouting>()!;
        var accountSnapshot = SnapshotOf(ObjectPairs.Accounts);
        var step = System.Diagnostics.Stopwatch.StartNew();
        // What the load phase spends where, for the report of what dominates (not part of the table).
        void Step(string what)
        {
            log.WriteLine($"  load: {what} {step.Elapsed.TotalSeconds:N2} s");
            step.Restart();
        }
        await accountRules.LoadAsync(accountSnapshot);
        Step("accounts' rules (tier, stage, engagement and routing ledgers, the accounts' snapshot, the roster)");
        // What an incremental read returns: the accounts changed since the previous run, as the snapshot holds them now.
        var changed = new List<SObjectRecord>();
        long accountRows = 0;
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            accountRows++;
            if (int.TryParse(row.RecordId.AsSpan(3, 12), out var index) && world.AccountChanged(index))
            {
                changed.Add(SObjectRecord.Create("Account", row.RecordId, row.Fields.Select(f => new KeyValuePair<string, object?>(f.Key, f.Value))));
            }
        }
        await accountRules.PrepareAsync(accountSnapshot);
        Step("the accounts' snapshot read again for the changed ones");
        meter.Count(accountRows + roster.Count);

        // ---- tier: the changed accounts observed, every account's tier decided with the caps ----
        meter.Begin("tier");
        foreach (var record in changed)
        {
            accountRules.Observe(record);
        }
        var tiered = tiers.Decide();
        meter.Count(tiered.Count);

        // ---- route: territory, pod, owner, SDR and marketer over the whole book; then the caps once more ----
        meter.Begin("route");
        var routes = routing.Decide();
        tiered = tiers.Decide();
        meter.Count(routes.Count);
        foreach (var id in tiered.Keys)
        {
            if (!routes.ContainsKey(id))
            {
                Fail($"account {id}: tiered, not routed");
            }
        }

        // ---- write plan and ledger of the accounts ----
        meter.Begin("write plan");
        var accountIds = tiered.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var id in accountIds)
        {
            if (accountRules.ValuesFor(id) is null)
            {
                Fail($"account {id}: no values");
            }
        }
        meter.Count(accountIds.Count);
        records += accountIds.Count;

        meter.Begin("ledger");
        foreach (var chunk in accountIds.Chunk(settings.LedgerBatch))
        {
            // As the runner does: the owner assignments before the page's write, then the rest with its commit.
            foreach (var id in chunk)
            {
                pending.AddRange(accountRules.LedgerBeforeWrite(new RuleSubject(id, null, null, null), BenchRunId, now, hash));
            }
            appended += await AppendAsync(store, accountRules, pending);
            foreach (var id in chunk)
            {
                pending.AddRange(accountRules.LedgerFor(new RuleSubject(id, null, null, null), BenchRunId, now, hash));
            }
            appended += await AppendAsync(store, accountRules, pending);
        }
        meter.Count(accountIds.Count);

        // ---- the people: contacts, then leads, streamed in chunks through every phase ----
        var ruleReport = new List<string>(accountRules.Report());
        foreach (var (pair, type) in new[] { (ObjectPairs.Contacts, "Contact"), (ObjectPairs.Leads, "Lead") })
        {
            meter.Begin("load");
            var rules = ObjectPairs.For(pair, configuration).Rules!;
            var snapshot = SnapshotOf(pair);
            step.Restart();
            await rules.LoadAsync(snapshot);
            Step($"{pair}' rules (their ledgers)");
            await rules.PrepareAsync(snapshot);
            Step($"{pair}' account book (the accounts, the contacts' counts)");
            var streamed = TimeSpan.Zero;
            var match = rules.Find<PersonMatchRules>()!;
            var role = rules.Find<BuyingRoleRules>();
            var ownership = rules.Find<OwnerAlignmentRules>();
            var rows = store.RuleSubjectsAsync(pair).GetAsyncEnumerator(ct);
            try
            {
                var subjects = new List<RuleSubject>(settings.Chunk);
                while (true)
                {
                    meter.Begin("load");
                    var streaming = System.Diagnostics.Stopwatch.StartNew();
                    subjects.Clear();
                    while (subjects.Count < settings.Chunk && await rows.MoveNextAsync())
                    {
                        var row = rows.Current;
                        subjects.Add(new RuleSubject(row.RecordId, null,
                            SObjectRecord.Create(type, row.RecordId, row.Fields.Select(f => new KeyValuePair<string, object?>(f.Key, f.Value))), null));
                    }
                    streamed += streaming.Elapsed;
                    if (subjects.Count == 0)
                    {
                        break;
                    }
                    meter.Count(subjects.Count);

                    // Each phase over the whole chunk, so that the meter times one kind of work at a time.
                    void Phase(string name, Func<RuleSubject, string?> failure)
                    {
                        meter.Begin(name);
                        foreach (var subject in subjects)
                        {
                            if (failure(subject) is { } reason)
                            {
                                Fail($"{pair} {subject.SalesforceId}: {reason}");
                            }
                        }
                        meter.Count(subjects.Count);
                    }
                    Phase("match", subject => match.Decide(subject) is null ? "no match decision" : null);
                    Phase("people", subject =>
                    {
                        var noRole = role is not null && role.ValuesFor(subject) is null;
                        ownership?.ValuesFor(subject);
                        return noRole ? "no buying role decision" : null;
                    });
                    Phase("write plan", subject => rules.ValuesFor(subject) is null ? "no values" : null);

                    meter.Begin("ledger");
                    foreach (var subject in subjects)
                    {
                        pending.AddRange(rules.LedgerFor(subject, BenchRunId, now, hash));
                        if (pending.Count >= settings.LedgerBatch)
                        {
                            appended += await AppendAsync(store, rules, pending);
                        }
                    }
                    appended += await AppendAsync(store, rules, pending);
                    meter.Count(subjects.Count);
                    records += subjects.Count;
                }
            }
            finally
            {
                await rows.DisposeAsync();
            }
            meter.End();
            log.WriteLine($"  load: {pair}' snapshot streamed as records {streamed.TotalSeconds:N2} s");
            ruleReport.AddRange(rules.Report());
        }
        meter.End();
        var phases = meter.Results().OrderBy(p => PhaseNames.IndexOf(p.Name)).ToList();
        var inStore = await store.CountLedgerAsync(BenchRunId);
        return new RulesReport(phases, records, failed, failures, appended, inStore, generated, generation, ruleReport);
    }

    static async Task<long> AppendAsync(StateStore store, PairRules rules, List<LedgerEntry> pending)
    {
        if (pending.Count == 0)
        {
            return 0;
        }
        await store.AppendDecisionsAsync(pending);
        // Committed: what the entries record is now the rules' "last decided", as after a page's commit.
        foreach (var entry in pending)
        {
            rules.Committed(entry);
        }
        var count = pending.Count;
        pending.Clear();
        return count;
    }

    /// <summary>
    /// Takes back what earlier measured runs appended to the cached ledger, so that every run starts from the
    /// snapshot as generated (the previous run's ledger, and nothing of this one's).
    /// </summary>
    static async Task TakeBackAsync(string directory)
    {
        var maxId = RulesSnapshotCache.GeneratedLedgerMaxId(directory);
        await using var connection = new SqliteConnection(RulesSnapshotCache.ConnectionString(directory));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM decision_ledger WHERE id > $max";
        command.Parameters.AddWithValue("$max", maxId);
        await command.ExecuteNonQueryAsync();
    }
}
