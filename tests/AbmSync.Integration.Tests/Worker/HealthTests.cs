using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>/healthz of the real <c>abmsync run</c> process: healthy only while the state store answers.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_IsOkWithItsChecks_ThenUnhealthyOnceTheStateDatabaseIsRemovedUnderTheWorker()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 5, Seed = 5 });
        var directory = Directory.CreateTempSubdirectory("abmsync-health-");
        var port = FreePort();
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Worker__DashboardUrl"] = $"http://127.0.0.1:{port}",
            // No scheduled run during the test: the store is touched only by the worker's start and the probe.
            ["ABMSYNC__Worker__SyncAccountsCron"] = "0 0 1 1 *",
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
        };
        try
        {
            using var worker = CliProcess.Start(environment, directory.FullName, "run");
            using var http = new HttpClient();
            var url = new Uri($"http://127.0.0.1:{port}/healthz");

            var (status, body) = await FirstAnswerAsync(http, url, worker);
            Assert.True(status == HttpStatusCode.OK, body);
            using (var healthy = JsonDocument.Parse(body))
            {
                Assert.Equal("ok", healthy.RootElement.GetProperty("status").GetString());
                var checks = healthy.RootElement.GetProperty("checks");
                Assert.Equal("ok", checks.GetProperty("stateStore").GetString());
                Assert.Equal("ok", checks.GetProperty("mappings").GetString());
            }

            // The database file (and its WAL) taken away while the worker runs: a pooled connection would still
            // answer from the unlinked file, the probe must not.
            var database = Path.Combine(directory.FullName, "data", "abmsync.db");
            Assert.True(File.Exists(database));
            foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            {
                File.Delete(file);
            }

            using var answer = await http.GetAsync(url);
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, text);
            using var unhealthy = JsonDocument.Parse(text);
            Assert.Equal("unhealthy", unhealthy.RootElement.GetProperty("status").GetString());
            var failed = unhealthy.RootElement.GetProperty("checks");
            Assert.StartsWith("failed: state store (SQLite) cannot be used", failed.GetProperty("stateStore").GetString(), StringComparison.Ordinal);
            Assert.Equal("ok", failed.GetProperty("mappings").GetString());
            // The probe did not make a new, empty database in its place.
            Assert.False(File.Exists(database));
            foreach (var (key, value) in sandbox.WorkerEnvironment)
            {
                if (key.Contains("Secret", StringComparison.OrdinalIgnoreCase) || key.Contains("Token", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.DoesNotContain(value, text, StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
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

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
