using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AbmSync.Bench.Kill;

/// <summary>How the kill test runs. The bench's <c>kill</c> scenario and the integration test differ only in these.</summary>
public sealed record KillSettings
{
    public int Kills { get; init; } = 10;

    /// <summary>Kills that land between a write call's send and its checkpoint (the sandbox's hold hook).</summary>
    public int HeldKills { get; init; } = 4;

    public int Seed { get; init; } = 42;

    /// <summary><c>Salesforce:BulkThreshold</c> of the one resumed run that goes through Bulk API 2.0.</summary>
    public int BulkThreshold { get; init; } = 500;

    /// <summary><c>Salesforce:QueryBatchSize</c> of every run in both worlds: pages of 200 give a kill many commits to land between.</summary>
    public int PageSize { get; init; } = 200;

    /// <summary>Longest any one worker run may take before the harness gives up on it.</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The mappings every run uses; null: the repository's <c>mappings/</c> above this assembly.</summary>
    public string? MappingsDirectory { get; init; }

    /// <summary>Where each worker run's standard output and error are kept (one file per run), for whoever chases a finding; null keeps nothing.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Runs the worker with <c>--verbose</c>: its log (each HTTP call included) goes to the log files.</summary>
    public bool VerboseWorker { get; init; }
}

/// <summary>One kill: what was planned, and where it landed.</summary>
/// <param name="Running">The pairs whose runs were going on at the kill (pairs of one sync overlap): the kill landed in each.</param>
public sealed record KillRecord(KillSpec Spec, int Run, bool Bulk, bool Landed, string? HeldCall, string Where, TimeSpan At, WorldCalls Calls, int ExitCode, string Note,
    IReadOnlyList<string> Running);

/// <summary>A worker run that went to its end: exit code, time, the sandbox's count of its calls, the run log rows it added.</summary>
public sealed record RunOutcome(string Name, int ExitCode, TimeSpan Elapsed, WorldCalls Calls, IReadOnlyList<RunRow> Runs, string Output, string Error)
{
    public string Statuses => Runs.Count == 0 ? "no run" : string.Join(", ", Runs.Select(r => $"{r.Object} {r.Status}"));
}

public sealed record KillReport(
    KillPlan Plan,
    IReadOnlyList<PhaseProfile> Phases,
    IReadOnlyList<KillRecord> Kills,
    RunOutcome Reference,
    RunOutcome ReferenceNoOp,
    RunOutcome Final,
    RunOutcome KilledNoOp,
    WorldCalls KilledCalls,
    TimeSpan KilledWallTime,
    WorldComparison Comparison)
{
    public int KillsLanded => Kills.Count(k => k.Landed);
    public int HeldLanded => Kills.Count(k => k.Landed && k.HeldCall is not null);

    /// <summary>Why the end state is not the reference's, or a run did not end as it must. Empty: passed.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            var failures = new List<string>();
            if (!Comparison.Equal)
            {
                failures.Add($"the killed world differs from the reference: {Comparison.Lost} lost, {Comparison.Duplicated} duplicated, {Comparison.Wrong} wrong");
            }
            foreach (var run in new[] { Reference, ReferenceNoOp, Final, KilledNoOp }.Where(r => r.ExitCode != 0 || r.Runs.Any(x => x.Status != "succeeded")))
            {
                failures.Add($"{run.Name} exited {run.ExitCode} ({run.Statuses}) {Tail(run.Error)}");
            }
            foreach (var run in new[] { ReferenceNoOp, KilledNoOp }.Where(r => r.Calls.Writes != 0))
            {
                failures.Add($"{run.Name} wrote {run.Calls.Writes} times; a run after a complete one must write nothing ({run.Calls})");
            }
            return failures;
        }
    }

    /// <summary>Why the kills did not cover what they must: every kill landed, the held ones held a write, every pair got one.</summary>
    public IReadOnlyList<string> CoverageGaps
    {
        get
        {
            var gaps = new List<string>();
            foreach (var kill in Kills.Where(k => !k.Landed))
            {
                gaps.Add($"kill {kill.Spec.Number} did not land: {kill.Note}");
            }
            var heldPlanned = Kills.Count(k => k.Spec.Mode == KillMode.Held);
            if (HeldLanded < heldPlanned)
            {
                gaps.Add($"{HeldLanded} of {heldPlanned} held kills landed between a write's send and its checkpoint");
            }
            // Kills are aimed at writes: a phase that writes to neither system (the activities' read) cannot be aimed at.
            foreach (var phase in Phases.Where(p => p.SalesforceWrites + p.HubSpotWrites > 0 && !Kills.Any(k => k.Landed && k.Running.Contains(p.Pair))))
            {
                gaps.Add($"no kill landed in {phase.Pair}");
            }
            return gaps;
        }
    }

    static string Tail(string text) => text.Length <= 400 ? text.Trim() : "…" + text[^400..].Trim();
}

