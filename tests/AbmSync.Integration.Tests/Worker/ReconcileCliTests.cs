using System.Text.Json.Nodes;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;
using AbmSync.Worker.Cli;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Worker;

/// <summary><c>abmsync reconcile</c> through the real executable: the JSON shape scripts rely on, and the exit codes.</summary>
public sealed class ReconcileCliTests
{
    [Fact]
    public async Task ReconcileJson_HasExactlyTheIssuesShape_ExitsDriftFoundUntilRepaired()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 20, Seed = 5 });
        var directory = Directory.CreateTempSubdirectory("abmsync-reconcile-cli-");
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
        };
        Task<(int ExitCode, string Output, string Error)> CliAsync(params string[] args) => CliProcess.RunAsync(environment, directory.FullName, args);
        try
        {
            var sync = await CliAsync("sync", "--object", "accounts");
            Assert.True(sync.ExitCode == 0, sync.Error);
            var created = await sandbox.CreateAsSalesRepAsync("Account", new { Name = "Reconcile CLI Co", Website = "https://reconcile-cli.example" });

            var report = await CliAsync("reconcile", "--object", "accounts", "--json");
            Assert.True(report.ExitCode == ReconcileCommand.DriftFound, $"{report.ExitCode}: {report.Error}");
            var json = JsonNode.Parse(report.Output)!.AsObject();
            Assert.Equal(["categories", "examples"], json.Select(p => p.Key));
            Assert.Equal(DriftCategories.All, json["categories"]!.AsObject().Select(p => p.Key));
            Assert.Equal(DriftCategories.All, json["examples"]!.AsObject().Select(p => p.Key));
            Assert.All(json["categories"]!.AsObject(), p => Assert.True(p.Value!.GetValueKind() == System.Text.Json.JsonValueKind.Number));
            Assert.Equal(1, (int)json["categories"]![DriftCategories.MissingInHubSpot]!);
            Assert.Equal([created], json["examples"]![DriftCategories.MissingInHubSpot]!.AsArray().Select(e => (string)e!));

            var repair = await CliAsync("reconcile", "--object", "accounts", "--repair", "--json");
            var outcome = JsonNode.Parse(repair.Output)!.AsObject();
            Assert.Equal(["before", "after", "repaired", "left"], outcome.Select(p => p.Key));
            Assert.Equal(1, (int)outcome["before"]!["categories"]![DriftCategories.MissingInHubSpot]!);
            Assert.Equal(0, (int)outcome["after"]!["categories"]![DriftCategories.MissingInHubSpot]!);
            Assert.Equal(1, (int)outcome["repaired"]![DriftCategories.MissingInHubSpot]!);
            var clean = outcome["after"]!["categories"]!.AsObject().All(p => (int)p.Value! == 0);
            Assert.True(repair.ExitCode == (clean ? 0 : ReconcileCommand.DriftFound), $"{repair.ExitCode}: {repair.Error}");

            var text = await CliAsync("reconcile", "--object", "accounts");
            Assert.Contains("missing-in-hubspot", text.Output, StringComparison.Ordinal);
            Assert.Contains("API calls: Salesforce", text.Output, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
