using System.Globalization;
using AbmSync.Connectors.Salesforce;
using AbmSync.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Bench;

/// <summary>Full read and full write of every account: REST (query paging, sObject Collections) and Bulk API 2.0.</summary>
public static class SalesforceScenarios
{
    /// <summary>The field every account gets written: a number 0..100, valid for ABM_Score__c's Number(3,0).</summary>
    const string WrittenField = "ABM_Score__c";

    /// <summary>
    /// Records per query result set when the client sets no maxRecords: the sandbox's choice, as a real org's is its
    /// own. Only used for the lower bound printed beside the count.
    /// </summary>
    const int SandboxResultSetSize = 50_000;

    public sealed record Settings(int Accounts, int Seed, TimeSpan Latency, bool InProcess, TimeSpan PollInterval);

    public static async Task<int> RestAsync(TextWriter output, Settings settings, CancellationToken ct)
    {
        await using var sandbox = await StartSandboxAsync(output, settings, ct);
        var config = sandbox.Settings();
        using var host = await ConnectorHost.StartAsync(config, ct);
        var client = host.Services.GetRequiredService<SalesforceClient>();
        var counter = host.Services.GetRequiredService<SalesforceCallCounter>();
        await WarmUpAsync(client, ct);

        var ids = new List<string>(settings.Accounts);
        var steps = new List<StepResult>();
        steps.Add(await Measure.StepAsync(sandbox, Api.Salesforce, "read (query, 2,000/page)", Measure.Ceiling(settings.Accounts, 2000),
            counter.Reset, ConnectorHost.SalesforceCounts(host.Services), async () =>
            {
                var pages = 0;
                await foreach (var page in client.QueryPagesAsync(SoqlQuery.From("Account").Select("Id", "Name", WrittenField), ct: ct))
                {
                    pages++;
                    ids.AddRange(page.Records.Select(r => r.Id!));
                }
                return (ids.Count, $"{pages} pages");
            }, ct));

        steps.Add(await Measure.StepAsync(sandbox, Api.Salesforce, "write (collections, 200/call)", Measure.Ceiling(ids.Count, SalesforceClient.CollectionBatchSize),
            counter.Reset, ConnectorHost.SalesforceCounts(host.Services), async () =>
            {
                var results = await client.UpdateAsync(UpdatesFor(ids), ct);
                var failed = results.Count(r => !r.Success);
                return (results.Count - failed, failed == 0 ? "" : $"{failed} records failed: {FirstErrors(results)}");
            }, ct));

        PrintHeader(output, "salesforce-rest", settings, sandbox);
        Report.Steps(output, steps, perRecords: 10_000, memory: false);
        Report.Endpoints(output, steps);
        return steps.All(s => s.Note.Contains("failed", StringComparison.Ordinal) is false) ? 0 : 1;
    }

