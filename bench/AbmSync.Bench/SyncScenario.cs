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
/// The worker's sync of every pair in dependency order (accounts, contacts, leads), run three times over the same
/// sandbox: calls per 1,000 records of each pair's Salesforce object, for each system.
/// </summary>
public static class SyncScenario
{
    public sealed record Settings(int Accounts, int Seed, TimeSpan Latency, bool InProcess);

    sealed record Pass(string Name, string Pair, SyncSummary Summary, SandboxStatsSnapshot Salesforce, SandboxStatsSnapshot HubSpot, TimeSpan Elapsed);

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

            var passes = new List<Pass>();
            passes.AddRange(await PassAsync("first run", host, sandbox, ct));
            passes.AddRange(await PassAsync("second run, nothing changed", host, sandbox, ct));
            var edits = await EditOnePercentEachSideAsync(host, sandbox, ct);
            passes.AddRange(await PassAsync($"1% of accounts changed on each side ({edits} + {edits} edits)", host, sandbox, ct));
            // The first run reads every record of each object (no cursor yet): the org's size per pair.
            var inOrg = passes.Where(p => p.Name == "first run").ToDictionary(p => p.Pair, p => Math.Max(1, p.Summary.RecordsRead));
            await host.StopAsync(ct);

            output.WriteLine();
            output.WriteLine($"== sync: the worker's sync of every pair, {settings.Accounts:N0} accounts, seed {settings.Seed}, latency {settings.Latency.TotalMilliseconds:0} ms, sandbox seeded in {sandbox.SeedTime.TotalSeconds:N1} s");
            output.WriteLine($"   {Environment.ProcessorCount} cores, .NET {Environment.Version}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
            output.WriteLine();
            Report.Table(output,
                ["run", "pair", "status", "read SF/HS", "SF calls", "SF writes", "SF calls / 1,000", "HS calls", "HS writes", "HS calls / 1,000", "created SF/HS", "written SF/HS", "wall time"],
                passes.Select(p => (IReadOnlyList<string>)
                [
                    p.Name, p.Pair, p.Summary.Status, $"{Report.N(p.Summary.RecordsRead)}/{Report.N(p.Summary.HubSpotRead)}",
                    Report.N(p.Salesforce.Calls), Report.N(p.Salesforce.Writes), Report.F(p.Salesforce.Calls * 1000.0 / inOrg[p.Pair]),
                    Report.N(p.HubSpot.Calls), Report.N(p.HubSpot.Writes), Report.F(p.HubSpot.Calls * 1000.0 / inOrg[p.Pair]),
                    $"{Report.N(p.Summary.SalesforceCreated)}/{Report.N(p.Summary.HubSpotCreated)}",
                    $"{Report.N(p.Summary.SalesforceCreated + p.Summary.SalesforceUpdated)}/{Report.N(p.Summary.HubSpotCreated + p.Summary.HubSpotUpdated)}",
                    Report.F(p.Elapsed.TotalSeconds, 2) + " s",
                ]), textColumns: 3);
            output.WriteLine($"Calls per 1,000 are per 1,000 records of the pair's Salesforce object in the org ({string.Join(", ", inOrg.Select(o => $"{o.Key} {o.Value:N0}"))}), whatever the inclusion filter lets take part.");
            output.WriteLine();
            var rows = new List<IReadOnlyList<string>>();
            foreach (var p in passes)
            {
                rows.AddRange(p.Salesforce.ByEndpoint.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (IReadOnlyList<string>)[p.Name, p.Pair, "Salesforce", e.Key, Report.N(e.Value)]));
                rows.AddRange(p.HubSpot.ByEndpoint.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (IReadOnlyList<string>)[p.Name, p.Pair, "HubSpot", e.Key, Report.N(e.Value)]));
            }
            output.WriteLine("GET /_sandbox/stats byEndpoint, per run and pair (reset before each):");
            output.WriteLine();
            Report.Table(output, ["run", "pair", "system", "endpoint", "calls"], rows, textColumns: 4);
            return passes.All(p => p.Summary.Status == "succeeded") ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
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

    static async Task<List<Pass>> PassAsync(string name, IHost host, BenchSandbox sandbox, CancellationToken ct)
    {
        var passes = new List<Pass>();
        foreach (var pair in ObjectPairs.All)
        {
            host.Services.GetRequiredService<SalesforceCallCounter>().Reset();
            host.Services.GetRequiredService<HubSpotCallCounter>().Reset();
            await sandbox.ResetStatsAsync(ct);
            var clock = Stopwatch.StartNew();
            var summary = await host.Services.GetRequiredService<SyncRunner>().RunAsync(new SyncRequest(Object: pair), ct);
            clock.Stop();
            passes.Add(new Pass(name, pair, summary, await sandbox.StatsAsync(Api.Salesforce, ct), await sandbox.StatsAsync(Api.HubSpot, ct), clock.Elapsed));
        }
        return passes;
    }
}
