using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>/healthz and /readyz of the real <c>abmsync run</c> process: open, status alone, ready only while everything answers.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Readyz_IsOkWithEveryCheck_CachesTheApiChecks_ThenFailsNamingTheStoreOnceTheDatabaseIsRemoved_WhileHealthzStaysAlive()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 5, Seed = 5 });
        var directory = Directory.CreateTempSubdirectory("abmsync-health-");
        var port = CliProcess.FreePort();
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Worker__DashboardUrl"] = $"http://127.0.0.1:{port}",
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
        };
        // No scheduled run during the test: the store and the APIs are touched only by the worker's start and the probes.
        DashboardLogins.QuietJobs(environment);
        try
        {
            using var worker = CliProcess.Start(environment, directory.FullName, "run");
            using var http = new HttpClient();
            var ready = new Uri($"http://127.0.0.1:{port}/readyz");
            var alive = new Uri($"http://127.0.0.1:{port}/healthz");

            var (status, body) = await FirstAnswerAsync(http, ready, worker);
            Assert.True(status == HttpStatusCode.OK, body);
            using (var healthy = JsonDocument.Parse(body))
            {
                Assert.Equal("ok", healthy.RootElement.GetProperty("status").GetString());
                var checks = healthy.RootElement.GetProperty("checks");
                Assert.Equal(["hubspot", "jobStorage", "mappings", "salesforce", "stateStore"],
                    checks.EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal).ToArray());
                Assert.All(checks.EnumerateObject(), c => Assert.Equal("ok", c.Value.GetString()));
            }

            // Probes every second must not spend API budget: the credential checks answer from their last call for minutes.
            var salesforceCalls = await CallsAsync(http, sandbox.SalesforceUrl);
            var hubSpotCalls = await CallsAsync(http, sandbox.HubSpotUrl);
            for (var i = 0; i < 3; i++)
            {
                using var again = await http.GetAsync(ready);
                Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            }
            Assert.Equal(salesforceCalls, await CallsAsync(http, sandbox.SalesforceUrl));
            Assert.Equal(hubSpotCalls, await CallsAsync(http, sandbox.HubSpotUrl));

            // The database file (and its WAL) taken away while the worker runs: a pooled connection would still
            // answer from the unlinked file, the probe must not.
            var database = Path.Combine(directory.FullName, "data", "abmsync.db");
            Assert.True(File.Exists(database));
            foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            {
                File.Delete(file);
            }

            using var answer = await http.GetAsync(ready);
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, text);
            using var unhealthy = JsonDocument.Parse(text);
            Assert.Equal("failed", unhealthy.RootElement.GetProperty("status").GetString());
            var failed = unhealthy.RootElement.GetProperty("checks");
            Assert.Equal("failed", failed.GetProperty("stateStore").GetString());
            Assert.Equal("ok", failed.GetProperty("mappings").GetString());
            // Status alone: no reason, path or setting in the open answer.
            Assert.DoesNotContain(directory.FullName, text, StringComparison.Ordinal);
            Assert.DoesNotContain("SQLite", text, StringComparison.OrdinalIgnoreCase);
            // The probe did not make a new, empty database in its place.
            Assert.False(File.Exists(database));
            foreach (var (key, value) in sandbox.WorkerEnvironment)
            {
                if (key.Contains("Secret", StringComparison.OrdinalIgnoreCase) || key.Contains("Token", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.DoesNotContain(value, text, StringComparison.Ordinal);
                }
            }

            // Alive is not ready: the process still answers, and a liveness probe must not restart it for a database outage.
            using var living = await http.GetAsync(alive);
            Assert.Equal(HttpStatusCode.OK, living.StatusCode);
            Assert.Equal("{\"status\":\"ok\"}", await living.Content.ReadAsStringAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static async Task<long> CallsAsync(HttpClient http, Uri emulator)
    {
        using var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(emulator, "/_sandbox/stats")));
        return stats.RootElement.GetProperty("calls").GetInt64();
    }

    /// <summary>The first HTTP answer, whatever its status, once the worker listens.</summary>
    static async Task<(HttpStatusCode Status, string Body)> FirstAnswerAsync(HttpClient http, Uri url, CliProcess worker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                if (worker.Output.Length == 0 && worker.Error.Contains("error", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException("the worker failed to start: " + worker.Error);
                }
                await Task.Delay(300);
            }
        }
    }

}
