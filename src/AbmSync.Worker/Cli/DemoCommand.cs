using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Sandbox;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Worker.Cli;

/// <summary>
/// <c>abmsync demo</c>: both sandboxes and fresh state in a temporary directory of its own, a full sync, the same
/// sync again, one account edited by a sales rep through the Salesforce API, a last sync; a summary of each pass.
/// </summary>
public static class DemoCommand
{
    /// <summary>One pass of the demo, as the worker counted it and as the sandboxes did.</summary>
    public sealed record Pass(string Name, SyncSummary Summary, CallCounts Salesforce, CallCounts HubSpot, CallCounts SalesforceSandbox, CallCounts HubSpotSandbox)
    {
        public bool CountsAgree => Salesforce == SalesforceSandbox && HubSpot == HubSpotSandbox;
    }

    public sealed record CallCounts(long Calls, long Reads, long Writes);

    public static Command Create(Option<bool> verbose)
    {
        var command = new Command("demo", "Run the whole job against local sandboxes: a full sync, a second sync, an edit, a last sync.");
        var accounts = new Option<int>("--accounts") { Description = "Salesforce accounts in the sandbox org", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic world", DefaultValueFactory = _ => 42 };
        var keep = new Option<bool>("--keep") { Description = "Keep the demo's temporary state directory" };
        command.Options.Add(accounts);
        command.Options.Add(seed);
        command.Options.Add(keep);
        command.SetAction((parse, ct) => AbmSyncCli.Guard(async () =>
        {
            var passes = await RunAsync(parse.InvocationConfiguration.Output, parse.GetValue(accounts), parse.GetValue(seed), parse.GetValue(keep), parse.GetValue(verbose), ct);
            return passes.All(p => p.CountsAgree && p.Summary.Status == "succeeded")
                && passes[3].Summary.SalesforceUpdated == 1 && passes[4].Summary.SalesforceUpdated + passes[4].Summary.HubSpotUpdated == 0
                ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    public static async Task<IReadOnlyList<Pass>> RunAsync(TextWriter output, int accounts, int seed, bool keep, bool verbose, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-demo-");
        try
        {
            await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = accounts, Seed = seed }, cancellationToken: ct);
            var settings = sandbox.WorkerSettings();
            settings["Storage:Provider"] = "Sqlite";
            settings["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}";

            output.WriteLine($"AbmSync demo: Salesforce sandbox {sandbox.SalesforceUrl} ({accounts} accounts, seed {seed}), HubSpot sandbox {sandbox.HubSpotUrl}");
            output.WriteLine($"State: {directory.FullName} (fresh, {(keep ? "kept" : "deleted")} afterwards)");
            output.WriteLine();

            using var host = AbmSyncServices.BuildCommandHost(settings, verbose);
            await host.StartAsync(ct);
            await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
            using var probe = new HttpClient();

            var passes = new List<Pass>();
            passes.Add(await PassAsync("1. first sync", host, sandbox, probe, output, ct));
            passes.Add(await PassAsync("2. again, nothing changed", host, sandbox, probe, output, ct));
            var edited = await EditOneAccountAsync(host, sandbox, ct);
            output.WriteLine($"A sales rep edits account {edited} through the Salesforce API (NumberOfEmployees = 1000).");
            output.WriteLine();
            passes.Add(await PassAsync("3. after one edit", host, sandbox, probe, output, ct));
            var (company, account, name) = await RenameOneCompanyAsync(host, sandbox, ct);
            output.WriteLine($"A marketer renames HubSpot company {company} (the twin of account {account}) to \"{name}\" in HubSpot: the name is two-way.");
            output.WriteLine();
            passes.Add(await PassAsync("4. after a HubSpot edit", host, sandbox, probe, output, ct));
            passes.Add(await PassAsync("5. again, nothing changed", host, sandbox, probe, output, ct));

            var crossed = passes[3].Summary.SalesforceUpdated == 1 && passes[4].Summary.SalesforceUpdated + passes[4].Summary.HubSpotUpdated + passes[4].Summary.HubSpotCreated == 0;
            output.WriteLine(crossed
                ? "The marketer's name reached Salesforce once, and the pass after it wrote nothing."
                : "The marketer's edit did NOT cross exactly once: see passes 4 and 5.");
            output.WriteLine();
            output.WriteLine("pass                          read  SF calls  SF writes  HS calls  HS writes  records written (SF/HS)  time   counts = sandbox's");
            foreach (var p in passes)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{p.Name,-28} {p.Summary.RecordsRead,5} {p.Salesforce.Calls,9} {p.Salesforce.Writes,10} {p.HubSpot.Calls,9} {p.HubSpot.Writes,10} {p.Summary.SalesforceUpdated,12}/{p.Summary.HubSpotCreated + p.Summary.HubSpotUpdated,-12} {p.Summary.Elapsed.TotalSeconds,5:0.00}s  {(p.CountsAgree ? "yes" : "NO")}"));
            }
            await host.StopAsync(ct);
            return passes;
        }
        finally
        {
            if (!keep)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                directory.Delete(recursive: true);
            }
        }
    }

    static async Task<Pass> PassAsync(string name, IHost host, SandboxHost sandbox, HttpClient probe, TextWriter output, CancellationToken ct)
    {
        var salesforceCounter = host.Services.GetRequiredService<SalesforceCallCounter>();
        var hubSpotCounter = host.Services.GetRequiredService<HubSpotCallCounter>();
        salesforceCounter.Reset();
        hubSpotCounter.Reset();
        await probe.PostAsync(new Uri(sandbox.SalesforceUrl, "/_sandbox/stats/reset"), null, ct);
        await probe.PostAsync(new Uri(sandbox.HubSpotUrl, "/_sandbox/stats/reset"), null, ct);

        var summary = await host.Services.GetRequiredService<SyncRunner>().RunAsync(new SyncRequest(), ct);

        var sf = salesforceCounter.Snapshot();
        var hs = hubSpotCounter.Snapshot();
        var pass = new Pass(name, summary,
            new CallCounts(sf.Calls, sf.Reads, sf.Writes),
            new CallCounts(hs.Calls, hs.Reads, hs.Writes),
            await SandboxCountsAsync(probe, sandbox.SalesforceUrl, ct),
            await SandboxCountsAsync(probe, sandbox.HubSpotUrl, ct));
        output.WriteLine($"Pass {name}");
        SummaryPrinter.PrintRun(output, summary, dryRun: false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  API calls: Salesforce {pass.Salesforce.Calls} (reads {pass.Salesforce.Reads}, writes {pass.Salesforce.Writes}), HubSpot {pass.HubSpot.Calls} (reads {pass.HubSpot.Reads}, writes {pass.HubSpot.Writes}); the sandboxes counted Salesforce {pass.SalesforceSandbox.Calls}/{pass.SalesforceSandbox.Reads}/{pass.SalesforceSandbox.Writes}, HubSpot {pass.HubSpotSandbox.Calls}/{pass.HubSpotSandbox.Reads}/{pass.HubSpotSandbox.Writes}{(pass.CountsAgree ? "" : "  <-- MISMATCH")}"));
        output.WriteLine();
        return pass;
    }

    static async Task<CallCounts> SandboxCountsAsync(HttpClient probe, Uri baseUrl, CancellationToken ct)
    {
        using var stats = JsonDocument.Parse(await probe.GetStringAsync(new Uri(baseUrl, "/_sandbox/stats"), ct));
        var root = stats.RootElement;
        return new CallCounts(root.GetProperty("calls").GetInt64(), root.GetProperty("reads").GetInt64(), root.GetProperty("writes").GetInt64());
    }

    /// <summary>A two-way field edited on the HubSpot side by a person, with the company's own token-less history as a rep.</summary>
    static async Task<(string Company, string Account, string Name)> RenameOneCompanyAsync(IHost host, SandboxHost sandbox, CancellationToken ct)
    {
        var links = await host.Services.GetRequiredService<StateStore>().AllLinksAsync(ObjectPairs.Accounts);
        var link = links.OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var name = $"Renamed by marketing {link.HubSpotId}";
        await sandbox.EditAsMarketerAsync("companies", link.HubSpotId, new Dictionary<string, string> { ["name"] = name }, ct);
        return (link.HubSpotId, link.SalesforceId, name);
    }

    /// <summary>
    /// Edits one account the way a person would: the sales rep's own credentials, the public REST API. The account is
    /// one without a tier and a low score, so that the edit moves it into Tier 3 at most, where there is no cap, and
    /// no other account's tier moves with it.
    /// </summary>
    static async Task<string> EditOneAccountAsync(IHost host, SandboxHost sandbox, CancellationToken ct)
    {
        var decisions = await host.Services.GetRequiredService<StateStore>().GetDecisionsAsync(ObjectPairs.Accounts, "tier");
        var account = decisions
            .Where(d => d.Value is null && d.Score <= 19 && d.Detail?.Contains("mid-market-up", StringComparison.Ordinal) != true)
            .OrderBy(d => d.RecordId, StringComparer.Ordinal)
            .Select(d => d.RecordId)
            .FirstOrDefault() ?? decisions.OrderBy(d => d.RecordId, StringComparer.Ordinal).First().RecordId;

        await sandbox.EditAsSalesRepAsync("Account", account, new Dictionary<string, object> { ["NumberOfEmployees"] = 1000 }, ct);
        return account;
    }
}
