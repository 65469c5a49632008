using System.Diagnostics;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Sandbox;
using AbmSync.Worker;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Bench;

/// <summary>
/// The worker's sync of every pair in dependency order (accounts, contacts, leads, opportunities), run three times over
/// the same sandbox (first run, nothing changed, 1% changed): per run and system, summed over the pairs and per pair,
/// the calls made beside the lower bound (<see cref="CallBound"/>), wall time beside HubSpot's rate-limit bound, 429s
/// and peak memory.
/// </summary>
public static class SyncScenario
{
    /// <param name="CallsLog">A file that gets one line per request (run, pair, system, kind, method and URL), for chasing a figure.</param>
    /// <param name="Endpoints">Also print the sandbox's byEndpoint counts per run and pair.</param>
    /// <param name="Runs">How many of the three runs to make (1: the first run only, the one that matters at 100,000 accounts).</param>
    /// <param name="Jitter">A further delay per answer, uniform between 0 and this (the sandbox's LatencyJitter).</param>
    public sealed record Settings(int Accounts, int Seed, TimeSpan Latency, bool InProcess, string? CallsLog = null, bool Endpoints = false, int Runs = 3,
        TimeSpan Jitter = default);

    /// <summary>One pair's part of a run: what it did, its own wall time (pairs overlap), and its calls as the tap sorted them.</summary>
    sealed record Pass(string Name, RunFacts Facts, TimeSpan Elapsed, CallBound SalesforceBound, CallBound HubSpotBound)
    {
        public string Pair => Facts.Pair;
        public SyncSummary Summary => Facts.Summary;
        public CallBound Bound(Api api) => api == Api.Salesforce ? SalesforceBound : HubSpotBound;
    }

    /// <summary>
    /// One run of every pair, as <c>sync --object all</c> makes it (<see cref="PairSequence"/>: pairs overlap where they
    /// allow): the sandbox's counts and the wall time are the run's; each pair's calls come from the tap, which knows
    /// a request's pair from the flow that sent it (<see cref="SyncRunner.PairOfThisFlow"/>).
    /// </summary>
    sealed record Run(string Name, List<Pass> Pairs, SandboxStatsSnapshot Salesforce, SandboxStatsSnapshot HubSpot, TimeSpan Elapsed,
        long PeakBench, long? PeakSandbox, long Unattributed)
    {
        public SandboxStatsSnapshot Stats(Api api) => api == Api.Salesforce ? Salesforce : HubSpot;
    }

    static readonly string[] RunNames = ["first run", "nothing changed", "1% changed"];

