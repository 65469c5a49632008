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

/// <summary>The worker's accounts sync, run twice over the same sandbox: calls per 1,000 accounts for each system.</summary>
public static class SyncScenario
{
    public sealed record Settings(int Accounts, int Seed, TimeSpan Latency, bool InProcess);

    sealed record Pass(string Name, SyncSummary Summary, SandboxStatsSnapshot Salesforce, SandboxStatsSnapshot HubSpot, TimeSpan Elapsed);

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
                SalesforceDailyLimit = 10_000_000,
            }, settings.InProcess, ct);
            output.WriteLine($"Sandbox ready after {sandbox.SeedTime.TotalSeconds:N1} s.");

            var config = sandbox.Settings();
            config["Storage:Provider"] = "Sqlite";
            config["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}";
            // Exactly as `abmsync demo` composes the worker (src/AbmSync.Worker/Cli/DemoCommand.cs).
            using var host = AbmSyncServices.BuildCommandHost(config);
            await host.StartAsync(ct);
            await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);

            var passes = new List<Pass>
            {
                await PassAsync("first run", host, sandbox, ct),
                await PassAsync("second run, nothing changed", host, sandbox, ct),
            };
            await host.StopAsync(ct);

            output.WriteLine();
            output.WriteLine($"== sync: the worker's accounts sync, {settings.Accounts:N0} accounts, seed {settings.Seed}, latency {settings.Latency.TotalMilliseconds:0} ms, sandbox seeded in {sandbox.SeedTime.TotalSeconds:N1} s");
            output.WriteLine($"   {Environment.ProcessorCount} cores, .NET {Environment.Version}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
            output.WriteLine();
            var per = 1000.0 / settings.Accounts;
            Report.Table(output,
                ["run", "status", "read", "SF calls", "SF writes", "SF calls / 1,000", "HS calls", "HS writes", "HS calls / 1,000", "written SF/HS", "wall time"],
                passes.Select(p => (IReadOnlyList<string>)
                [
                    p.Name, p.Summary.Status, Report.N(p.Summary.RecordsRead),
                    Report.N(p.Salesforce.Calls), Report.N(p.Salesforce.Writes), Report.F(p.Salesforce.Calls * per),
                    Report.N(p.HubSpot.Calls), Report.N(p.HubSpot.Writes), Report.F(p.HubSpot.Calls * per),
                    $"{Report.N(p.Summary.SalesforceUpdated)}/{Report.N(p.Summary.HubSpotCreated + p.Summary.HubSpotUpdated)}",
                    Report.F(p.Elapsed.TotalSeconds, 2) + " s",
                ]), textColumns: 2);
            output.WriteLine($"Calls per 1,000 are per 1,000 accounts in the org; the mapping's inclusion filter let {passes[0].Summary.RecordsRead:N0} of them take part.");
            output.WriteLine();
            var rows = new List<IReadOnlyList<string>>();
            foreach (var p in passes)
            {
                rows.AddRange(p.Salesforce.ByEndpoint.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (IReadOnlyList<string>)[p.Name, "Salesforce", e.Key, Report.N(e.Value)]));
                rows.AddRange(p.HubSpot.ByEndpoint.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (IReadOnlyList<string>)[p.Name, "HubSpot", e.Key, Report.N(e.Value)]));
            }
            output.WriteLine("GET /_sandbox/stats byEndpoint, per run (reset before each run):");
            output.WriteLine();
            Report.Table(output, ["run", "system", "endpoint", "calls"], rows, textColumns: 3);
            return passes.All(p => p.Summary.Status == "succeeded") ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static async Task<Pass> PassAsync(string name, IHost host, BenchSandbox sandbox, CancellationToken ct)
    {
        host.Services.GetRequiredService<SalesforceCallCounter>().Reset();
        host.Services.GetRequiredService<HubSpotCallCounter>().Reset();
        await sandbox.ResetStatsAsync(ct);
        var clock = Stopwatch.StartNew();
        var summary = await host.Services.GetRequiredService<SyncRunner>().RunAsync(new SyncRequest(), ct);
        clock.Stop();
        return new Pass(name, summary, await sandbox.StatsAsync(Api.Salesforce, ct), await sandbox.StatsAsync(Api.HubSpot, ct), clock.Elapsed);
    }
}
