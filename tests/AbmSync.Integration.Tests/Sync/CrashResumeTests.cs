using AbmSync.Integration.Tests.Worker;
using AbmSync.Sandbox;
using Microsoft.Data.Sqlite;

namespace AbmSync.Integration.Tests.Sync;

public class CrashResumeTests
{
    /// <summary>
    /// A worker killed (SIGKILL, no chance to clean up) in the middle of a run resumes from its last committed page:
    /// every account ends linked to exactly one HubSpot company, none is duplicated, none is lost.
    /// </summary>
    [Fact]
    public async Task KilledMidRun_NextRunResumes_NoRecordLostOrDuplicated()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 1500, Seed = 21, Latency = TimeSpan.FromMilliseconds(40) });
        var directory = Directory.CreateTempSubdirectory("abmsync-crash-");
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment);
        environment["ABMSYNC__Salesforce__QueryBatchSize"] = "200";
        environment["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
        var database = Path.Combine(directory.FullName, "data", "abmsync.db");
        using var http = new HttpClient();
        var companiesBefore = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(sandbox.HubSpotUrl, "/_sandbox/export")))!["companies"]!
            .AsArray().Select(c => (string)c!["id"]!).ToHashSet();
        try
        {
            using (var first = CliProcess.Start(environment, directory.FullName, "sync"))
            {
                var deadline = DateTime.UtcNow.AddSeconds(90);
                while (await CommittedPagesAsync(database) == 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"no page committed in time: {first.Output} {first.Error}");
                    await Task.Delay(50);
                }
                first.Dispose(); // SIGKILL, mid-run
            }
            Assert.Equal("running", await LastRunStatusAsync(database));

            var (exit, output, error) = await CliProcess.RunAsync(environment, directory.FullName, "sync");
            Assert.True(exit == 0, output + error);

            var export = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(sandbox.SalesforceUrl, "/_sandbox/export")))!;
            var included = export["Account"]!.AsArray().Where(a => (string?)a!["Type"] is not ("Partner" or "Competitor")).ToList();
            var companies = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(sandbox.HubSpotUrl, "/_sandbox/export")))!["companies"]!.AsArray();
            var twins = companies.Where(c => c!["properties"]!["abm_salesforce_id"] is not null)
                .GroupBy(c => (string)c!["properties"]!["abm_salesforce_id"]!).ToDictionary(g => g.Key, g => g.Count());
            Assert.All(included, a => Assert.Equal(1, twins.GetValueOrDefault((string)a!["Id"]!)));
            Assert.All(included, a => Assert.NotNull((string?)a!["ABM_HubSpot_Id__c"]));
            Assert.Equal(included.Count, twins.Count);
            // Every company the two runs created is the twin of exactly one account: no orphan from the killed run.
            var created = companies.Where(c => !companiesBefore.Contains((string)c!["id"]!)).ToList();
            Assert.NotEmpty(created);
            Assert.All(created, c => Assert.True(twins.ContainsKey((string?)c!["properties"]!["abm_salesforce_id"] ?? ""), $"company {c!["id"]} has no account"));
            Assert.Equal(created.Count, included.Count(a => !companiesBefore.Contains((string)a!["ABM_HubSpot_Id__c"]!)));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static async Task<long> CommittedPagesAsync(string database)
    {
        if (!File.Exists(database))
        {
            return 0;
        }
        try
        {
            await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sync_cursor";
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (SqliteException)
        {
            return 0; // not migrated yet
        }
    }

    static async Task<string?> LastRunStatusAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status FROM sync_run ORDER BY id DESC LIMIT 1";
        return (string?)await command.ExecuteScalarAsync();
    }
}
