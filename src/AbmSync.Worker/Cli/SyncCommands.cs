using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Worker.Cli;

/// <summary><c>abmsync sync</c> and <c>abmsync plan</c>.</summary>
public static class SyncCommands
{
    /// <summary>What <c>--object all</c> runs, in order: parents before children.</summary>
    public static IReadOnlyList<string> AllObjects => ObjectPairs.Everything;

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static Command Sync(Option<bool> verbose)
    {
        var command = new Command("sync", "Run one sync now, from the saved cursors (or everything with --full).");
        var objectOption = ObjectOption();
        var full = new Option<bool>("--full") { Description = "Read every record, not only those changed since the last run" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be written and write nothing" };
        var direction = DirectionOption();
        var partition = PartitionOption();
        var json = new Option<bool>("--json") { Description = "Print each pair's result as JSON, for scripts" };
        command.Options.Add(objectOption);
        command.Options.Add(full);
        command.Options.Add(dryRun);
        command.Options.Add(direction);
        command.Options.Add(partition);
        command.Options.Add(json);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(verbose), parse.GetValue(objectOption)!, Direction(parse.GetValue(direction)), parse.GetValue(partition)!, parse.GetValue(full), parse.GetValue(dryRun), parse.GetValue(json), parse.InvocationConfiguration.Output, ct));
        return command;
    }

    public static Command Plan(Option<bool> verbose)
    {
        var command = new Command("plan", "Print the exact changes a sync would write to each side, with each conflict decision, and write nothing.");
        var objectOption = ObjectOption();
        var full = new Option<bool>("--full") { Description = "Plan over every record, not only those changed since the last run" };
        var json = new Option<bool>("--json") { Description = "One JSON document on standard output, for scripts" };
        var direction = DirectionOption();
        var partition = PartitionOption();
        command.Options.Add(objectOption);
        command.Options.Add(full);
        command.Options.Add(json);
        command.Options.Add(direction);
        command.Options.Add(partition);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(verbose), parse.GetValue(objectOption)!, Direction(parse.GetValue(direction)), parse.GetValue(partition)!, parse.GetValue(full), dryRun: true, parse.GetValue(json), parse.InvocationConfiguration.Output, ct));
        return command;
    }

    static Option<string> ObjectOption()
    {
        var option = new Option<string>("--object")
        {
            Description = "What to sync: accounts, contacts, leads, opportunities, or all (every pair this version syncs, in dependency order)",
            DefaultValueFactory = _ => ObjectPairs.Accounts,
        };
        option.AcceptOnlyFromAmong([.. AllObjects, "all"]);
        return option;
    }

    static Option<string> DirectionOption()
    {
        var option = new Option<string>("--direction")
        {
            Description = "Whose changes to carry: both (the default), salesforce-to-hubspot or hubspot-to-salesforce",
            DefaultValueFactory = _ => "both",
        };
        option.AcceptOnlyFromAmong("both", "salesforce-to-hubspot", "hubspot-to-salesforce");
        return option;
    }

    static Option<Partition> PartitionOption() => new("--partition")
    {
        Description = "Plan and write only this share of the records, as INDEX/COUNT (0/4 … 3/4); each has its own cursors and lease",
        DefaultValueFactory = _ => Partition.All,
        CustomParser = result =>
        {
            try
            {
                return Partition.Parse(result.Tokens.Single().Value);
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
                return Partition.All;
            }
        },
    };

    static SyncDirections Direction(string? text) => text switch
    {
        "salesforce-to-hubspot" => SyncDirections.SalesforceToHubSpot,
        "hubspot-to-salesforce" => SyncDirections.HubSpotToSalesforce,
        _ => SyncDirections.Both,
    };

    static Task<int> RunAsync(bool verbose, string objectName, SyncDirections direction, Partition partition, bool full, bool dryRun, bool json, TextWriter output, CancellationToken ct) => AbmSyncCli.Guard(async () =>
    {
        using var host = AbmSyncServices.BuildCommandHost(verbose: verbose);
        await host.StartAsync(ct);
        await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
        var code = ExitCodes.Success;
        // The pairs run together where they allow; their summaries print in pair order once all have ended.
        var names = objectName == "all" ? AllObjects : [objectName];
        var interactive = !json && Terminal.IsInteractive(output);
        Task<IReadOnlyList<PairOutcome>> Run() => host.Services.GetRequiredService<PairSequence>().RunAsync(names,
            name => new SyncRequest(full, dryRun, name) { Direction = direction, Partition = partition }, ct);
        var outcomes = interactive
            ? await Terminal.WithProgressAsync(names.Contains(ObjectPairs.Engagement) && names.Count == 1 ? [ObjectPairs.Engagement, ObjectPairs.Accounts] : names,
                host.Services.GetRequiredService<RunProgress>(), Run)
            : await Run();
        var summaries = outcomes.Where(o => o.Summary is not null).Select(o => o.Summary!).ToList();
        if (interactive && summaries.Count > 0)
        {
            Terminal.RunsTable(summaries);
        }
        foreach (var summary in summaries)
        {
            if (interactive && dryRun)
            {
                // A person reads the plan as a table; the run's summary lines follow it.
                Terminal.PlanTable(summary);
                SummaryPrinter.PrintRun(output, summary, dryRun: false);
            }
            else if (!json)
            {
                SummaryPrinter.PrintRun(output, summary, dryRun);
            }
            if (summary.Status is "failed" or "stopped")
            {
                code = ExitCodes.Failure;
            }
        }
        PairSequence.SummariesOrThrow(outcomes);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(summaries.Select(s => new
            {
                @object = s.Object,
                run = s.RunId,
                status = s.Status,
                readSalesforce = s.RecordsRead,
                readHubSpot = s.HubSpotRead,
                unchanged = s.RecordsUnchanged,
                hubSpotCreated = s.HubSpotCreated,
                hubSpotUpdated = s.HubSpotUpdated,
                salesforceCreated = s.SalesforceCreated,
                salesforceUpdated = s.SalesforceUpdated,
                linked = s.Linked,
                deadLettered = s.DeadLettered,
                message = s.Message,
                corrections = s.Corrections,
                conflicts = s.Conflicts,
                records = s.Plans,
            }), Json));
        }
        await host.StopAsync(ct);
        return code;
    });
}
