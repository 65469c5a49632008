using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Bench;

/// <summary>Companies: full read by list paging, full upsert by <c>abm_salesforce_id</c>, and upserts against the burst limit.</summary>
public static class HubSpotScenarios
{
    const string IdProperty = "abm_salesforce_id";

    public sealed record Settings(int Companies, int Seed, TimeSpan Latency, bool InProcess);

    public sealed record RateSettings(int Upserts, string Rate, int Parallel, int Seed, TimeSpan Latency, bool InProcess);

    public static async Task<int> CompaniesAsync(TextWriter output, Settings settings, CancellationToken ct)
    {
        // The seeded portal holds about eleven companies per twelve Salesforce accounts; the read step counts what is there.
        await using var sandbox = await StartSandboxAsync(output, settings.Companies, settings.Seed, settings.Latency, "190/10s", settings.InProcess, ct);
        using var host = await ConnectorHost.StartAsync(sandbox.Settings(), ct);
        var client = host.Services.GetRequiredService<HubSpotClient>();
        var counter = host.Services.GetRequiredService<HubSpotCallCounter>();
        var counts = ConnectorHost.HubSpotCounts(host.Services);

        var steps = new List<StepResult>();
        steps.Add(await Measure.StepAsync(sandbox, Api.HubSpot, "setup: abm group + abm_salesforce_id", 3, counter.Reset, counts,
            async () => (0, $"{await CreateIdPropertyAsync(client, ct)} property created (groups read, group created, property created)"), ct));

        var inputs = Inputs(settings.Companies, pass: 1);
        await DrainWindowAsync(ct);
        steps.Add(await Measure.StepAsync(sandbox, Api.HubSpot, "upsert, new (100/call)", Measure.Ceiling(inputs.Count, HubSpotClient.MaxBatchSize), counter.Reset, counts,
            () => UpsertAsync(client, inputs, ct), ct));
        inputs = Inputs(settings.Companies, pass: 2);
        await DrainWindowAsync(ct);
        steps.Add(await Measure.StepAsync(sandbox, Api.HubSpot, "upsert, existing (100/call)", Measure.Ceiling(inputs.Count, HubSpotClient.MaxBatchSize), counter.Reset, counts,
            () => UpsertAsync(client, inputs, ct), ct));

        long listed = 0;
        await DrainWindowAsync(ct);
        steps.Add(await Measure.StepAsync(sandbox, Api.HubSpot, "read (list, 100/page)", 0, counter.Reset, counts, async () =>
        {
            var pages = 0;
            await foreach (var page in client.ListAllAsync("companies", ["name", "domain", IdProperty], ct))
            {
                pages++;
                listed += page.Results.Count;
            }
            return (listed, $"{pages} pages: the seeded portal's companies plus the {settings.Companies:N0} upserted");
        }, ct));
        steps[^1] = steps[^1] with { LowerBound = Measure.Ceiling(listed, HubSpotClient.MaxListLimit) };

        PrintHeader(output, $"hubspot: {settings.Companies:N0} companies upserted, seed {settings.Seed}, latency {settings.Latency.TotalMilliseconds:0} ms", sandbox);
        Report.Steps(output, steps, perRecords: 10_000, memory: false);
        Report.Endpoints(output, steps);
        return steps.Any(s => s.Note.Contains("failed", StringComparison.Ordinal)) ? 1 : 0;
    }

    /// <summary>
    /// Every contact of the seeded portal read incrementally through search (200 per page), beyond the 10,000-result
    /// cap and through the seeded bulk import whose contacts share one last-modified instant: all read, in order, none
    /// twice, at close to one call per 200 contacts.
    /// </summary>
    public static async Task<int> IncrementalAsync(TextWriter output, Settings settings, CancellationToken ct)
    {
        await using var sandbox = await StartSandboxAsync(output, settings.Companies, settings.Seed, settings.Latency, "190/10s", settings.InProcess, ct);
        using var host = await ConnectorHost.StartAsync(sandbox.Settings(), ct);
        var client = host.Services.GetRequiredService<HubSpotClient>();
        var counter = host.Services.GetRequiredService<HubSpotCallCounter>();
        var counts = ConnectorHost.HubSpotCounts(host.Services);
        await DrainWindowAsync(ct);

        var step = await Measure.StepAsync(sandbox, Api.HubSpot, "incremental read (search, 200/page)", 0, counter.Reset, counts, async () =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var duplicates = 0;
            var outOfOrder = 0;
            var largestInstant = 0;
            (long Ms, long Id) previous = (long.MinValue, long.MinValue);
            var run = 0;
            await foreach (var page in client.ReadModifiedAsync("contacts", ["email"], DateTimeOffset.UnixEpoch, ct: ct))
            {
                foreach (var record in page.Records)
                {
                    if (!seen.Add(record.Id))
                    {
                        duplicates++;
                    }
                    var key = (DateTimeOffset.Parse(record["lastmodifieddate"]!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), long.Parse(record.Id, CultureInfo.InvariantCulture));
                    if (key.CompareTo(previous) < 0)
                    {
                        outOfOrder++;
                    }
                    run = key.Item1 == previous.Ms ? run + 1 : 1;
                    largestInstant = Math.Max(largestInstant, run);
                    previous = key;
                }
            }
            return (seen.Count, $"{seen.Count:N0} contacts, {duplicates} read twice, {outOfOrder} out of order; {largestInstant:N0} share the busiest instant (search pages at most 10,000)");
        }, ct);
        step = step with { LowerBound = Measure.Ceiling(step.Records, HubSpotClient.MaxSearchLimit) };