/// <summary>
/// The kill test: two sandboxes of one seed; the reference syncs once, uninterrupted; the other is synced by a worker
/// that is SIGKILLed at seeded moments and resumed each time, then run to its end. Both then run once more (which must
/// write nothing), and their exports must be the same world: nothing lost, nothing duplicated, no value wrong.
/// </summary>
public static class KillHarness
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    const int KilledBySignal = 128 + 9;

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AbmSync.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"no AbmSync.sln above {AppContext.BaseDirectory}: where are the mappings?");
    }

    public static async Task<KillReport> RunAsync(KillWorld reference, KillWorld killed, KillSettings settings, TextWriter output, CancellationToken ct)
    {
        var root = Directory.CreateTempSubdirectory("abmsync-kill-");
        try
        {
            if (settings.HeldKills > 0)
            {
                foreach (var api in new[] { Api.Salesforce, Api.HubSpot })
                {
                    if (!await killed.HasHoldAsync(api, ct))
                    {
                        throw new InvalidOperationException($"the {api} emulator has no hold hook (POST /_sandbox/hold): held kills need a sandbox that has it");
                    }
                    await killed.DisarmHoldAsync(api, ct);
                }
            }

            // The two worlds must start as one: same options, same seed, same records and ids.
            var initialReference = await WorldExport.TakeAsync(reference, ct);
            var initialKilled = await WorldExport.TakeAsync(killed, ct);
            var seededReference = SeededIds.From(initialReference);
            var seededKilled = SeededIds.From(initialKilled);
            var twins = WorldComparison.Compare(WorldCanon.Canonicalise(initialReference, seededReference), WorldCanon.Canonicalise(initialKilled, seededKilled));
            if (!twins.Equal)
            {
                twins.Print(output);
                throw new InvalidOperationException("the two sandboxes differ before any sync: they were not started with the same options and seed");
            }
            output.WriteLine($"Both sandboxes seeded alike: {Report.N(seededReference.Salesforce.Count)} Salesforce records, {Report.N(seededReference.HubSpot.Count)} HubSpot records.");

            var referenceDirectory = root.CreateSubdirectory("reference").FullName;
            var killedDirectory = root.CreateSubdirectory("killed").FullName;

            output.WriteLine($"Reference: one uninterrupted `abmsync sync --object all` on the twin sandbox...");
            var (referenceRun, phases) = await ReferenceAsync(reference, referenceDirectory, Environment(reference, settings, bulk: false), settings, ct);
            output.WriteLine($"  exit {referenceRun.ExitCode} after {Seconds(referenceRun.Elapsed)}: {referenceRun.Statuses}; {referenceRun.Calls}");
            // The run after a first sync writes the engagement that the first one's contacts pass read after the
            // accounts were written (their counters and buying roles); only the run after that must write nothing.
            var referenceSettled = await RunToEndAsync("reference engagement run", reference, referenceDirectory, Environment(reference, settings, bulk: false), settings, ct);
            output.WriteLine($"  then the engagement run: exit {referenceSettled.ExitCode}, {referenceSettled.Calls.Writes} writes ({referenceSettled.Calls})");
            if (referenceSettled.ExitCode != 0)
            {
                throw new InvalidOperationException($"the reference's engagement run exited {referenceSettled.ExitCode}: {referenceSettled.Error}");
            }
            var referenceNoOp = await RunToEndAsync("reference no-op run", reference, referenceDirectory, Environment(reference, settings, bulk: false), settings, ct);
            output.WriteLine($"  then once more: exit {referenceNoOp.ExitCode}, {referenceNoOp.Calls.Writes} writes ({referenceNoOp.Calls})");
            output.WriteLine();
            output.WriteLine("The reference run per pair (write calls counted by the sandbox between the pair's start and its end, other pairs' included where they overlap; pages that committed baselines):");
            output.WriteLine();
            Report.Table(output, ["pair", "SF write calls", "HS write calls", "pages", "time"],
                phases.Select(p => (IReadOnlyList<string>)[p.Pair, Report.N(p.SalesforceWrites), Report.N(p.HubSpotWrites), Report.N(p.Pages), Seconds(p.Duration)]));

            var plan = KillPlan.Create(settings.Seed, settings.Kills, settings.HeldKills, phases);
            output.WriteLine($"Kill plan (seed {settings.Seed}): {settings.Kills} kills, {plan.Kills.Count(k => k.Mode == KillMode.Held)} held; resumed run {plan.BulkRun} on Bulk API 2.0 (Salesforce:BulkThreshold {settings.BulkThreshold}).");
            foreach (var spec in plan.Kills)
            {
                output.WriteLine($"  {spec.Number,2}. {spec.Mode.ToString().ToLowerInvariant(),-5} {spec.Describe()}");
            }
            output.WriteLine();

            var probe = new StateProbe(Path.Combine(killedDirectory, "data", "abmsync.db"));
            var kills = new List<KillRecord>();
            var killedCalls = new WorldCalls();
            var killedClock = Stopwatch.StartNew();
            foreach (var spec in plan.Kills)
            {
                // Run 1 is the first run; run r + 1 resumes after kill r.
                var run = spec.Number;
                var bulk = run - 1 == plan.BulkRun;
                var record = await KillOnceAsync(spec, run, bulk, killed, killedDirectory, Environment(killed, settings, bulk), probe, settings, ct);
                kills.Add(record);
                killedCalls += record.Calls;
                output.WriteLine(Line(record, settings.Kills));
            }
            var finalBulk = settings.Kills == plan.BulkRun;
            var final = await RunToEndAsync("final run", killed, killedDirectory, Environment(killed, settings, finalBulk), settings, ct);
            killedCalls += final.Calls;
            killedClock.Stop();
            output.WriteLine($"final run {settings.Kills + 1}{(finalBulk ? " [bulk]" : "")}: exit {final.ExitCode} after {Seconds(final.Elapsed)}: {final.Statuses}; {final.Calls}");
            var killedSettled = await RunToEndAsync("engagement run", killed, killedDirectory, Environment(killed, settings, bulk: false), settings, ct);
            output.WriteLine($"then the engagement run: exit {killedSettled.ExitCode}, {killedSettled.Calls.Writes} writes ({killedSettled.Calls})");
            if (killedSettled.ExitCode != 0)
            {
                throw new InvalidOperationException($"the killed world's engagement run exited {killedSettled.ExitCode}: {killedSettled.Error}");
            }
            var killedNoOp = await RunToEndAsync("no-op run", killed, killedDirectory, Environment(killed, settings, bulk: false), settings, ct);
            output.WriteLine($"then once more: exit {killedNoOp.ExitCode}, {killedNoOp.Calls.Writes} writes ({killedNoOp.Calls})");
            output.WriteLine();

            var comparison = WorldComparison.Compare(
                WorldCanon.Canonicalise(await WorldExport.TakeAsync(reference, ct), seededReference),
                WorldCanon.Canonicalise(await WorldExport.TakeAsync(killed, ct), seededKilled));
            var report = new KillReport(plan, phases, kills, referenceRun, referenceNoOp, final, killedNoOp, killedCalls, killedClock.Elapsed, comparison);
            await PrintAsync(report, settings, output, new StateProbe(Path.Combine(referenceDirectory, "data", "abmsync.db")), probe, ct);
            return report;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            root.Delete(recursive: true);
        }
    }

    static async Task PrintAsync(KillReport report, KillSettings settings, TextWriter output, StateProbe referenceState, StateProbe killedState, CancellationToken ct)
    {
        output.WriteLine("Kills:");
        output.WriteLine();
        Report.Table(output, ["kill", "run", "mode", "seeded moment", "held call", "landed in", "at", "run's calls"],
            report.Kills.Select(k => (IReadOnlyList<string>)
            [
                $"{k.Spec.Number}", $"{k.Run}{(k.Bulk ? " bulk" : "")}", k.Spec.Mode.ToString().ToLowerInvariant(), k.Spec.Describe(),
                k.HeldCall ?? "-", k.Landed ? k.Where : "MISSED: " + k.Note, Seconds(k.At), k.Calls.ToString(),
            ]), textColumns: 6);
        output.WriteLine("Export comparison, killed world against the reference (created records keyed by their twin or email; ids, timestamps and modifiers canonicalised or dropped):");
        output.WriteLine();
        report.Comparison.Print(output);
        output.WriteLine();
        var referenceLinks = await referenceState.LinksAsync(ct);
        var killedLinks = await killedState.LinksAsync(ct);
        output.WriteLine($"Links in the state store: reference {Describe(referenceLinks)}; killed {Describe(killedLinks)}.");
        var referenceLetters = await referenceState.DeadLettersAsync(ct);
        var killedLetters = await killedState.DeadLettersAsync(ct);
        output.WriteLine($"Dead letters not resolved: reference {Describe(referenceLetters)}; killed {Describe(killedLetters)}.");
        output.WriteLine($"Calls: reference run {report.Reference.Calls} in {Seconds(report.Reference.Elapsed)}; killed world, {settings.Kills + 1} runs, {report.KilledCalls} in {Seconds(report.KilledWallTime)}.");
        output.WriteLine($"Writes of the run after the end: reference {report.ReferenceNoOp.Calls.Writes}, killed {report.KilledNoOp.Calls.Writes}.");
        output.WriteLine($"Kills landed: {report.KillsLanded} of {report.Kills.Count}, {report.HeldLanded} between a write's send and its checkpoint.");
        output.WriteLine();
        output.WriteLine($"RESULT: lost {report.Comparison.Lost}, duplicated {report.Comparison.Duplicated}, wrong {report.Comparison.Wrong}" +
            (report.Failures.Count == 0 && report.CoverageGaps.Count == 0 ? " — PASS" : " — FAIL"));
        foreach (var failure in report.Failures.Concat(report.CoverageGaps))
        {
            output.WriteLine($"  {failure}");
        }
    }

    static string Describe(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {Report.N(c.Value)}"));

    static string Line(KillRecord k, int kills) =>
        $"kill {k.Spec.Number,2}/{kills} run {k.Run,2}{(k.Bulk ? " [bulk]" : "")} {k.Spec.Mode.ToString().ToLowerInvariant(),-5} {k.Spec.Describe()}: " +
        (k.Landed
            ? $"{(k.HeldCall is null ? "" : $"held {k.HeldCall}; ")}SIGKILL at {Seconds(k.At)} in {k.Where}"
            : $"MISSED ({k.Note})") +
        $"; this run: {k.Calls}{(k.Landed && k.Note.Length > 0 ? $" ({k.Note})" : "")}";

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    /// <summary>The worker's environment: the sandbox's settings, the repository's mappings, the page size, and Bulk API 2.0 for one run.</summary>
    static Dictionary<string, string> Environment(KillWorld world, KillSettings settings, bool bulk)
    {
        var environment = new Dictionary<string, string>(world.WorkerEnvironment, StringComparer.Ordinal)
        {
            ["ABMSYNC__Mappings__Directory"] = settings.MappingsDirectory ?? Path.Combine(RepositoryRoot(), "mappings"),
            ["ABMSYNC__Salesforce__QueryBatchSize"] = settings.PageSize.ToString(CultureInfo.InvariantCulture),
        };
        if (bulk)
        {
            environment["ABMSYNC__Salesforce__BulkThreshold"] = settings.BulkThreshold.ToString(CultureInfo.InvariantCulture);
            // The connector's 5 s between job polls is for a real org; the sandbox finishes a job at once.
            environment["ABMSYNC__Salesforce__BulkPollInterval"] = "00:00:01";
        }
        return environment;
    }

    static string[] SyncAll(KillSettings settings) => settings.VerboseWorker ? ["--verbose", "sync", "--object", "all"] : ["sync", "--object", "all"];

    static int logs;

    /// <summary>Keeps a finished or killed run's output where <see cref="KillSettings.LogDirectory"/> says.</summary>
    static void Keep(KillSettings settings, KillWorld world, string name, WorkerProcess worker)
    {
        if (settings.LogDirectory is not { } directory)
        {
            return;
        }
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"{Interlocked.Increment(ref logs):00}-{world.Name}-{name.Replace(' ', '-')}.log");
        File.WriteAllText(file, $"# exit {worker.ExitCode}\n# stdout\n{worker.Output}\n# stderr\n{worker.Error}");
    }

    /// <summary>
    /// The reference run, watched from outside: the sandbox's write count as each pair starts and as it ends gives the
    /// writes a kill armed at the pair's start can count while the pair still runs (pairs of one sync overlap, so the
    /// windows do too).
    /// </summary>
    static async Task<(RunOutcome Run, List<PhaseProfile> Phases)> ReferenceAsync(KillWorld world, string directory, Dictionary<string, string> environment,
        KillSettings settings, CancellationToken ct)
    {
        var probe = new StateProbe(Path.Combine(directory, "data", "abmsync.db"));
        await world.ResetStatsAsync(ct);
        var clock = Stopwatch.StartNew();
        using var worker = WorkerProcess.Start(environment, directory, SyncAll(settings));
        var starts = new Dictionary<long, WorldCalls>();
        var ends = new Dictionary<long, WorldCalls>();
        while (!worker.HasExited)
        {
            var runs = await probe.RunsAfterAsync(0, ct);
            if (runs.Any(r => !starts.ContainsKey(r.Id) || !r.Running && !ends.ContainsKey(r.Id)))
            {
                var now = await world.BothStatsAsync(ct);
                foreach (var run in runs)
                {
                    starts.TryAdd(run.Id, now);
                    if (!run.Running)
                    {
                        ends.TryAdd(run.Id, now);
                    }
                }
            }
            if (clock.Elapsed > settings.RunTimeout)
            {
                worker.Kill();
                throw new TimeoutException($"the reference run took more than {settings.RunTimeout}: {worker.Error}");
            }
            await Task.Delay(Poll, ct);
        }
        var exit = await worker.WaitAsync(TimeSpan.FromMinutes(1), ct) ?? -1;
        clock.Stop();
        Keep(settings, world, "reference run", worker);
        var end = await world.BothStatsAsync(ct);
        var phases = new List<PhaseProfile>();
        var all = await probe.RunsAfterAsync(0, ct);
        foreach (var run in all)
        {
            // A pair that started and ended between two polls is seen with the next poll: its window is what that poll saw.
            var from = starts.TryGetValue(run.Id, out var started) ? started : end;
            var to = ends.TryGetValue(run.Id, out var ended) ? ended : end;
            phases.Add(new PhaseProfile(run.Object, to.Salesforce.Writes - from.Salesforce.Writes, to.HubSpot.Writes - from.HubSpot.Writes,
                await probe.PagesSinceAsync(run.Object, run.StartedAt, ct), run.Duration ?? TimeSpan.Zero));
        }
        return (new RunOutcome("reference run", exit, clock.Elapsed, end, all, worker.Output, worker.Error), phases);
    }

    static async Task<RunOutcome> RunToEndAsync(string name, KillWorld world, string directory, Dictionary<string, string> environment, KillSettings settings, CancellationToken ct)
    {
        var probe = new StateProbe(Path.Combine(directory, "data", "abmsync.db"));
        var before = await probe.LastRunIdAsync(ct);
        await world.ResetStatsAsync(ct);
        var clock = Stopwatch.StartNew();
        using var worker = WorkerProcess.Start(environment, directory, SyncAll(settings));
        var exit = await worker.WaitAsync(settings.RunTimeout, ct);
        if (exit is null)
        {
            worker.Kill();
            throw new TimeoutException($"{name} took more than {settings.RunTimeout}: {worker.Error}");
        }
        clock.Stop();
        Keep(settings, world, name, worker);
        return new RunOutcome(name, exit.Value, clock.Elapsed, await world.BothStatsAsync(ct), await probe.RunsAfterAsync(before, ct), worker.Output, worker.Error);
    }

    /// <summary>
    /// One run of the killed world, killed as <paramref name="spec"/> says. The moment is chosen from outside, as a
    /// crash would: the pair's start is the run log's new row; a held write is the sandbox's hold hook; a page is a
    /// commit in the state store. Where the worker was is read from the state store after the kill, when it no longer moves.
    /// </summary>
    static async Task<KillRecord> KillOnceAsync(KillSpec spec, int run, bool bulk, KillWorld world, string directory, Dictionary<string, string> environment,
        StateProbe probe, KillSettings settings, CancellationToken ct)
    {
        var before = await probe.LastRunIdAsync(ct);
        await world.ResetStatsAsync(ct);
        var clock = Stopwatch.StartNew();
        string? heldCall = null;
        var note = "";
        int exit;
        var exitedFirst = false;
        TimeSpan at;
        using (var worker = WorkerProcess.Start(environment, directory, SyncAll(settings)))
        {
            try
            {
                RunRow? pairRun = null;
                while (pairRun is null && !worker.HasExited)
                {
                    if (clock.Elapsed > settings.RunTimeout)
                    {
                        throw new TimeoutException($"run {run} did not start {spec.Pair} within {settings.RunTimeout}");
                    }
                    pairRun = (await probe.RunsAfterAsync(before, ct)).FirstOrDefault(r => r.Object == spec.Pair);
                    if (pairRun is null)
                    {
                        await Task.Delay(Poll, ct);
                    }
                }
                if (pairRun is not null)
                {
                    var started = clock.Elapsed;
                    switch (spec.Mode)
                    {
                        case KillMode.Held:
                            await world.ArmHoldAsync(spec.Port, spec.Parameter, ct);
                            while (!worker.HasExited)
                            {
                                if (await world.HoldAsync(spec.Port, ct) is { Held: true } hold)
                                {
                                    heldCall = $"{spec.Port} {hold.HeldCall ?? "(a write call)"}";
                                    break;
                                }
                                await Task.Delay(Poll / 2, ct);
                            }
                            break;
                        case KillMode.Page:
                            while (!worker.HasExited && await probe.PagesSinceAsync(spec.Pair, pairRun.StartedAt, ct) < spec.Parameter)
                            {
                                if (await probe.RunAsync(pairRun.Id, ct) is { Running: false } ended)
                                {
                                    note = $"{spec.Pair} {ended.Status} before page #{spec.Parameter}: killed as it ended";
                                    break;
                                }
                                await Task.Delay(Poll, ct);
                            }
                            break;
                        default:
                            while (!worker.HasExited && clock.Elapsed - started < spec.Delay)
                            {
                                if (await probe.RunAsync(pairRun.Id, ct) is { Running: false } ended)
                                {
                                    note = $"{spec.Pair} {ended.Status} before its {spec.Parameter}‰: killed as it ended";
                                    break;
                                }
                                await Task.Delay(Poll, ct);
                            }
                            break;
                    }
                }
                exitedFirst = worker.HasExited;
                at = clock.Elapsed;
                exit = worker.Kill();
                Keep(settings, world, $"run {run} kill {spec.Number}", worker);
                if (exitedFirst || exit != KilledBySignal)
                {
                    note = $"the worker exited {exit} before the kill{(note.Length > 0 ? "; " + note : "")}; {Last(worker.Output)} {Last(worker.Error)}".TrimEnd();
                }
                else if (worker.Error.Trim().Length > 0)
                {
                    note = (note + " stderr: " + Last(worker.Error)).Trim();
                }
            }
            finally
            {
                if (spec.Mode == KillMode.Held)
                {
                    // After the kill, never before: released, the withheld answer would reach a live worker and be checkpointed.
                    await world.DisarmHoldAsync(spec.Port, ct);
                }
            }
        }
        if (spec.Mode == KillMode.Held)
        {
            // The emulator lets go of the held call once it sees the dead client's connection close: give it a moment.
            var deadline = Stopwatch.StartNew();
            while (await world.HoldAsync(spec.Port, ct) is { } after && (after.Armed || after.Held))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new InvalidOperationException($"the {spec.Port} hold is still {(after.Held ? "holding" : "armed")} 10 s after DELETE /_sandbox/hold");
                }
                await Task.Delay(Poll, ct);
            }
        }
        var calls = await world.BothStatsAsync(ct);
        var runs = await probe.RunsAfterAsync(before, ct);
        var where = "the start, before any pair";
        // Every pair still running when the worker died (pairs of one sync overlap), then those that had ended.
        var running = runs.Where(r => r.Running).ToList();
        if (runs.Count > 0)
        {
            var parts = new List<string>();
            foreach (var r in running)
            {
                var pages = await probe.PagesSinceAsync(r.Object, r.StartedAt, ct);
                parts.Add($"{r.Object} (run log {r.Id}, {pages} {(pages == 1 ? "page" : "pages")} committed)");
            }
            var ended = runs.Where(r => !r.Running).Select(r => $"{r.Object} {r.Status}").ToList();
            where = (parts.Count > 0 ? string.Join(", ", parts) : "no pair running") + (ended.Count > 0 ? $"; {string.Join(", ", ended)}" : "");
        }
        var landed = !exitedFirst && exit == KilledBySignal && (spec.Mode != KillMode.Held || heldCall is not null);
        return new KillRecord(spec, run, bulk, landed, heldCall, where, at, calls, exit, note, [.. running.Select(r => r.Object)]);
    }

    static string Last(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
}
