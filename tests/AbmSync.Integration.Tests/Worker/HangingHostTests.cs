using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AbmSync.Integration.Tests.Sync;
using Microsoft.Data.Sqlite;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>A host that accepts connections and never answers: with the default time-outs the run fails within a minute.</summary>
public sealed class HangingHostTests
{
    [Theory]
    [InlineData("Salesforce")]
    [InlineData("HubSpot")]
    public async Task Sync_HostThatNeverAnswers_FailsWithin60sWithOneLineRetries(string system)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(100);
        var accepted = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await listener.AcceptTcpClientAsync(stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var sandbox = await AbmSync.Sandbox.SandboxHost.StartAsync(new AbmSync.Sandbox.SandboxOptions { Accounts = 5, Seed = 3 });
        var hanging = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
            [system == "Salesforce" ? "ABMSYNC__Salesforce__LoginUrl" : "ABMSYNC__HubSpot__BaseUrl"] = hanging,
        };
        var directory = Directory.CreateTempSubdirectory("abmsync-hang-");
        try
        {
            var clock = Stopwatch.StartNew();
            var (exit, output, error) = await CliProcess.RunAsync(environment, directory.FullName, "sync");
            clock.Stop();

            Assert.Equal(1, exit);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(lines, l => l.Contains($"{system} did not answer", StringComparison.Ordinal) && l.StartsWith("failed:", StringComparison.Ordinal));
            var retries = lines.Where(l => l.Contains("; retry ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(retries);
            Assert.All(retries, l => Assert.Matches($@"{system} (GET|POST) /\S+: .*timeout.*; retry \d+ of \d+ in \d+ ms\s*$", l));
            Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", output + error);
            Assert.DoesNotContain("Unhandled exception", output + error, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await acceptLoop;
            accepted.ForEach(c => c.Dispose());
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
