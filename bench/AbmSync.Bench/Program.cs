using System.CommandLine;
using AbmSync.Bench;
using AbmSync.Sandbox;

var seed = new Option<int>("--seed") { Description = "Seed of the synthetic world", DefaultValueFactory = _ => 42, Recursive = true };
var latency = new Option<int>("--latency-ms") { Description = "Delay the sandbox adds to every answer", Recursive = true };
var jitter = new Option<int>("--jitter-ms") { Description = "A further delay, uniform between 0 and this, drawn per answer from the seed (sync)", Recursive = true };
var inProcess = new Option<bool>("--in-process") { Description = "Run the sandbox in this process (default: a child process, so memory is measured apart)", Recursive = true };

var root = new RootCommand("AbmSync benchmarks: API calls per record, wall time against the rate-limit bound. Figures come from the sandbox's /_sandbox/stats.");
root.Options.Add(seed);
root.Options.Add(latency);
root.Options.Add(jitter);
root.Options.Add(inProcess);

var restAccounts = new Option<int>("--accounts") { Description = "Salesforce accounts in the sandbox org", DefaultValueFactory = _ => 10_000 };
var rest = new Command("salesforce-rest", "Full read by REST query paging (2,000/page) and full write by sObject Collections (200/call).") { restAccounts };
rest.SetAction((parse, ct) => SalesforceScenarios.RestAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(restAccounts), parse.GetValue(seed), TimeSpan.FromMilliseconds(parse.GetValue(latency)), parse.GetValue(inProcess), TimeSpan.FromSeconds(5)), ct));
root.Subcommands.Add(rest);

var bulkAccounts = new Option<int>("--accounts") { Description = "Salesforce accounts in the sandbox org", DefaultValueFactory = _ => 1_000_000 };
var pollSeconds = new Option<double>("--poll-seconds") { Description = "Salesforce:BulkPollInterval in seconds", DefaultValueFactory = _ => 1.0 };
var bulk = new Command("salesforce-bulk", "Full read by a Bulk API 2.0 query job and full write by an ingest job (update).") { bulkAccounts, pollSeconds };
bulk.SetAction((parse, ct) => SalesforceScenarios.BulkAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(bulkAccounts), parse.GetValue(seed), TimeSpan.FromMilliseconds(parse.GetValue(latency)), parse.GetValue(inProcess),
        TimeSpan.FromSeconds(parse.GetValue(pollSeconds))), ct));
root.Subcommands.Add(bulk);

var companies = new Option<int>("--companies") { Description = "Companies to upsert (the sandbox is seeded from as many accounts)", DefaultValueFactory = _ => 10_000 };
var hubspot = new Command("hubspot", "Full upsert (100/call by abm_salesforce_id, new then existing) and full read (list, 100/page) of companies.") { companies };
hubspot.SetAction((parse, ct) => HubSpotScenarios.CompaniesAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(companies), parse.GetValue(seed), TimeSpan.FromMilliseconds(parse.GetValue(latency)), parse.GetValue(inProcess)), ct));
root.Subcommands.Add(hubspot);

var incrementalAccounts = new Option<int>("--accounts") { Description = "Salesforce accounts the world is seeded from (about 3 HubSpot contacts each)", DefaultValueFactory = _ => 33_000 };
var incremental = new Command("hubspot-incremental", "Every contact read incrementally through search, beyond the 10,000 cap and through a bulk-import instant.") { incrementalAccounts };
incremental.SetAction((parse, ct) => HubSpotScenarios.IncrementalAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(incrementalAccounts), parse.GetValue(seed), TimeSpan.FromMilliseconds(parse.GetValue(latency)), parse.GetValue(inProcess)), ct));
root.Subcommands.Add(incremental);