    public static async Task<int> RunAsync(TextWriter output, Settings settings, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-bench-");
        try
        {
            output.WriteLine($"Seeding the sandbox with {settings.Accounts:N0} accounts (seed {settings.Seed})...");
            await using var sandbox = await BenchSandbox.StartAsync(new SandboxOptions
            {
                Accounts = settings.Accounts,
                Seed = settings.Seed,
                Latency = settings.Latency,
                LatencyJitter = settings.Jitter,
                SalesforceDailyLimit = 10_000_000,
            }, settings.InProcess, ct);
            output.WriteLine($"Sandbox ready after {sandbox.SeedTime.TotalSeconds:N1} s.");

            var config = sandbox.Settings();
            config["Storage:Provider"] = "Sqlite";
            config["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}";
            // Started before the host so that it sees the worker's HTTP handlers from their first request.
            using var tap = new HttpTap();
            await using var callsLog = settings.CallsLog is { } logPath ? new StreamWriter(logPath) : null;
            // Exactly as `abmsync demo` composes the worker (src/AbmSync.Worker/Cli/DemoCommand.cs).
            using var host = AbmSyncServices.BuildCommandHost(config);
            await host.StartAsync(ct);
            await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);

            var log = callsLog is null ? null : TextWriter.Synchronized(callsLog);
            var runs = new List<Run>();
            var runClock = Stopwatch.StartNew();
            runs.Add(await RunAsync(RunNames[0], firstRun: true, host, sandbox, tap, log, ct));
            if (settings.Runs >= 2)
            {
                runs.Add(await RunAsync(RunNames[1], firstRun: false, host, sandbox, tap, log, ct));
            }
            var edits = 0;
            if (settings.Runs >= 3)
            {
                edits = await EditOnePercentEachSideAsync(host, sandbox, ct);
                runs.Add(await RunAsync(RunNames[2], firstRun: false, host, sandbox, tap, log, ct));
            }
            var passes = runs.SelectMany(r => r.Pairs).ToList();
            runClock.Stop();
            await host.StopAsync(ct);

            output.WriteLine();
            output.WriteLine($"== sync: the worker's sync of every pair, {settings.Accounts:N0} accounts, seed {settings.Seed}, latency {settings.Latency.TotalMilliseconds:0} ms (+ 0–{settings.Jitter.TotalMilliseconds:0} ms jitter), sandbox seeded in {sandbox.SeedTime.TotalSeconds:N1} s, {settings.Runs} run(s) in {runClock.Elapsed.TotalSeconds:N1} s");
            output.WriteLine($"   {Environment.ProcessorCount} cores, .NET {Environment.Version}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC; 1% changed = {edits} Salesforce edits + {edits} HubSpot renames of linked accounts");
            output.WriteLine();
            PrintWork(output, passes);
            PrintBounds(output, runs, sandbox.IsChildProcess);
            PrintComponents(output, passes);
            CheckTap(output, runs);
            if (settings.Endpoints)
            {
                PrintEndpoints(output, runs);
            }
            return passes.All(p => p.Summary.Status == "succeeded") ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The bound's inputs: what each run read, wrote and created per side.</summary>
    static void PrintWork(TextWriter output, List<Pass> passes)
    {
        output.WriteLine("What each run did (the bound's inputs, from the run summaries; the portal's size from a search total before each first run):");
        output.WriteLine();
        Report.Table(output, ["run", "pair", "status", "read SF/HS", "HS object in portal", "updated SF/HS", "created SF/HS"],
            passes.Select(p => (IReadOnlyList<string>)
            [
                p.Name, p.Pair, p.Summary.Status, $"{Report.N(p.Summary.RecordsRead)}/{Report.N(p.Summary.HubSpotRead)}",
                p.Facts.FirstRun ? Report.N(p.Facts.HubSpotObjectCount) : "-",
                $"{Report.N(p.Summary.SalesforceUpdated)}/{Report.N(p.Summary.HubSpotUpdated)}",
                $"{Report.N(p.Summary.SalesforceCreated)}/{Report.N(p.Summary.HubSpotCreated)}",
            ]), textColumns: 3);
    }

    /// <summary>
    /// Per run and system, all pairs then each: calls ÷ bound, wall ÷ the HubSpot rate-limit bound, 429s, memory. The
    /// run's wall time is the whole sequence's; a pair's is its own run's, which overlaps others.
    /// </summary>
    static void PrintBounds(TextWriter output, List<Run> runs, bool childProcess)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var run in runs)
        {
            foreach (var api in new[] { Api.Salesforce, Api.HubSpot })
            {
                var hubSpot = api == Api.HubSpot;
                rows.Add(Row(run.Name, api, "all pairs", CallBound.Sum(api, run.Pairs.Select(p => p.Bound(api))), run.Elapsed,
                    // HubSpot: calls answered 429; Salesforce: records refused because a write in flight held their parent's row.
                    Report.N(hubSpot ? run.Stats(api).Throttled : run.Stats(api).RowLocks),
                    Report.Mb(run.PeakBench), childProcess ? Report.Mb(run.PeakSandbox ?? 0) : "(in process)"));
                rows.AddRange(run.Pairs.Select(p => Row(run.Name, api, p.Pair, p.Bound(api), p.Elapsed, "-", "-", "-")));
            }
        }
        output.WriteLine("Calls against the lower bound (bench/README.md, \"The call bound\"); extras are calls of kinds the bound does not name, included in calls.");
        output.WriteLine("Wall time: the run's, its pairs overlapping, then each pair's own run. 429s, row locks and memory are the run's:");
        output.WriteLine();
        Report.Table(output, ["run", "system", "pair", "calls", "bound", "calls / bound", "named extras", "wall time", "HS rate-limit bound", "wall / rate bound", "429s / row locks", "peak RSS bench", "peak RSS sandbox"],
            rows, textColumns: 3);

        static IReadOnlyList<string> Row(string run, Api api, string pair, CallBound bound, TimeSpan elapsed, string refused, string peakBench, string peakSandbox)
        {
            var wall = elapsed.TotalSeconds;
            var hubSpot = api == Api.HubSpot;
            return
            [
                run, api.ToString(), pair, Report.N(bound.Calls), Report.N(bound.Bound), Report.F(bound.Ratio, 2), Report.N(bound.Extras),
                Report.F(wall, 2) + " s",
                hubSpot ? Report.F(bound.RateLimitSeconds, 2) + " s" : "-",
                hubSpot && bound.RateLimitSeconds > 0 ? Report.F(wall / bound.RateLimitSeconds, 2) : "-",
                refused, peakBench, peakSandbox,
            ];
        }
    }

