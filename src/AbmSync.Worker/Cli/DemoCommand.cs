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
/// <c>abmsync demo</c>: both sandboxes and fresh state in a temporary directory of its own; accounts and contacts
/// synced in five passes around a rep's edits in Salesforce, a marketer's in HubSpot and a latest-wins conflict; a
/// summary of each pass, with the API calls counted by the worker and by the sandboxes.
/// </summary>
public static class DemoCommand
{
    /// <summary>One pass of the demo, as the worker counted it and as the sandboxes did.</summary>
    public sealed record Pass(string Name, IReadOnlyList<SyncSummary> Summaries, CallCounts Salesforce, CallCounts HubSpot, CallCounts SalesforceSandbox, CallCounts HubSpotSandbox)
    {
        public bool CountsAgree => Salesforce == SalesforceSandbox && HubSpot == HubSpotSandbox;
        public bool Succeeded => Summaries.All(s => s.Status == "succeeded");
        public int Read => Summaries.Sum(s => s.RecordsRead + s.HubSpotRead);
        public int SalesforceWritten => Summaries.Sum(s => s.SalesforceCreated + s.SalesforceUpdated);
        public int HubSpotWritten => Summaries.Sum(s => s.HubSpotCreated + s.HubSpotUpdated);
        public int Conflicts => Summaries.Sum(s => s.Conflicts);
        public TimeSpan Elapsed => TimeSpan.FromTicks(Summaries.Sum(s => s.Elapsed.Ticks));
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
            return passes.All(p => p.CountsAgree && p.Succeeded) && Crossed(passes) ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    public static async Task<IReadOnlyList<Pass>> RunAsync(TextWriter output, int accounts, int seed, bool keep, bool verbose, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-demo-");
        try
        {
            // The seeded portal's engagement runs up to the synthetic world's day; the demo runs the day after it, so that
            // recent engagement, surges and committee coverage are there to see whatever today's date is.
            var clock = new DayAfterTheSeed();
            await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = accounts, Seed = seed }, clock, ct);
            var settings = sandbox.WorkerSettings();
            settings["Storage:Provider"] = "Sqlite";
            settings["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}";

            output.WriteLine($"AbmSync demo: Salesforce sandbox {sandbox.SalesforceUrl} ({accounts} accounts, seed {seed}), HubSpot sandbox {sandbox.HubSpotUrl}");
            output.WriteLine($"State: {directory.FullName} (fresh, {(keep ? "kept" : "deleted")} afterwards)");
            output.WriteLine();

            using var host = AbmSyncServices.BuildCommandHost(settings, verbose, time: clock);
            await host.StartAsync(ct);
            await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
            using var probe = new HttpClient();

            var passes = new List<Pass>();
            passes.Add(await PassAsync("1. first sync", host, sandbox, probe, output, ct));
            passes.Add(await PassAsync("2. engagement arrives", host, sandbox, probe, output, ct));
            var edited = await EditOneAccountAsync(host, sandbox, ct);
            var contacts = (await host.Services.GetRequiredService<StateStore>().AllLinksAsync(ObjectPairs.Contacts))
                .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).Take(2).ToList();
            var store = host.Services.GetRequiredService<StateStore>();
            var shared = (await store.AllLinksAsync(ObjectPairs.Contacts)).Select(l => l.HubSpotId).ToHashSet(StringComparer.Ordinal);
            // Leads whose HubSpot contact is theirs alone: where a contact shares it, the fields follow the contact.
            var leads = (await store.AllLinksAsync(ObjectPairs.Leads))
                .Where(l => l.Status == LinkStatuses.Active && !shared.Contains(l.HubSpotId))
                .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).Take(2).ToList();
            await sandbox.EditAsSalesRepAsync("Contact", contacts[0].SalesforceId, new { Title = "VP Revenue Operations" }, ct);
            await sandbox.EditAsSalesRepAsync("Lead", leads[0].SalesforceId, new { Title = "Director of Demand Generation" }, ct);
            output.WriteLine($"A sales rep edits account {edited} (NumberOfEmployees = 1000), contact {contacts[0].SalesforceId} (Title) and lead {leads[0].SalesforceId} (Title) through the Salesforce API.");
            output.WriteLine();
            passes.Add(await PassAsync("3. after a rep's edits", host, sandbox, probe, output, ct));
            var (company, account, name) = await RenameOneCompanyAsync(host, sandbox, ct);
            await sandbox.EditAsMarketerAsync("contacts", contacts[1].HubSpotId, new Dictionary<string, string> { ["phone"] = "+1 617 555 0142" }, ct);
            await sandbox.EditAsMarketerAsync("contacts", leads[1].HubSpotId, new Dictionary<string, string> { ["jobtitle"] = "Marketing Operations Lead" }, ct);
            // Both sides change one contact's title (latest-wins): the marketer first, the rep a moment later.
            await sandbox.EditAsMarketerAsync("contacts", contacts[0].HubSpotId, new Dictionary<string, string> { ["jobtitle"] = "Head of Marketing Ops" }, ct);
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            await sandbox.EditAsSalesRepAsync("Contact", contacts[0].SalesforceId, new { Title = "Chief Revenue Officer" }, ct);
            output.WriteLine($"A marketer renames HubSpot company {company} (the twin of account {account}) to \"{name}\" (the name is two-way), edits contact {contacts[1].HubSpotId}'s phone and the title of {leads[1].HubSpotId} (lead {leads[1].SalesforceId}'s twin) in HubSpot;");
            output.WriteLine($"the marketer and then the rep change the title of contact {contacts[0].SalesforceId} on their own sides (latest-wins: the rep's later edit should win).");
            output.WriteLine();
            passes.Add(await PassAsync("4. after HubSpot edits", host, sandbox, probe, output, ct));
            passes.Add(await PassAsync("5. again, nothing changed", host, sandbox, probe, output, ct));

