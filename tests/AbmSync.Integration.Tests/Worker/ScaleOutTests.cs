using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AbmSync.Bench;
using AbmSync.Bench.Kill;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;
using AbmSync.Worker.Jobs;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Npgsql;
using Xunit.Abstractions;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// Two real <c>abmsync run</c> processes on one PostgreSQL database share a partitioned full sync and reconcile of a
/// large book through Hangfire.PostgreSql; then one is killed (SIGKILL) while a write of its is in flight and the
/// other finishes its jobs once Hangfire gives them back.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    /// <summary>
    /// 2,000 by default, so that the suite stays within CI's budget; the issue's size is a run with
    /// <c>ABMSYNC_SCALE_OUT_ACCOUNTS=20000 ./scripts/test.sh --filter ScaleOutTests</c> (figures in docs/architecture.md).
    /// </summary>
    static readonly int Accounts = int.TryParse(Environment.GetEnvironmentVariable("ABMSYNC_SCALE_OUT_ACCOUNTS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 2_000;
    const int Partitions = 6;
    const int JobWorkersEach = 2;
    static readonly TimeSpan InvisibilityTimeout = TimeSpan.FromSeconds(40);
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(45);

    sealed record Run(long Id, string Object, string Mode, string Status, string? Worker, int HubSpotWritten, int SalesforceWritten, DateTimeOffset StartedAt)
    {
        public int Written => HubSpotWritten + SalesforceWritten;
    }

    [Fact]
    public async Task TwoWorkers_SharePartitionedFullSyncAndReconcile_EachRecordWrittenOnce_ThenAKilledWorkersJobsFinishOnTheOther()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var options = new SandboxOptions { Accounts = Accounts, Seed = 29, HubSpotRate = "2000/10s" };
        await using var sandbox = await SandboxHost.StartAsync(options);
        await using var referenceSandbox = await SandboxHost.StartAsync(options);
        using var world = new KillWorld("scale-out", sandbox.SalesforceUrl, sandbox.HubSpotUrl, sandbox.WorkerEnvironment);
        using var reference = new KillWorld("reference", referenceSandbox.SalesforceUrl, referenceSandbox.HubSpotUrl, referenceSandbox.WorkerEnvironment);
        var seeded = SeededIds.From(await WorldExport.TakeAsync(world, CancellationToken.None));
        var seededReference = SeededIds.From(await WorldExport.TakeAsync(reference, CancellationToken.None));
        var root = Directory.CreateTempSubdirectory("abmsync-scale-out-");
        var workers = new List<CliProcess>();
        var clock = Stopwatch.StartNew();
        void Note(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,7:F1} s  {what}");
        try
        {
            // The twin: the same jobs, whole, one after another, by one `abmsync sync` at a time.
            var referenceDirectory = root.CreateSubdirectory("reference").FullName;
            var referenceEnvironment = new Dictionary<string, string>(referenceSandbox.WorkerEnvironment)
            {
                ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
            };
            var referenceCounts = new Dictionary<string, (int HubSpot, int Salesforce)>(StringComparer.Ordinal);
            long referenceRunsSeen = 0;
            async Task ReferenceAsync(string phase, params string[] args)
            {
                using var cli = CliProcess.Start(referenceEnvironment, referenceDirectory, args);
                var exit = await cli.WaitAsync(Patience);
                Assert.True(exit is 0 or 4, $"reference {string.Join(' ', args)}: {exit}\n{Tail(cli.Output)}\n{Tail(cli.Error)}");
                // What its runs wrote, from its own run log (SQLite, in its working directory).
                await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(referenceDirectory, "data", "abmsync.db")};Pooling=False");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT id, hubspot_records_written, salesforce_records_written FROM sync_run WHERE id > $seen ORDER BY id";
                command.Parameters.AddWithValue("$seen", referenceRunsSeen);
                await using var reader = await command.ExecuteReaderAsync();
                var (hs, sf) = referenceCounts.GetValueOrDefault(phase);
                while (await reader.ReadAsync())
                {
                    referenceRunsSeen = reader.GetInt64(0);
                    hs += reader.GetInt32(1);
                    sf += reader.GetInt32(2);
                }
                referenceCounts[phase] = (hs, sf);
            }
            await ReferenceAsync("full sync", "sync", "--object", "accounts", "--full");
            await ReferenceAsync("full sync", "sync", "--object", "contacts", "--full");
            Note($"reference synced: {referenceCounts["full sync"]}");

            for (var i = 0; i < 2; i++)
            {
                workers.Add(CliProcess.Start(WorkerEnvironment(sandbox, database.ConnectionString), root.CreateSubdirectory($"worker{i}").FullName, "run"));
            }
            await UntilAsync(async () => (await RegisteredServersAsync(database.ConnectionString)) == 2, TimeSpan.FromSeconds(90), workers, "both workers' Hangfire servers to register");
            var storageOptions = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = false };
            var storage = new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(database.ConnectionString, storageOptions), storageOptions);
            var jobs = new BackgroundJobClient(storage);
            var pids = workers.Select(w => w.Id).ToList();
            Note($"workers {string.Join(", ", pids)} up");

            // 1. A full sync of the accounts, then of their contacts, each in partitions any worker may take.
            var before = await RunsAsync(database.ConnectionString);
            jobs.Enqueue<AbmSyncJobs>(j => j.SyncPartitionsAsync("accounts", true, Partitions));
            await UntilJobsDoneAsync(storage, 1 + Partitions, workers);
            jobs.Enqueue<AbmSyncJobs>(j => j.SyncPartitionsAsync("contacts", true, Partitions));
            await UntilJobsDoneAsync(storage, 2 * (1 + Partitions), workers);
            var sync = (await RunsAsync(database.ConnectionString)).Where(r => r.Id > before.Select(b => b.Id).DefaultIfEmpty().Max()).ToList();
            Note($"full sync: {Describe(sync)}");
            AssertShared(sync, ["accounts", "contacts"], "full", pids);
            await AssertSameWorldAsync(reference, seededReference, world, seeded, "after the full sync");
            // Every record written as often as by the one process, on each side: no partition wrote another's record.
            // (Found by this test: a partition planned a pair another partition had just created and linked from
            // copies read before that write, and wrote its HubSpot side a second time; now it reads such pairs afresh.)
            var (referenceHubSpot, referenceSalesforce) = referenceCounts["full sync"];
            Assert.Equal((referenceHubSpot, referenceSalesforce), (sync.Sum(r => r.HubSpotWritten), sync.Sum(r => r.SalesforceWritten)));
            Note($"records written: Salesforce {sync.Sum(r => r.SalesforceWritten)} (one process: {referenceSalesforce}), HubSpot {sync.Sum(r => r.HubSpotWritten)} (one process: {referenceHubSpot})");

            // 2. People's edits the syncs have not carried yet, then a partitioned reconcile that repairs them.
            // Accounts on the target list, those with a HubSpot company to carry the edit to.
            var accounts = ((JsonObject)sandbox.HubSpot.Export())["companies"]!.AsArray().Where(c => (bool?)c!["archived"] != true)
                .Select(c => (string?)c!["properties"]![AbmSync.Worker.Sync.AbmFields.HubSpotSalesforceId]).OfType<string>().Order(StringComparer.Ordinal).ToList();
            var edited = accounts.Where((_, i) => i % 40 == 0).ToList();
            await Parallel.ForEachAsync(edited, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
                await sandbox.EditAsSalesRepAsync("Account", id, new { NumberOfEmployees = Employees(id) }, ct));
            Note($"{edited.Count} accounts edited in Salesforce");
            var syncEnd = (await RunsAsync(database.ConnectionString)).Max(r => r.Id);
            jobs.Enqueue<AbmSyncJobs>(j => j.ReconcilePartitionsAsync("accounts", true, Partitions));
            await UntilJobsDoneAsync(storage, 3 * (1 + Partitions), workers);
            var repair = (await RunsAsync(database.ConnectionString)).Where(r => r.Id > syncEnd).ToList();
            Note($"reconcile: {Describe(repair)}");
            AssertShared(repair, ["accounts"], "incremental", pids);
            await Parallel.ForEachAsync(edited, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
                await referenceSandbox.EditAsSalesRepAsync("Account", id, new { NumberOfEmployees = Employees(id) }, ct));
            await ReferenceAsync("reconcile", "reconcile", "--object", "accounts", "--repair");
            await AssertSameWorldAsync(reference, seededReference, world, seeded, "after the reconcile");
            Assert.Equal(referenceCounts["reconcile"], (repair.Sum(r => r.HubSpotWritten), repair.Sum(r => r.SalesforceWritten)));
            AssertArrived(sandbox, edited);
            await AssertReconcileSavedPerPartitionAsync(database.ConnectionString);

            // 3. More edits, a partitioned incremental sync, and SIGKILL to whichever worker sent the held HubSpot write.
            var second = accounts.Where((_, i) => i % 40 == 20).ToList();
            await Parallel.ForEachAsync(second, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
                await sandbox.EditAsSalesRepAsync("Account", id, new { NumberOfEmployees = Employees(id) }, ct));
            var killStartId = (await RunsAsync(database.ConnectionString)).Max(r => r.Id);
            await world.ArmHoldAsync(Api.HubSpot, 2, CancellationToken.None);
            jobs.Enqueue<AbmSyncJobs>(j => j.SyncPartitionsAsync("accounts", false, Partitions));
            HoldState held = null!;
            await UntilAsync(async () => (held = await world.HoldAsync(Api.HubSpot, CancellationToken.None)).Held, TimeSpan.FromMinutes(5), workers, "a HubSpot write to be held");
            var victimPid = SocketOwner.ProcessOf(held.ClientPort!.Value, pids) ?? throw new InvalidOperationException($"no worker owns port {held.ClientPort}");
            var victim = workers.Single(w => w.Id == victimPid);
            var survivor = workers.Single(w => w != victim);
            var killedRuns = (await RunsAsync(database.ConnectionString)).Where(r => r.Id > killStartId && r.Status == "running" && r.Worker!.EndsWith("/" + victimPid, StringComparison.Ordinal)).ToList();
            Process.GetProcessById(victimPid).Kill();
            var killedAt = DateTimeOffset.UtcNow;
            await victim.WaitAsync(TimeSpan.FromSeconds(10));
            await world.DisarmHoldAsync(Api.HubSpot, CancellationToken.None);
            Note($"killed {victimPid} inside {held.HeldCall}, running {string.Join(", ", killedRuns.Select(r => $"#{r.Id} {r.Mode}"))}");
            Assert.NotEmpty(killedRuns);

            await UntilJobsDoneAsync(storage, 4 * (1 + Partitions), [survivor]);
            var finished = DateTimeOffset.UtcNow;
            var afterKill = (await RunsAsync(database.ConnectionString)).Where(r => r.Id > killStartId).ToList();
            Note($"after the kill ({(finished - killedAt).TotalSeconds:F0} s to finish): {Describe(afterKill)}");
            // Every partition of the sync ended succeeded, the killed ones on the survivor, only after Hangfire gave them back.
            var succeeded = afterKill.Where(r => r.Status == "succeeded").ToList();
            Assert.Equal(Enumerable.Range(0, Partitions).Select(i => $"incremental {i}/{Partitions}"), succeeded.Select(r => r.Mode).Distinct().Order(StringComparer.Ordinal));
            foreach (var killed in killedRuns)
            {
                var redone = Assert.Single(succeeded, r => r.Mode == killed.Mode);
                Assert.EndsWith("/" + survivor.Id, redone.Worker, StringComparison.Ordinal);
                // The sliding timeout is renewed every fifth of itself: the job was last renewed up to that long before the kill.
                Assert.True(redone.StartedAt >= killedAt + InvisibilityTimeout * 4 / 5 - TimeSpan.FromSeconds(2),
                    $"{killed.Mode} ran again at {redone.StartedAt:O}, before the invisibility timeout from the kill at {killedAt:O}");
            }
            AssertArrived(sandbox, [.. edited, .. second]);
            AssertNoTwins(sandbox);

            // The twin gets the same edits and one incremental sync: both worlds must be the same.
            await Parallel.ForEachAsync(second, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
                await referenceSandbox.EditAsSalesRepAsync("Account", id, new { NumberOfEmployees = Employees(id) }, ct));
            await ReferenceAsync("edits", "sync", "--object", "accounts");
            await AssertSameWorldAsync(reference, seededReference, world, seeded, "at the end");
            var jobsPerWorker = sync.Concat(repair).Concat(afterKill).GroupBy(r => r.Worker).Select(g => $"{g.Key}: {g.Count()} runs, {g.Sum(r => r.Written)} records written");
            Note("per worker: " + string.Join("; ", jobsPerWorker));
        }
        finally
        {
            foreach (var worker in workers.Where(w => !w.HasExited))
            {
                worker.Terminate();
                await worker.WaitAsync(TimeSpan.FromSeconds(40));
            }
            foreach (var worker in workers)
            {
                output.WriteLine($"--- worker {worker.Id} ---\n{Tail(worker.Output)}\n{Tail(worker.Error)}");
                worker.Dispose();
            }
            NpgsqlConnection.ClearAllPools();
            root.Delete(recursive: true);
        }
    }

    static Dictionary<string, string> WorkerEnvironment(SandboxHost sandbox, string connectionString)
    {
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
            ["ABMSYNC__Storage__Provider"] = "Postgres",
            ["ABMSYNC__Storage__ConnectionString"] = connectionString,
            ["ABMSYNC__Worker__DashboardUrl"] = $"http://127.0.0.1:{CliProcess.FreePort()}",
            ["ABMSYNC__Worker__JobWorkers"] = JobWorkersEach.ToString(CultureInfo.InvariantCulture),
            // Minutes in production; here short enough to wait out, and still longer than the pair leases.
            ["ABMSYNC__Worker__JobInvisibilityTimeout"] = InvisibilityTimeout.ToString(),
            ["ABMSYNC__Sync__LeaseDuration"] = "00:00:20",
            // The sandbox allows more than a real portal, so that the test measures sharing, not HubSpot's burst limit.
            ["ABMSYNC__HubSpot__RequestsPer10Seconds"] = "900",
        };
        DashboardLogins.QuietJobs(environment);
        return environment;
    }

    async Task AssertSameWorldAsync(KillWorld reference, SeededIds seededReference, KillWorld world, SeededIds seeded, string when)
    {
        var comparison = WorldComparison.Compare(
            WorldCanon.Canonicalise(await WorldExport.TakeAsync(reference, CancellationToken.None), seededReference),
            WorldCanon.Canonicalise(await WorldExport.TakeAsync(world, CancellationToken.None), seeded));
        using var printed = new StringWriter();
        comparison.Print(printed, 20);
        output.WriteLine($"{when}:\n{printed}");
        Assert.True(comparison.Equal, $"{when}: lost {comparison.Lost}, duplicated {comparison.Duplicated}, wrong {comparison.Wrong}\n{printed}");
    }

    static int Employees(string accountId) => 100_000 + Math.Abs(StringComparer.Ordinal.GetHashCode(accountId) % 50_000);

    static async Task<IReadOnlyList<Run>> RunsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT id, object, mode, status, worker, COALESCE(hubspot_records_written, 0), COALESCE(salesforce_records_written, 0), started_at FROM sync_run ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var runs = new List<Run>();
        while (await reader.ReadAsync())
        {
            runs.Add(new Run(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetInt32(5), reader.GetInt32(6), DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture)));
        }
        return runs;
    }

    static async Task<long> RegisteredServersAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM hangfire.server", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException)
        {
            return 0; // the schema is not there yet
        }
    }

    /// <summary>Until Hangfire has this many jobs succeeded and none enqueued or processing; a failed job fails the test.</summary>
    async Task UntilJobsDoneAsync(JobStorage storage, long succeeded, IReadOnlyList<CliProcess> alive)
    {
        var monitoring = storage.GetMonitoringApi();
        await UntilAsync(() =>
        {
            var stats = monitoring.GetStatistics();
            if (stats.Failed > 0)
            {
                var failed = monitoring.FailedJobs(0, 10).Select(f => $"{f.Value.Job?.Method.Name} {string.Join(",", f.Value.Job?.Args ?? [])}: {f.Value.ExceptionMessage}");
                throw new InvalidOperationException("jobs failed: " + string.Join("; ", failed));
            }
            return Task.FromResult(stats.Succeeded >= succeeded && stats.Enqueued == 0 && stats.Processing == 0);
        }, Patience, alive, $"{succeeded} jobs to succeed");
    }

    static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, IReadOnlyList<CliProcess> alive, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (alive.FirstOrDefault(w => w.HasExited) is { } dead)
            {
                throw new InvalidOperationException($"worker {dead.Id} exited while waiting for {what}:\n{Tail(dead.Output)}\n{Tail(dead.Error)}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what}");
            }
            await Task.Delay(500);
        }
    }

    /// <summary>Every partition of each pair ran once and succeeded, and each worker did at least 30% of the writing.</summary>
    static void AssertShared(IReadOnlyList<Run> runs, string[] pairs, string mode, IReadOnlyList<int> pids)
    {
        foreach (var pair in pairs)
        {
            var ofPair = runs.Where(r => r.Object == pair).ToList();
            Assert.All(ofPair, r => Assert.Equal("succeeded", r.Status));
            Assert.Equal(Enumerable.Range(0, Partitions).Select(i => $"{mode} {i}/{Partitions}"), ofPair.Select(r => r.Mode).Order(StringComparer.Ordinal));
        }
        var total = runs.Sum(r => r.Written);
        Assert.True(total > 0, "nothing was written");
        foreach (var pid in pids)
        {
            var share = runs.Where(r => r.Worker!.EndsWith("/" + pid, StringComparison.Ordinal)).Sum(r => r.Written) / (double)total;
            Assert.True(share >= 0.3, $"worker {pid} wrote {share:P0} of {total} records: {Describe(runs)}");
        }
    }

    /// <summary>One HubSpot record per Salesforce record: no partition or replay created a second.</summary>
    static void AssertNoTwins(SandboxHost sandbox)
    {
        var hs = (JsonObject)sandbox.HubSpot.Export();
        foreach (var type in new[] { "companies", "contacts" })
        {
            var twins = hs[type]!.AsArray().Where(r => (bool?)r!["archived"] != true)
                .Select(r => (string?)r!["properties"]![AbmSync.Worker.Sync.AbmFields.HubSpotSalesforceId])
                .OfType<string>().GroupBy(id => id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twins.Count == 0, $"{type} with a second HubSpot record: {string.Join(", ", twins.Take(10))}");
        }
    }

    /// <summary>Each edited account's employee count is on its HubSpot company: nothing lost.</summary>
    static void AssertArrived(SandboxHost sandbox, IReadOnlyList<string> accounts)
    {
        var hs = (JsonObject)sandbox.HubSpot.Export();
        var bySalesforceId = hs["companies"]!.AsArray().Where(r => (bool?)r!["archived"] != true)
            .Where(r => r!["properties"]![AbmSync.Worker.Sync.AbmFields.HubSpotSalesforceId] is not null)
            .ToDictionary(r => (string)r!["properties"]![AbmSync.Worker.Sync.AbmFields.HubSpotSalesforceId]!, r => (string?)r!["properties"]!["numberofemployees"], StringComparer.Ordinal);
        var missing = accounts.Where(id => bySalesforceId.GetValueOrDefault(id) != Employees(id).ToString(CultureInfo.InvariantCulture)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {accounts.Count} edits did not arrive, such as {string.Join(", ", missing.Take(5).Select(id => $"{id} ({bySalesforceId.GetValueOrDefault(id)})"))}");
    }

    static async Task AssertReconcileSavedPerPartitionAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT object, drift FROM reconcile_report ORDER BY object", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var saved = new List<(string Object, string Drift)>();
        while (await reader.ReadAsync())
        {
            saved.Add((reader.GetString(0), reader.GetString(1)));
        }
        Assert.Equal(Enumerable.Range(0, Partitions).Select(i => $"accounts#{i}/{Partitions}"), saved.Select(s => s.Object));
        // After the repair, no partition has field drift left.
        Assert.All(saved, s => Assert.Contains("\"field-drift\":0", s.Drift, StringComparison.Ordinal));
    }

    static string Describe(IReadOnlyList<Run> runs) => string.Join("; ", runs.Select(r => $"#{r.Id} {r.Object} {r.Mode} {r.Status} by {r.Worker}: {r.HubSpotWritten} HS + {r.SalesforceWritten} SF"));

    static string Tail(string text) => text.Length > 6000 ? "…" + text[^6000..] : text;
}