    /// <summary>Where the calls go: each named part of the bound, and each extra, per run and system (all pairs, then each pair).</summary>
    static void PrintComponents(TextWriter output, List<Pass> passes)
    {
        var summed = new List<IReadOnlyList<string>>();
        var perPair = new List<IReadOnlyList<string>>();
        foreach (var run in RunNames.Where(r => passes.Any(p => p.Name == r)))
        {
            var ofRun = passes.Where(p => p.Name == run).ToList();
            foreach (var api in new[] { Api.Salesforce, Api.HubSpot })
            {
                summed.AddRange(Rows(run, api, "all pairs", CallBound.Sum(api, ofRun.Select(p => p.Bound(api)))));
                foreach (var p in ofRun)
                {
                    perPair.AddRange(Rows(run, api, p.Pair, p.Bound(api)));
                }
            }
        }
        string[] headers = ["run", "system", "pair", "component", "in bound", "records", "calls", "bound"];
        output.WriteLine("The bound's components summed over the four pairs (records: distinct ids or inputs the calls carried, where the component divides by them):");
        output.WriteLine();
        Report.Table(output, headers, summed, textColumns: 5);
        output.WriteLine("The same per pair:");
        output.WriteLine();
        Report.Table(output, headers, perPair, textColumns: 5);

        static IEnumerable<IReadOnlyList<string>> Rows(string run, Api api, string pair, CallBound bound) =>
            bound.Components.OrderBy(c => c.Extra).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => (IReadOnlyList<string>)
                [run, api.ToString(), pair, c.Name, c.Extra ? "extra" : "yes", c.Records == 0 ? "-" : Report.N(c.Records), Report.N(c.Calls), c.Extra ? "-" : Report.N(c.Bound)]);
    }

    /// <summary>The tap must see every call the sandbox counted, each from a pair's flow, or the components do not add up to the calls.</summary>
    static void CheckTap(TextWriter output, List<Run> runs)
    {
        var off = runs.SelectMany(r => new[] { Api.Salesforce, Api.HubSpot }.Select(api => (r, api, tapped: r.Pairs.Sum(p => p.Bound(api).Calls), counted: r.Stats(api).Calls)))
            .Where(x => x.tapped != x.counted).ToList();
        var stray = runs.Where(r => r.Unattributed > 0).ToList();
        output.WriteLine(off.Count == 0 && stray.Count == 0
            ? "Every call the sandbox counted was seen and classified by the bench's tap, under the pair that made it (calls above = GET /_sandbox/stats calls)."
            : "The tap and the sandbox disagree: " + string.Join("; ", off.Select(x => $"{x.r.Name}/{x.api}: tap {x.tapped}, sandbox {x.counted}")
                .Concat(stray.Select(r => $"{r.Name}: {r.Unattributed} requests from no pair's flow"))));
        output.WriteLine();
    }

    static void PrintEndpoints(TextWriter output, List<Run> runs)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var r in runs)
        {
            rows.AddRange(r.Salesforce.ByEndpoint.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (IReadOnlyList<string>)[r.Name, "Salesforce", e.Key, Report.N(e.Value)]));
            rows.AddRange(r.HubSpot.ByEndpoint.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (IReadOnlyList<string>)[r.Name, "HubSpot", e.Key, Report.N(e.Value)]));
        }
        output.WriteLine("GET /_sandbox/stats byEndpoint, per run (reset before each):");
        output.WriteLine();
        Report.Table(output, ["run", "system", "endpoint", "calls"], rows, textColumns: 3);
    }

    /// <summary>
    /// A person's day: 1% of the linked accounts edited in Salesforce by a sales rep (a field that flows to HubSpot),
    /// and 1% of the linked companies renamed in HubSpot by a marketer (the name is two-way). Returns the edits per side.
    /// </summary>
    static async Task<int> EditOnePercentEachSideAsync(IHost host, BenchSandbox sandbox, CancellationToken ct)
    {
        var links = (await host.Services.GetRequiredService<StateStore>().AllLinksAsync(ObjectPairs.Accounts))
            .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var count = Math.Max(1, links.Count / 100);
        using var http = new HttpClient();
        using var tokenResponse = await http.PostAsync(new Uri(sandbox.SalesforceUrl, "/services/oauth2/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = SandboxCredentials.SalesforceHumanClientId,
            ["client_secret"] = SandboxCredentials.SalesforceHumanClientSecret,
        }), ct);
        tokenResponse.EnsureSuccessStatusCode();
        using var token = System.Text.Json.JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(ct));
        var instance = new Uri(token.RootElement.GetProperty("instance_url").GetString()!);
        var bearer = token.RootElement.GetProperty("access_token").GetString();
        for (var i = 0; i < count; i++)
        {
            using var rep = new HttpRequestMessage(HttpMethod.Patch, new Uri(instance, $"/services/data/v66.0/sobjects/Account/{links[2 * i].SalesforceId}"))
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { BillingCity = $"Bench City {i}" }),
            };
            rep.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
            (await http.SendAsync(rep, ct)).EnsureSuccessStatusCode();
            using var marketer = new HttpRequestMessage(HttpMethod.Patch, new Uri(sandbox.HubSpotUrl, $"/crm/v3/objects/companies/{links[2 * i + 1].HubSpotId}"))
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { properties = new { name = $"Bench Rename {i}" } }),
            };
            marketer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
            (await http.SendAsync(marketer, ct)).EnsureSuccessStatusCode();
        }
        return count;
    }

    static async Task<Run> RunAsync(string name, bool firstRun, IHost host, BenchSandbox sandbox, HttpTap tap, TextWriter? callsLog, CancellationToken ct)
    {
        var configuration = host.Services.GetRequiredService<SyncConfiguration>();
        var pairs = ObjectPairs.All.Select(p => ObjectPairs.For(p, configuration)).ToList();
        host.Services.GetRequiredService<SalesforceCallCounter>().Reset();
        host.Services.GetRequiredService<HubSpotCallCounter>().Reset();
        await sandbox.ResetStatsAsync(ct);
        var clock = Stopwatch.StartNew();
        var ledgers = pairs.ToDictionary(p => p.Name, p => new CallLedger(p.SalesforceObject, callsLog, $"{name}\t{p.Name}", clock), StringComparer.Ordinal);
        long unattributed = 0;
        tap.OnRequest = request =>
        {
            if (SyncRunner.PairOfThisFlow is { } pair && ledgers.TryGetValue(pair, out var ledger))
            {
                ledger.Record(request);
            }
            else
            {
                Interlocked.Increment(ref unattributed);
            }
        };
        IReadOnlyList<SyncSummary> summaries;
        TimeSpan elapsed;
        var sampler = new MemorySampler(sandbox);
        try
        {
            // The activities' read comes first and is no pair: its calls count as unattributed, its summary is left out.
            summaries = [.. PairSequence.SummariesOrThrow(
                    await host.Services.GetRequiredService<PairSequence>().RunAsync(ObjectPairs.Everything, pair => new SyncRequest(Object: pair), ct))
                .Where(s => s.Object != ObjectPairs.Engagement)];
            elapsed = clock.Elapsed;
        }
        finally
        {
            tap.OnRequest = null;
            await sampler.DisposeAsync();
        }
        var salesforceStats = await sandbox.StatsAsync(Api.Salesforce, ct);
        var hubSpotStats = await sandbox.StatsAsync(Api.HubSpot, ct);
        // The portal as each pair's first run found it: the count now, less what this pair and the later ones on the
        // same object created (the lead pair reads after the contacts pair has created its contacts).
        var portalNow = new Dictionary<string, long>(StringComparer.Ordinal);
        if (firstRun)
        {
            foreach (var hubSpotObject in pairs.Select(p => p.HubSpotObject).Distinct(StringComparer.Ordinal))
            {
                portalNow[hubSpotObject] = await HubSpotCountAsync(sandbox, hubSpotObject, ct);
            }
            // Those counts are searches: let HubSpot's per-second search window pass, so the next run's first searches are not refused for them.
            await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        }
        var passes = new List<Pass>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            var portal = firstRun
                ? portalNow[pair.HubSpotObject] - summaries.Where((s, j) => j >= i && pairs[j].HubSpotObject == pair.HubSpotObject).Sum(s => s.HubSpotCreated)
                : 0;
            var facts = new RunFacts(pair.Name, firstRun, summaries[i], portal);
            var counts = ledgers[pair.Name].Counts();
            passes.Add(new Pass(name, facts, summaries[i].Elapsed, CallBound.For(Api.Salesforce, facts, counts), CallBound.For(Api.HubSpot, facts, counts)));
        }
        return new Run(name, passes, salesforceStats, hubSpotStats, elapsed, sampler.PeakBench, sandbox.IsChildProcess ? sampler.PeakSandbox : null, unattributed);
    }

    /// <summary>How many records of a HubSpot object the portal holds: a one-record search's total, with a person's token.</summary>
    static async Task<long> HubSpotCountAsync(BenchSandbox sandbox, string objectType, CancellationToken ct)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sandbox.HubSpotUrl, $"/crm/v3/objects/{objectType}/search"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { limit = 1, properties = new[] { "hs_object_id" } }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return doc.RootElement.GetProperty("total").GetInt64();
    }
}
