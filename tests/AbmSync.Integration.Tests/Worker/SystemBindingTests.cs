using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>The state store binds the org and portal it was first run against, and refuses any other pair.</summary>
public sealed class SystemBindingTests
{
    [Fact]
    public async Task Sync_StateOfAnotherOrgAndPortal_StopsWithExit3_BeforeReadingOrWriting()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-binding-");
        try
        {
            await using (var first = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 10, Seed = 3 }))
            {
                var (exit, output, error) = await CliProcess.RunAsync(Environment(first), directory.FullName, "sync");
                Assert.True(exit == 0, output + error);
            }
            await using var refreshed = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 10, Seed = 4 });
            using var http = new HttpClient();
            await http.PostAsync(new Uri(refreshed.SalesforceUrl, "/_sandbox/stats/reset"), null);

            var again = await CliProcess.RunAsync(Environment(refreshed), directory.FullName, "sync");

            Assert.Equal(3, again.ExitCode);
            Assert.Contains("this state store belongs to Salesforce org", again.Error, StringComparison.Ordinal);
            Assert.Contains("this state store belongs to HubSpot portal", again.Error, StringComparison.Ordinal);
            var stats = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(refreshed.SalesforceUrl, "/_sandbox/stats")));
            Assert.Equal(0, stats.RootElement.GetProperty("writes").GetInt64());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static Dictionary<string, string> Environment(SandboxHost sandbox) => new(sandbox.WorkerEnvironment)
    {
        ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
    };
}
