using System.Diagnostics;
using System.Text.RegularExpressions;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;
using AbmSync.Worker.Cli;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// The same <c>abmsync sync</c> on a terminal (a pseudo-terminal from util-linux's <c>script</c>) and redirected: progress
/// bars and a results table for a person, the plain lines for a script, JSON with <c>--json</c>.
/// </summary>
public sealed partial class TerminalOutputTests
{
    [Fact]
    public async Task Sync_OnATerminal_DrawsProgressBarsAndARunsTable_Redirected_PrintsPlainLines_AndJsonOnRequest()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 30, Seed = 9 });
        var directory = Directory.CreateTempSubdirectory("abmsync-terminal-");
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
        };
        try
        {
            var terminal = Ansi().Replace(await OnTerminalAsync(environment, directory.FullName, "sync", "--object", "accounts"), "");
            Assert.Contains("━", terminal, StringComparison.Ordinal);
            Assert.Matches(@"accounts\s+succeeded\s+━+\s+100%", terminal);
            Assert.Matches(@"pair\s+status\s+read\s+HS\s+SF\s+linked\s+failed\s+time", terminal);
            Assert.Matches(@"accounts\s+succeeded\s+30/\d+", terminal);

            var (exit, plain, _) = await CliProcess.RunAsync(environment, directory.FullName, "sync", "--object", "accounts");
            Assert.Equal(0, exit);
            Assert.DoesNotContain("━", plain, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b[", plain, StringComparison.Ordinal);
            Assert.Matches(@"^Accounts run \d+ succeeded: read Salesforce", plain);

            var (jsonExit, json, _) = await CliProcess.RunAsync(environment, directory.FullName, "sync", "--object", "accounts", "--json");
            Assert.Equal(0, jsonExit);
            using var document = System.Text.Json.JsonDocument.Parse(json);
            Assert.Equal("accounts", document.RootElement[0].GetProperty("object").GetString());
            Assert.Equal("succeeded", document.RootElement[0].GetProperty("status").GetString());
            // What the run wrote, for scripts: the second run after the first has nothing left to create.
            Assert.Equal(0, document.RootElement[0].GetProperty("hubSpotCreated").GetInt32());
            Assert.Equal(System.Text.Json.JsonValueKind.Number, document.RootElement[0].GetProperty("salesforceUpdated").ValueKind);

            // A bar per object while setup checks it, then its lines.
            var setup = Ansi().Replace(await OnTerminalAsync(environment, directory.FullName, "setup", "salesforce"), "");
            Assert.Matches(@"Account\s+all there\s+━+\s+100%", setup);
            Assert.Matches(@"Salesforce Account: all \d+ ABM fields are there\.", setup);
            var hubSpotSetup = Ansi().Replace(await OnTerminalAsync(environment, directory.FullName, "setup", "hubspot"), "");
            Assert.Matches(@"companies\s+all there\s+━+\s+100%", hubSpotSetup);

            // Tables for a person: the plan, the drift, a rules change's tier transitions.
            var linked = ((System.Text.Json.Nodes.JsonObject)sandbox.HubSpot.Export())["companies"]!.AsArray()
                .Select(c => (string?)c!["properties"]![AbmSync.Worker.Sync.AbmFields.HubSpotSalesforceId]).OfType<string>().First();
            await sandbox.EditAsSalesRepAsync("Account", linked, new { NumberOfEmployees = 4321 });
            var plan = Ansi().Replace(await OnTerminalAsync(environment, directory.FullName, "plan", "--object", "accounts"), "");
            Assert.Matches(@"│\s*record\s*│\s*to\s*│\s*field\s*│\s*value\s*│", plan);
            Assert.Matches(@"accounts: 1 records would change \(nothing written\)", plan);
            Assert.Matches($@"│\s*{linked} ↔ \d+\s*│\s*HubSpot\s*│\s*numberofemployees\s*│\s*4321\s*│", plan);
            var drift = Ansi().Replace(await OnTerminalAsync(environment, directory.FullName, ["reconcile", "--object", "accounts"], 0, ReconcileCommand.DriftFound), "");
            // A bar per pair while it reads both systems and compares.
            Assert.Matches(@"accounts\s+compared\s+━+\s+100%", drift);
            Assert.Matches(@"│\s*pair\s*│\s*category\s*│\s*count\s*│\s*examples\s*│", drift);
            Assert.Matches(@"accounts: 30 Salesforce, \d+ HubSpot read", drift);
            // The edit the plan showed is still unsynced: the reconcile finds it as field drift, with the record.
            Assert.Matches($@"│\s*accounts\s*│\s*field-drift\s*│\s*1\s*│\s*{linked}/", drift);
            var rules = Path.Combine(SyncHarness.RepositoryRoot(), "mappings", "rules.yaml");
            var proposed = Path.Combine(directory.FullName, "proposed-rules.yaml");
            File.WriteAllText(proposed, File.ReadAllText(rules).Replace("{ tier: Tier 2, minScore: 45, cap: 200 }", "{ tier: Tier 2, minScore: 30, cap: 200 }", StringComparison.Ordinal));
            var diff = Ansi().Replace(await OnTerminalAsync(environment, directory.FullName, "rules", "diff", "--rules", proposed), "");
            Assert.Matches(@"│\s*from\s*│\s*to\s*│\s*accounts\s*│\s*examples", diff);
            Assert.Matches(@"│\s*(Tier 3|no tier)\s*│\s*Tier 2\s*│\s*\d+", diff);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Runs the CLI under a pseudo-terminal, as a person's shell would, and answers what it drew.</summary>
    static Task<string> OnTerminalAsync(IReadOnlyDictionary<string, string> environment, string directory, params string[] args) =>
        OnTerminalAsync(environment, directory, args, 0);

    static async Task<string> OnTerminalAsync(IReadOnlyDictionary<string, string> environment, string directory, string[] args, params int[] exitCodes)
    {
        var command = string.Join(' ', new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "abmsync.dll") }.Concat(args).Select(a => $"'{a}'"));
        var info = new ProcessStartInfo("script", ["-qec", command, "/dev/null"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        info.Environment["TERM"] = "xterm-256color";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(exitCodes.Contains(process.ExitCode), $"exit {process.ExitCode}: " + await output + await error);
        return await output;
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Ansi();
}
