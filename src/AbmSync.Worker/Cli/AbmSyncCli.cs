using System.CommandLine;
using AbmSync.Core.Mapping;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Cli;

/// <summary>The <c>abmsync</c> command line.</summary>
public static class AbmSyncCli
{
    static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Log what happens, not only warnings and errors", Recursive = true };

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null)
    {
        var root = new RootCommand("AbmSync: account-based marketing sync between Salesforce and HubSpot.");
        root.Options.Add(Verbose);
        root.Subcommands.Add(DemoCommand.Create(Verbose));
        root.Subcommands.Add(SyncCommands.Sync(Verbose));
        root.Subcommands.Add(SyncCommands.Plan(Verbose));
        root.Subcommands.Add(RunCommand.Create(Verbose));
        root.Subcommands.Add(SandboxCommand.Create());
        root.Subcommands.Add(AdminCommands.Mappings(Verbose));
        root.Subcommands.Add(AdminCommands.Setup(Verbose));
        root.Subcommands.Add(AdminCommands.DeadLetters(Verbose));
        root.Subcommands.Add(AdminCommands.Explain(Verbose));
        root.Subcommands.Add(AdminCommands.Rules(Verbose));
        root.Subcommands.Add(AdminCommands.Report(Verbose));
        root.Subcommands.Add(ReconcileCommand.Create(Verbose));
        root.Subcommands.Add(UsersCommand.Create());
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // A mistyped verb or option is a settings problem like any other: one line per error and exit 2, not the
            // whole help text under an exit code that reads like a failed run.
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message.ReplaceLineEndings(" ").Replace("\t", "", StringComparison.Ordinal));
            }
            var names = new List<string>();
            for (var result = parsed.CommandResult; result is { Command: not RootCommand }; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            {
                names.Insert(0, result.Command.Name);
            }
            await Console.Error.WriteLineAsync($"({string.Join(' ', ["abmsync", .. names, "--help"])} lists what it takes)");
            return ExitCodes.Configuration;
        }
        // SIGTERM and Ctrl+C cancel the verb's token; a run then finishes its current page and commits it (at most
        // SyncRunner.StopGrace), so the process gets this long before it is ended regardless.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
        if (output is not null)
        {
            invocation.Output = output;
        }
        return await parsed.InvokeAsync(invocation);
    }

    /// <summary>Options validation failures, whether thrown alone or gathered by the host at start.</summary>
    static List<string> OptionsFailures(Exception e) => e switch
    {
        OptionsValidationException o => [.. o.Failures],
        AggregateException a => [.. a.InnerExceptions.SelectMany(OptionsFailures)],
        _ => [],
    };

    /// <summary>
    /// Runs a verb's body and turns every failure into one line and an exit code (see <see cref="ExitCodes"/>). No
    /// stack trace reaches the console, and no message quotes a setting's value: connectors and options keep tokens
    /// out of theirs, and a value that does not convert is named by its key only.
    /// </summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e)
        {
            var (code, lines) = Describe(e);
            foreach (var line in lines)
            {
                await Console.Error.WriteLineAsync(line);
            }
            return code;
        }
    }

    internal static (int Code, IReadOnlyList<string> Lines) Describe(Exception e)
    {
        if (Find<ConfigurationFileException>(e) is { } file)
        {
            return (ExitCodes.Configuration, [file.Message]);
        }
        if (SettingsConversion.Describe(e) is { } conversion)
        {
            return (ExitCodes.Configuration, [conversion]);
        }
        if (OptionsFailures(e) is { Count: > 0 } failures)
        {
            return (ExitCodes.Configuration, [.. failures.Select(f => $"settings: {f}")]);
        }
        if (Find<StateStoreException>(e) is { } store)
        {
            return (store.IsSettingsProblem ? ExitCodes.Configuration : ExitCodes.Failure, [store.Message]);
        }
        if (Find<SetupRequiredException>(e) is { } setup)
        {
            return (ExitCodes.SetupRequired, [setup.Message]);
        }
        return e switch
        {
            OperationCanceledException => (ExitCodes.Failure, ["stopped; the next run resumes from the last committed page"]),
            HttpRequestException or AbmSync.Connectors.Salesforce.SalesforceApiException or AbmSync.Connectors.HubSpot.HubSpotApiException
                => (ExitCodes.Failure, [$"failed: {OneLine(e.Message)}"]),
            // Anything else is a bug of ours: still one line, with the exception's kind so that it can be reported.
            _ => (ExitCodes.Failure, [$"failed ({e.GetType().Name}): {OneLine(e.Message)}"]),
        };
    }

    static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }
        return null;
    }

    static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