        PrintHeader(output, $"hubspot-incremental: contacts of a portal seeded from {settings.Companies:N0} accounts, seed {settings.Seed}", sandbox);
        Report.Steps(output, [step], perRecords: 100_000, memory: false);
        Report.Endpoints(output, [step]);
        return step.Note.Contains(" 0 read twice, 0 out of order", StringComparison.Ordinal) ? 0 : 1;
    }

    public static async Task<int> RateAsync(TextWriter output, RateSettings settings, CancellationToken ct)
    {
        var (limit, window) = ParseRate(settings.Rate);
        await using var sandbox = await StartSandboxAsync(output, 1000, settings.Seed, settings.Latency, settings.Rate, settings.InProcess, ct);
        var config = sandbox.Settings();
        // The client limiter sized to the portal's tier, as an operator would configure it.
        config["HubSpot:RequestsPer10Seconds"] = ((int)Math.Floor(limit * 10 / window.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        using var host = await ConnectorHost.StartAsync(config, ct);
        var client = host.Services.GetRequiredService<HubSpotClient>();
        var counter = host.Services.GetRequiredService<HubSpotCallCounter>();
        await CreateIdPropertyAsync(client, ct);

        var inputs = Inputs(settings.Upserts, pass: 1);
        var calls = Measure.Ceiling(inputs.Count, HubSpotClient.MaxBatchSize);
        var step = await Measure.StepAsync(sandbox, Api.HubSpot, $"{settings.Upserts:N0} upserts, {settings.Parallel} caller(s)", calls,
            counter.Reset, ConnectorHost.HubSpotCounts(host.Services), async () =>
            {
                // Several callers share the one limiter, as several jobs of one worker would.
                var slices = inputs.Chunk(HubSpotClient.MaxBatchSize).Select((c, i) => (c, i)).GroupBy(x => x.i % settings.Parallel)
                    .Select(g => g.SelectMany(x => x.c).ToList()).ToList();
                var results = await Task.WhenAll(slices.Select(s => client.BatchUpsertAsync("companies", IdProperty, s, ct)));
                return Summarise([.. results.SelectMany(r => r.Outcomes)]);
            }, ct);

        // A rolling window lets the first `limit` calls go at once; every later `limit` calls wait one more window.
        var bound = TimeSpan.FromSeconds(Math.Floor((double)(step.Sandbox.Calls - 1) / limit) * window.TotalSeconds);
        var steady = TimeSpan.FromSeconds(step.Sandbox.Calls / (limit / window.TotalSeconds));
        PrintHeader(output, $"hubspot-rate: {settings.Upserts:N0} upserts at {settings.Rate}, {settings.Parallel} caller(s), latency {settings.Latency.TotalMilliseconds:0} ms", sandbox);
        Report.Steps(output, [step], perRecords: 10_000, memory: false);
        var throttledShare = step.Sandbox.Calls == 0 ? 0 : 100.0 * step.Sandbox.Throttled / step.Sandbox.Calls;
        Report.Table(output, ["figure", "value"],
        [
            ["total calls (sandbox)", Report.N(step.Sandbox.Calls)],
            ["total calls (connector)", Report.N(step.Connector.Calls)],
            ["429s (sandbox `throttled`)", Report.N(step.Sandbox.Throttled)],
            ["429s (HubSpotCallCounter.Throttled)", Report.N(step.Connector.Throttled)],
            ["429 share of calls", Report.F(throttledShare, 2) + " %" + (throttledShare <= 1.0 ? " (goal <= 1 %: met)" : " (goal <= 1 %: MISSED)")],
            ["wall time", Report.F(step.Elapsed.TotalSeconds, 1) + " s"],
            ["rate-limit bound, rolling window (first burst free)", Report.F(bound.TotalSeconds, 1) + " s"],
            ["rate-limit bound, steady rate", Report.F(steady.TotalSeconds, 1) + " s"],
            ["wall time / steady bound", Report.F(step.Elapsed.TotalSeconds / steady.TotalSeconds, 2)],
        ]);
        Report.Endpoints(output, [step]);
        return throttledShare <= 1.0 && !step.Note.Contains("failed", StringComparison.Ordinal) ? 0 : 1;
    }

    static async Task<BenchSandbox> StartSandboxAsync(TextWriter output, int accounts, int seed, TimeSpan latency, string rate, bool inProcess, CancellationToken ct)
    {
        output.WriteLine($"Seeding the sandbox from {accounts:N0} accounts (seed {seed}, HubSpot rate {rate}, {(inProcess ? "in process" : "child process")})...");
        var sandbox = await BenchSandbox.StartAsync(new SandboxOptions { Accounts = accounts, Seed = seed, Latency = latency, HubSpotRate = rate }, inProcess, ct);
        output.WriteLine($"Sandbox ready after {sandbox.SeedTime.TotalSeconds:N1} s.");
        return sandbox;
    }

    /// <summary>
    /// Waits out HubSpot's rolling ten-second window between steps, so that each step's wall time is its own and not
    /// the previous step's calls still counting against the burst limit.
    /// </summary>
    static Task DrainWindowAsync(CancellationToken ct) => Task.Delay(TimeSpan.FromSeconds(10.5), ct);

    /// <summary>The abm group and the unique id property every upsert is keyed by (docs/architecture.md, "The fields AbmSync writes").</summary>
    static async Task<long> CreateIdPropertyAsync(HubSpotClient client, CancellationToken ct)
    {
        var groups = await client.GetPropertyGroupsAsync("companies", ct);
        if (!groups.Any(g => g.Name == "abm"))
        {
            await client.CreatePropertyGroupAsync("companies", "abm", "ABM", ct: ct);
        }
        var result = await client.CreatePropertiesAsync("companies",
            [new HubSpotPropertyDefinition(IdProperty, "Salesforce account id", "string", "text", "abm", "The twin Salesforce Account's id.", HasUniqueValue: true)], ct);
        if (result.Errors.Count > 0)
        {
            throw new InvalidOperationException($"Creating {IdProperty} failed: {string.Join("; ", result.Errors.Select(e => $"{e.Category}: {e.Message}"))}");
        }
        return result.Created.Count;
    }

    /// <summary>
    /// Companies keyed by Salesforce-shaped account ids (prefix 001, 18 characters); the name changes between passes so
    /// that the second pass really updates.
    /// </summary>
    static List<HubSpotUpsertInput> Inputs(int count, int pass) =>
    [
        .. Enumerable.Range(1, count).Select(i => new HubSpotUpsertInput(
            "001BENCH" + i.ToString("D10", CultureInfo.InvariantCulture),
            new Dictionary<string, string?>
            {
                ["name"] = $"Bench Company {i} (pass {pass})",
                ["domain"] = $"bench-company-{i}.example",
            })),
    ];

    static async Task<(long Records, string Note)> UpsertAsync(HubSpotClient client, IReadOnlyList<HubSpotUpsertInput> inputs, CancellationToken ct) =>
        Summarise((await client.BatchUpsertAsync("companies", IdProperty, inputs, ct)).Outcomes);

    static (long Records, string Note) Summarise(IReadOnlyList<HubSpotRecordOutcome> outcomes)
    {
        var succeeded = outcomes.Count(o => o.IsSuccess);
        var created = outcomes.Count(o => o.IsSuccess && o.IsNew == true);
        var failed = outcomes.Where(o => !o.IsSuccess).ToList();
        var note = $"{created:N0} created, {succeeded - created:N0} updated";
        if (failed.Count > 0)
        {
            note += $"; {failed.Count} failed: {string.Join("; ", failed.Select(f => $"{f.Error!.Category}: {f.Error.Message}").Distinct().Take(3))}";
        }
        return (succeeded, note);
    }

    /// <summary><c>190/10s</c> → (190, 10 s).</summary>
    public static (int Limit, TimeSpan Window) ParseRate(string rate)
    {
        var parts = rate.Split('/', 2);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit <= 0
            || !parts[1].EndsWith('s') || !double.TryParse(parts[1][..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
        {
            throw new FormatException($"'{rate}' is not a rate like 190/10s.");
        }
        return (limit, TimeSpan.FromSeconds(seconds));
    }

    static void PrintHeader(TextWriter output, string title, BenchSandbox sandbox)
    {
        output.WriteLine();
        output.WriteLine($"== {title}; sandbox seeded in {sandbox.SeedTime.TotalSeconds:N1} s");
        output.WriteLine($"   {Environment.ProcessorCount} cores, .NET {Environment.Version}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
        output.WriteLine();
    }
}