            output.WriteLine("The target list after the passes: tiers, engagement (decayed, 0-100) and buying-committee coverage (roles with a contact engaged in 30 days):");
            AbmScoreboard.Print(output, await host.Services.GetRequiredService<AbmScoreboard>().BuildAsync());
            output.WriteLine();
            output.WriteLine(Crossed(passes)
                ? "Each edit crossed once (the conflict went to the later edit), and the pass after them wrote nothing."
                : "The edits did NOT cross exactly once: see passes 3 to 5.");
            output.WriteLine();
            output.WriteLine("pass                          read  SF calls  SF writes  HS calls  HS writes  records written (SF/HS)  time   counts = sandbox's");
            foreach (var p in passes)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{p.Name,-28} {p.Read,5} {p.Salesforce.Calls,9} {p.Salesforce.Writes,10} {p.HubSpot.Calls,9} {p.HubSpot.Writes,10} {p.SalesforceWritten,12}/{p.HubSpotWritten,-12} {p.Elapsed.TotalSeconds,5:0.00}s  {(p.CountsAgree ? "yes" : "NO")}"));
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

        output.WriteLine($"Pass {name}");
        var summaries = PairSequence.SummariesOrThrow(
            await host.Services.GetRequiredService<PairSequence>().RunAsync(ObjectPairs.Everything, pair => new SyncRequest(Object: pair), ct));
        foreach (var summary in summaries)
        {
            SummaryPrinter.PrintRun(output, summary, dryRun: false);
        }

        var sf = salesforceCounter.Snapshot();
        var hs = hubSpotCounter.Snapshot();
        var pass = new Pass(name, summaries,
            new CallCounts(sf.Calls, sf.Reads, sf.Writes),
            new CallCounts(hs.Calls, hs.Reads, hs.Writes),
            await SandboxCountsAsync(probe, sandbox.SalesforceUrl, ct),
            await SandboxCountsAsync(probe, sandbox.HubSpotUrl, ct));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  API calls: Salesforce {pass.Salesforce.Calls} (reads {pass.Salesforce.Reads}, writes {pass.Salesforce.Writes}), HubSpot {pass.HubSpot.Calls} (reads {pass.HubSpot.Reads}, writes {pass.HubSpot.Writes}); the sandboxes counted Salesforce {pass.SalesforceSandbox.Calls}/{pass.SalesforceSandbox.Reads}/{pass.SalesforceSandbox.Writes}, HubSpot {pass.HubSpotSandbox.Calls}/{pass.HubSpotSandbox.Reads}/{pass.HubSpotSandbox.Writes}{(pass.CountsAgree ? "" : "  <-- MISMATCH")}"));
        output.WriteLine();
        return pass;
    }

    /// <summary>
    /// Pass 3 carries the rep's three edits to HubSpot (an account's employees, a contact's and a lead's title) and
    /// writes the account's new tier back. Pass 4 carries the company's new name, the contact's phone and the lead's
    /// title to Salesforce, and the contested title to HubSpot, by latest-wins. Pass 5 writes nothing.
    /// </summary>
    static bool Crossed(IReadOnlyList<Pass> passes) =>
        passes.Count == 5
        && passes[2].HubSpotWritten == 3
        // Three edits cross to Salesforce, and the contact whose title the rep changed last loses its buying role there
        // ("Chief Revenue Officer" matches none); the HubSpot side already has the rep's title and no role in one write.
        && passes[3].SalesforceWritten == 4 && passes[3].HubSpotWritten == 1 && passes[3].Conflicts == 1
        && passes[4].SalesforceWritten + passes[4].HubSpotWritten == 0;

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

/// <summary>The real clock, moved to the day after the synthetic world's: time passes as it does, from that day.</summary>
sealed class DayAfterTheSeed : TimeProvider
{
    readonly TimeSpan offset = SyntheticWorld.Epoch.AddDays(1) - System.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