var upserts = new Option<int>("--upserts") { Description = "Companies to upsert", DefaultValueFactory = _ => 100_000 };
var rate = new Option<string>("--rate") { Description = "The portal's burst limit, for the sandbox and the client limiter", DefaultValueFactory = _ => "190/10s" };
var parallel = new Option<int>("--parallel") { Description = "Concurrent callers sharing the client's limiter", DefaultValueFactory = _ => 1 };
var hubspotRate = new Command("hubspot-rate", "Batch upserts against the sandbox's burst limit: 429s seen and wall time against the rate-limit bound.") { upserts, rate, parallel };
hubspotRate.SetAction((parse, ct) => HubSpotScenarios.RateAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(upserts), parse.GetValue(rate)!, Math.Max(1, parse.GetValue(parallel)), parse.GetValue(seed),
        TimeSpan.FromMilliseconds(parse.GetValue(latency)), parse.GetValue(inProcess)), ct));
root.Subcommands.Add(hubspotRate);

var syncAccounts = new Option<int>("--accounts") { Description = "Salesforce accounts in the sandbox org", DefaultValueFactory = _ => 10_000 };
var syncCalls = new Option<string?>("--calls") { Description = "Write one line per worker request (run, pair, seconds since the pair's run started, system, bound component, method and URL) to this file" };
var syncEndpoints = new Option<bool>("--endpoints") { Description = "Also print the sandbox's byEndpoint counts per run and pair" };
var syncRuns = new Option<int>("--runs") { Description = "1: the first run only; 2: and the run with nothing changed; 3: and the run after 1% changed", DefaultValueFactory = _ => 3 };
var sync = new Command("sync", "The worker's sync of every pair (accounts, contacts, leads, opportunities), three runs: per run and system, calls against the lower bound, wall time against the HubSpot rate-limit bound, 429s, peak memory.")
{
    syncAccounts, syncCalls, syncEndpoints, syncRuns,
};
sync.SetAction((parse, ct) => SyncScenario.RunAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(syncAccounts), parse.GetValue(seed), TimeSpan.FromMilliseconds(parse.GetValue(latency)), parse.GetValue(inProcess),
        parse.GetValue(syncCalls), parse.GetValue(syncEndpoints), Math.Clamp(parse.GetValue(syncRuns), 1, 3), TimeSpan.FromMilliseconds(parse.GetValue(jitter))), ct));
root.Subcommands.Add(sync);

var killAccounts = new Option<int>("--accounts") { Description = "Salesforce accounts in each of the two sandboxes", DefaultValueFactory = _ => 5_000 };
var kills = new Option<int>("--kills") { Description = "SIGKILLs of the worker, each followed by a resumed run", DefaultValueFactory = _ => 10 };
var held = new Option<int>("--held") { Description = "Kills that land between a write call's send and its checkpoint (the sandbox's hold hook)", DefaultValueFactory = _ => 4 };
var bulkThreshold = new Option<int>("--bulk-threshold") { Description = "Salesforce:BulkThreshold of the one resumed run on Bulk API 2.0", DefaultValueFactory = _ => 500 };
var pageSize = new Option<int>("--page-size") { Description = "Salesforce:QueryBatchSize of every run (200-2000)", DefaultValueFactory = _ => 200 };
var killLogs = new Option<string?>("--logs") { Description = "Keep each worker run's output in this directory, one file per run" };
var verboseWorker = new Option<bool>("--verbose-worker") { Description = "Run the worker with --verbose (its log goes to the --logs files)" };
var kill = new Command("kill", "SIGKILL `abmsync sync --object all` at seeded moments, resume each time; the end state must equal an uninterrupted run on a same-seed twin sandbox.")
{
    killAccounts, kills, held, bulkThreshold, pageSize, killLogs, verboseWorker,
};
kill.Validators.Add(result =>
{
    if (result.GetValue(kills) < 1 || result.GetValue(held) < 0 || result.GetValue(held) > result.GetValue(kills))
    {
        result.AddError("--kills must be 1 or more, and --held between 0 and --kills");
    }
});
kill.SetAction((parse, ct) => AbmSync.Bench.Kill.KillScenario.RunAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(killAccounts), parse.GetValue(kills), parse.GetValue(held), parse.GetValue(seed), TimeSpan.FromMilliseconds(parse.GetValue(latency)),
        parse.GetValue(inProcess), parse.GetValue(bulkThreshold), parse.GetValue(pageSize), parse.GetValue(killLogs), parse.GetValue(verboseWorker)), ct));