    public static async Task<int> BulkAsync(TextWriter output, Settings settings, CancellationToken ct)
    {
        await using var sandbox = await StartSandboxAsync(output, settings, ct);
        var config = sandbox.Settings();
        config["Salesforce:BulkPollInterval"] = settings.PollInterval.ToString("c", CultureInfo.InvariantCulture);
        using var host = await ConnectorHost.StartAsync(config, ct);
        var client = host.Services.GetRequiredService<SalesforceClient>();
        var counter = host.Services.GetRequiredService<SalesforceCallCounter>();
        await WarmUpAsync(client, ct);

        var ids = new List<string>(settings.Accounts);
        var steps = new List<StepResult>();
        steps.Add(await Measure.StepAsync(sandbox, Api.Salesforce, "bulk query", 2 + Measure.Ceiling(settings.Accounts, SandboxResultSetSize),
            counter.Reset, ConnectorHost.SalesforceCounts(host.Services), async () =>
            {
                var sets = 0;
                // Only the ids are kept: what a full load needs to plan its writes, not a million field maps.
                await foreach (var set in client.BulkQueryAsync(SoqlQuery.From("Account").Select("Id", "Name", WrittenField), ct: ct))
                {
                    sets++;
                    ids.AddRange(set.Select(r => r.Id ?? r.GetString("Id")!));
                }
                return (ids.Count, $"{sets} result sets");
            }, ct));

        steps.Add(await Measure.StepAsync(sandbox, Api.Salesforce, "bulk ingest (update)", 7,
            counter.Reset, ConnectorHost.SalesforceCounts(host.Services), async () =>
            {
                var result = await client.BulkIngestAsync("Account", BulkOperation.Update, UpdatesFor(ids), ct: ct);
                var failed = result.Failed.Count();
                var note = $"{result.Jobs.Count} job(s), {result.Jobs.Sum(j => j.NumberRecordsProcessed):N0} processed";
                if (failed > 0)
                {
                    note += $"; {failed} records failed: {string.Join("; ", result.Failed.Select(f => f.Error).Distinct().Take(3))}";
                }
                return (result.Results.Count - failed, note);
            }, ct));

        PrintHeader(output, "salesforce-bulk", settings, sandbox);
        Report.Steps(output, steps, perRecords: 1_000_000, memory: true);
        Report.Endpoints(output, steps);
        output.WriteLine($"Lower bounds: a query job is create + one poll + one results call per result set ({SandboxResultSetSize:N0} records each here);");
        output.WriteLine("an ingest job is create, upload, close, one poll and three result calls (7). The sandbox answers a job's first poll");
        output.WriteLine("InProgress, so each job costs one poll more than the bound.");
        output.WriteLine($"Polls every {settings.PollInterval.TotalSeconds:0.##} s (Salesforce:BulkPollInterval).");
        return steps.All(s => s.Note.Contains("failed", StringComparison.Ordinal) is false) ? 0 : 1;
    }

    static async Task<BenchSandbox> StartSandboxAsync(TextWriter output, Settings settings, CancellationToken ct)
    {
        output.WriteLine($"Seeding the sandbox with {settings.Accounts:N0} accounts (seed {settings.Seed}, {(settings.InProcess ? "in process" : "child process")})...");
        var sandbox = await BenchSandbox.StartAsync(new SandboxOptions
        {
            Accounts = settings.Accounts,
            Seed = settings.Seed,
            Latency = settings.Latency,
            // A daily allocation no benchmark reaches: the figures are calls, not a quota's refusals.
            SalesforceDailyLimit = 10_000_000,
            // Only the org is measured; a seeded portal of a million companies and their contacts would not fit in memory.
            SeedHubSpot = false,
        }, settings.InProcess, ct);
        output.WriteLine($"Sandbox ready after {sandbox.SeedTime.TotalSeconds:N1} s{(sandbox.PeakResidentBytes is { } p ? $", its peak RSS {Report.Mb(p)}" : "")}.");
        return sandbox;
    }

    /// <summary>One call outside the measured steps, so that the token request and first-call JIT are not in the figures.</summary>
    static async Task WarmUpAsync(SalesforceClient client, CancellationToken ct) => await client.GetLimitsAsync(ct);

    static List<SObjectRecord> UpdatesFor(IReadOnlyList<string> ids) =>
        [.. ids.Select((id, i) => SObjectRecord.Create("Account", id, [new(WrittenField, (object?)(i % 101))]))];

    static string FirstErrors(IEnumerable<SObjectSaveResult> results) =>
        string.Join("; ", results.Where(r => !r.Success).SelectMany(r => r.Errors).Select(e => $"{e.Code}: {e.Message}").Distinct().Take(3));

    static void PrintHeader(TextWriter output, string scenario, Settings settings, BenchSandbox sandbox)
    {
        output.WriteLine();
        output.WriteLine($"== {scenario}: {settings.Accounts:N0} accounts, seed {settings.Seed}, latency {settings.Latency.TotalMilliseconds:0} ms, sandbox seeded in {sandbox.SeedTime.TotalSeconds:N1} s"
            + (sandbox.PeakResidentBytes is { } p ? $", sandbox peak RSS {Report.Mb(p)}" : ""));
        output.WriteLine($"   {Environment.ProcessorCount} cores, .NET {Environment.Version}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
        output.WriteLine();
    }
}
