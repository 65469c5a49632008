using System.CommandLine;
using AbmSync.Core.Mapping;
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
        root.Subcommands.Add(AdminCommands.Report(Verbose));
        var parsed = root.Parse(args);
        var invocation = new InvocationConfiguration();
        if (output is not null)
        {
            invocation.Output = output;
        }
        return await parsed.InvokeAsync(invocation);
    }

    /// <summary>
    /// Runs a verb's body and turns the failures a person can act on into a clear message and an exit code. The
    /// messages never carry secrets: connectors and options keep tokens out of theirs.
    /// </summary>
    /// <summary>Options validation failures, whether thrown alone or gathered by the host at start.</summary>
    static List<string> OptionsFailures(Exception e) => e switch
    {
        OptionsValidationException o => [.. o.Failures],
        AggregateException a => [.. a.InnerExceptions.SelectMany(OptionsFailures)],
        _ => [],
    };

    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ConfigurationFileException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return ExitCodes.Configuration;
        }
        catch (Exception e) when (OptionsFailures(e) is { Count: > 0 } failures)
        {
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync($"settings: {failure}");
            }
            return ExitCodes.Configuration;
        }
        catch (SetupRequiredException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return ExitCodes.SetupRequired;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("stopped; the next run resumes from the last committed page");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is HttpRequestException or AbmSync.Connectors.Salesforce.SalesforceApiException or AbmSync.Connectors.HubSpot.HubSpotApiException)
        {
            await Console.Error.WriteLineAsync($"failed: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}