root.Subcommands.Add(kill);

var rulesAccounts = new Option<int>("--accounts") { Description = "Accounts in the state-store snapshot", DefaultValueFactory = _ => 1_000_000 };
var rulesContacts = new Option<int>("--contacts") { Description = "Contacts in the snapshot (spread over the accounts)", DefaultValueFactory = _ => 10_000_000 };
var rulesLeads = new Option<int?>("--leads") { Description = "Leads in the snapshot (default: one per ten accounts)" };
var rulesState = new Option<string?>("--state") { Description = "Directory of the cached snapshot (default: /tmp/abmsync-bench-rules-{accounts}-{contacts}-{seed})" };
var rules = new Command("rules", "The production rules from a state-store snapshot to the write plan, ledger included: records/s and peak memory per phase against the goal (under 20 s, under 2 GB).")
{
    rulesAccounts, rulesContacts, rulesLeads, rulesState,
};
rules.SetAction((parse, ct) => AbmSync.Bench.Rules.RulesScenario.RunAsync(parse.InvocationConfiguration.Output,
    new(parse.GetValue(rulesAccounts), parse.GetValue(rulesContacts), parse.GetValue(rulesLeads), parse.GetValue(seed), parse.GetValue(rulesState)), ct));
root.Subcommands.Add(rules);

var fuzzCases = new Option<int>("--cases") { Description = "Mutated mapping or rules files to try", DefaultValueFactory = _ => 200 };
var fuzzLimit = new Option<double>("--limit-seconds") { Description = "How long one case may take before it counts as hung", DefaultValueFactory = _ => 5.0 };
var fuzzKeep = new Option<string?>("--keep") { Description = "Copy the files of every finding to this directory" };
var fuzzMappings = new Command("fuzz-mappings", "Mutated mapping and rules files through `abmsync mappings validate`, one process each: every case loads or ends within the limit in a file:line: reason error with exit 2; counts per outcome and mutation.")
{
    fuzzCases, fuzzLimit, fuzzKeep,
};
fuzzMappings.SetAction((parse, ct) => AbmSync.Bench.Fuzz.MappingFuzz.RunAsync(parse.InvocationConfiguration.Output,
    new(Math.Max(1, parse.GetValue(fuzzCases)), parse.GetValue(seed), TimeSpan.FromSeconds(parse.GetValue(fuzzLimit)), parse.GetValue(fuzzKeep)), ct));
root.Subcommands.Add(fuzzMappings);

// The child process side of BenchSandbox: not for people.
var serveAccounts = new Option<int>("--accounts") { DefaultValueFactory = _ => 1000 };
var serveRate = new Option<string>("--hubspot-rate") { DefaultValueFactory = _ => "190/10s" };
var serveDailyLimit = new Option<int>("--salesforce-daily-limit") { DefaultValueFactory = _ => 100_000 };
var serve = new Command(BenchSandbox.ServeVerb) { Hidden = true };
serve.Options.Add(serveAccounts);
serve.Options.Add(serveRate);
serve.Options.Add(serveDailyLimit);
var serveEmptyPortal = new Option<bool>("--empty-portal");
serve.Options.Add(serveEmptyPortal);
serve.SetAction((parse, ct) => BenchSandbox.ServeAsync(new SandboxOptions
{
    SeedHubSpot = !parse.GetValue(serveEmptyPortal),
    Accounts = parse.GetValue(serveAccounts),
    Seed = parse.GetValue(seed),
    Latency = TimeSpan.FromMilliseconds(parse.GetValue(latency)),
    LatencyJitter = TimeSpan.FromMilliseconds(parse.GetValue(jitter)),
    HubSpotRate = parse.GetValue(serveRate)!,
    SalesforceDailyLimit = parse.GetValue(serveDailyLimit),
}, ct));
root.Subcommands.Add(serve);

return await root.Parse(args).InvokeAsync();
