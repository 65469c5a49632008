using System.CommandLine;
using System.Globalization;
using AbmSync.Connectors.Salesforce;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Worker.Cli;

/// <summary>The verbs marketing ops and RevOps use around the sync: validate, set up, inspect, retry, explain.</summary>
public static class AdminCommands
{
    public static Command Mappings(Option<bool> verbose)
    {
        var validate = new Command("validate", "Check the mapping and rules files; with --live also against both systems' schemas (reads only).");
        var live = new Option<bool>("--live") { Description = "Also check every mapped field against Salesforce describe and HubSpot properties" };
        validate.Options.Add(live);
        validate.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var configuration = host.Services.GetRequiredService<SyncConfiguration>();
            output.WriteLine($"{Path.Combine(configuration.Directory, "accounts.yaml")}: {configuration.Accounts.Fields.Count} fields, Salesforce {configuration.Accounts.SalesforceObject} ↔ HubSpot {configuration.Accounts.HubSpotObject}");
            foreach (var (file, mapping) in new[] { ("contacts.yaml", configuration.Contacts), ("leads.yaml", configuration.Leads) })
            {
                output.WriteLine($"{Path.Combine(configuration.Directory, file)}: {mapping.Fields.Count} fields, Salesforce {mapping.SalesforceObject} ↔ HubSpot {mapping.HubSpotObject}");
            }
            output.WriteLine($"{Path.Combine(configuration.Directory, "rules.yaml")}: {configuration.Rules.Tiering.Criteria.Count} tiering criteria, tiers {string.Join(", ", configuration.Rules.Tiering.Levels.Select(l => $"{l.Tier} ≥ {l.MinScore}"))}");
            if (parse.GetValue(live))
            {
                foreach (var pair in ObjectPairs.All)
                {
                    await host.Services.GetRequiredService<SchemaGuard>().EnsureAsync(ObjectPairs.For(pair, configuration), dryRun: true, ct);
                }
                output.WriteLine("Both live schemas have every mapped field.");
            }
            output.WriteLine("OK");
            return ExitCodes.Success;
        }, ct, callsApis: parse.GetValue(live)));
        var command = new Command("mappings", "Work with the mapping files in mappings/.");
        command.Subcommands.Add(validate);
        return command;
    }

    public static Command Setup(Option<bool> verbose)
    {
        var system = new Argument<string>("system") { Description = "salesforce or hubspot" };
        system.AcceptOnlyFromAmong("salesforce", "hubspot");
        var command = new Command("setup", "Check (Salesforce) or create (HubSpot) what AbmSync needs in a system. Safe to run again.");
        command.Arguments.Add(system);
        command.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            if (parse.GetValue(system) == "hubspot")
            {
                var schema = host.Services.GetRequiredService<SchemaGuard>();
                foreach (var objectType in AbmFields.HubSpotProperties.Keys)
                {
                    var (created, _) = await schema.EnsureHubSpotPropertiesAsync(objectType, dryRun: false, ct);
                    output.WriteLine(created.Count == 0
                        ? $"HubSpot {objectType}: every ABM property is there."
                        : $"HubSpot {objectType}: created {string.Join(", ", created)}.");
                }
                return ExitCodes.Success;
            }
            var salesforce = host.Services.GetRequiredService<SalesforceClient>();
            var missing = new List<string>();
            foreach (var (sObject, fields) in AbmFields.SalesforceFields)
            {
                var gaps = SchemaGuard.MissingSalesforceFields(await salesforce.DescribeAsync(sObject, ct));
                output.WriteLine(gaps.Count == 0
                    ? $"Salesforce {sObject}: all {fields.Count} ABM fields are there."
                    : $"Salesforce {sObject}: {gaps.Count} of {fields.Count} ABM fields missing.");
                missing.AddRange(gaps);
            }
            if (missing.Count > 0)
            {
                throw new SetupRequiredException("Salesforce", missing,
                    "Deploy the metadata (cd connectors/salesforce-metadata && sf project deploy start --source-dir force-app) and assign the ABM_Integration permission set to the integration user.");
            }
            return ExitCodes.Success;
        }, ct, callsApis: true));
        return command;
    }

    public static Command DeadLetters(Option<bool> verbose)
    {
        var list = new Command("list", "List the records that failed, with why.");
        var status = new Option<string>("--status") { Description = "open, parked, resolved or all", DefaultValueFactory = _ => "all" };
        status.AcceptOnlyFromAmong("open", "parked", "resolved", "all");
        list.Options.Add(status);
        list.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var wanted = parse.GetValue(status);
            var letters = await host.Services.GetRequiredService<StateStore>().GetDeadLettersAsync(null, wanted == "all" ? null : wanted);
            if (letters.Count == 0)
            {
                output.WriteLine("No dead letters.");
            }
            foreach (var d in letters)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"#{d.Id} {d.Status} {d.Object} {d.RecordId} → {d.Side}: {d.Code}: {d.Message}{(d.Fields is null ? "" : $" [{d.Fields}]")} (attempts {d.Attempts}, last {d.LastFailedAt:u})"));
            }
            return ExitCodes.Success;
        }, ct));
        var retry = new Command("retry", "Put parked dead letters back in the queue of the next run.");
        var id = new Option<long?>("--id") { Description = "Only this dead letter" };
        retry.Options.Add(id);
        retry.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var count = (await host.Services.GetRequiredService<StateStore>().RetryDeadLettersAsync(null, parse.GetValue(id))).Queued;
            output.WriteLine($"{count} dead letter(s) queued for the next run.");
            return ExitCodes.Success;
        }, ct));
        var command = new Command("dead-letters", "Records that failed to sync.");
        command.Subcommands.Add(list);
        command.Subcommands.Add(retry);
        return command;
    }

    public static Command Explain(Option<bool> verbose)
    {
        var account = new Argument<string>("account") { Description = "Salesforce Account id" };
        var command = new Command("explain", "Print every decision about an account and why it was made.");
        command.Arguments.Add(account);
        command.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var id = parse.GetValue(account)!;
            var store = host.Services.GetRequiredService<StateStore>();
            var decisions = await store.GetDecisionsForRecordAsync(id);
            var link = (await store.GetLinksAsync(ObjectPairs.Accounts, [id])).GetValueOrDefault(id);
            if (decisions.Count == 0 && link is null)
            {
                output.WriteLine($"AbmSync has not decided anything about {id} yet.");
                return ExitCodes.Failure;
            }
            output.WriteLine(link is null
                ? $"{id}: not linked to a HubSpot company"
                : string.Create(CultureInfo.InvariantCulture, $"{id}: linked to HubSpot company {link.HubSpotId} ({link.LinkReason}, {link.LinkedAt:u})"));
            foreach (var d in decisions)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {d.Kind}: {d.Value ?? "(none)"} — {d.Reason} (run {d.RunId}, {d.DecidedAt:u})"));
            }
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    public static Command Report(Option<bool> verbose)
    {
        var count = new Option<int>("--runs") { Description = "How many recent runs", DefaultValueFactory = _ => 10 };
        var command = new Command("report", "Recent runs and open failures.");
        command.Options.Add(count);
        command.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var store = host.Services.GetRequiredService<StateStore>();
            foreach (var r in await store.RecentRunsAsync(parse.GetValue(count)))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {r.Id} {r.Object} {r.Mode} {r.Status}{(r.Status == "abandoned" && r.LastSeenAlive is { } seen ? $" (its process stopped; last seen alive {seen:u})" : "")} {r.StartedAt:u}: read {r.RecordsRead}, HubSpot records written {r.HubSpotRecordsWritten}, Salesforce records written {r.SalesforceRecordsWritten}, dead-lettered {r.DeadLettered}; API calls Salesforce {r.SalesforceCalls}, HubSpot {r.HubSpotCalls}{(r.Message is null ? "" : " — " + r.Message)}"));
            }
            var open = await store.GetDeadLettersAsync(null, "open");
            var parked = await store.GetDeadLettersAsync(null, "parked");
            output.WriteLine($"dead letters: {open.Count} open (retried by the next run), {parked.Count} parked (abmsync dead-letters retry)");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>
    /// Runs a verb with the worker's services. Verbs that only read local state don't start the host, so they work
    /// without API credentials; verbs that call an API start it, which validates every setting first.
    /// </summary>
    static Task<int> WithHost(Option<bool> verbose, ParseResult parse, Func<IHost, TextWriter, Task<int>> body, CancellationToken ct, bool callsApis = false) => AbmSyncCli.Guard(async () =>
    {
        using var host = AbmSyncServices.BuildCommandHost(verbose: parse.GetValue(verbose));
        if (callsApis)
        {
            await host.StartAsync(ct);
        }
        await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
        var code = await body(host, parse.InvocationConfiguration.Output);
        if (callsApis)
        {
            await host.StopAsync(ct);
        }
        return code;
    });
}
