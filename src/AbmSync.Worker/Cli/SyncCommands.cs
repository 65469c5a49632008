using System.CommandLine;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Worker.Cli;

/// <summary><c>abmsync sync</c> and <c>abmsync plan</c>.</summary>
public static class SyncCommands
{
    public static Command Sync(Option<bool> verbose)
    {
        var command = new Command("sync", "Run one sync now, from the saved cursor (or everything with --full).");
        var objectOption = ObjectOption();
        var full = new Option<bool>("--full") { Description = "Read every record, not only those changed since the last run" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be written and write nothing" };
        command.Options.Add(objectOption);
        command.Options.Add(full);
        command.Options.Add(dryRun);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(verbose), new SyncRequest(parse.GetValue(full), parse.GetValue(dryRun)), parse.InvocationConfiguration.Output, ct));
        return command;
    }

    public static Command Plan(Option<bool> verbose)
    {
        var command = new Command("plan", "Print the exact changes a sync would write, and write nothing (a dry run).");
        var objectOption = ObjectOption();
        var full = new Option<bool>("--full") { Description = "Plan over every record, not only those changed since the last run" };
        command.Options.Add(objectOption);
        command.Options.Add(full);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(verbose), new SyncRequest(parse.GetValue(full), DryRun: true), parse.InvocationConfiguration.Output, ct));
        return command;
    }

    static Option<string> ObjectOption()
    {
        var option = new Option<string>("--object")
        {
            Description = "What to sync; accounts in this version (contacts, opportunities and engagement follow)",
            DefaultValueFactory = _ => "accounts",
        };
        option.AcceptOnlyFromAmong("accounts", "all");
        return option;
    }

    static Task<int> RunAsync(bool verbose, SyncRequest request, TextWriter output, CancellationToken ct) => AbmSyncCli.Guard(async () =>
    {
        using var host = AbmSyncServices.BuildCommandHost(verbose: verbose);
        await host.StartAsync(ct);
        var store = host.Services.GetRequiredService<StateStore>();
        await store.MigrateAsync(ct);
        var summary = await host.Services.GetRequiredService<AccountSync>().RunAsync(request, ct);
        SummaryPrinter.PrintRun(output, summary, request.DryRun);
        await host.StopAsync(ct);
        return ExitCodes.Success;
    });
}
