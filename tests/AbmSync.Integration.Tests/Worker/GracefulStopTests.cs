using System.Diagnostics;
using AbmSync.Bench;
using AbmSync.Bench.Kill;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;
using Microsoft.Data.Sqlite;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// SIGTERM mid-page to the real <c>abmsync sync</c>: the page being written finishes and commits, the process exits
/// within 30 seconds, and the resumed run makes the world an uninterrupted run makes, without writing anything twice.
/// </summary>
public sealed class GracefulStopTests
{
    [Fact]
    public async Task SigtermWhileAWriteIsInFlight_FinishesAndCommitsThePage_ExitsWithin30s_ResumeEndsAsTheUninterruptedTwin_NoWriteRepeated()
    {
        var options = new SandboxOptions { Accounts = 1000, Seed = 13 };
        await using var referenceSandbox = await SandboxHost.StartAsync(options);
        await using var stoppedSandbox = await SandboxHost.StartAsync(options);
        using var reference = new KillWorld("reference", referenceSandbox.SalesforceUrl, referenceSandbox.HubSpotUrl, referenceSandbox.WorkerEnvironment);
        using var stopped = new KillWorld("stopped", stoppedSandbox.SalesforceUrl, stoppedSandbox.HubSpotUrl, stoppedSandbox.WorkerEnvironment);
        var seededReference = SeededIds.From(await WorldExport.TakeAsync(reference, CancellationToken.None));
        var seededStopped = SeededIds.From(await WorldExport.TakeAsync(stopped, CancellationToken.None));
        var root = Directory.CreateTempSubdirectory("abmsync-sigterm-");
        try
        {
            // The uninterrupted twin.
            var referenceDirectory = root.CreateSubdirectory("reference").FullName;
            await reference.ResetStatsAsync(CancellationToken.None);
            var (referenceExit, _, referenceError) = await CliProcess.RunAsync(Environment(reference), referenceDirectory, "sync", "--object", "accounts");
            Assert.True(referenceExit == 0, referenceError);
            var referenceWrites = (await reference.BothStatsAsync(CancellationToken.None)).Writes;

            // The stopped one: the third HubSpot write's answer is held, and SIGTERM arrives while it is.
            var stoppedDirectory = root.CreateSubdirectory("stopped").FullName;
            await stopped.ResetStatsAsync(CancellationToken.None);
            await stopped.ArmHoldAsync(Api.HubSpot, 3, CancellationToken.None);
            using var worker = CliProcess.Start(Environment(stopped), stoppedDirectory, "sync", "--object", "accounts");
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (!(await stopped.HoldAsync(Api.HubSpot, CancellationToken.None)).Held)
            {
                Assert.True(DateTime.UtcNow < deadline && !worker.HasExited, "the hold never caught a write: " + worker.Error);
                await Task.Delay(20);
            }
            var signalled = Stopwatch.StartNew();
            worker.Terminate();
            // The write is still in flight when the stop arrives; then HubSpot answers, as it would.
            await Task.Delay(TimeSpan.FromSeconds(2));
            await stopped.DisarmHoldAsync(Api.HubSpot, CancellationToken.None);
            var exit = await worker.WaitAsync(TimeSpan.FromSeconds(30));
            signalled.Stop();
            Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(30), $"exited {signalled.Elapsed} after SIGTERM");
            Assert.Equal(1, exit);
            Assert.Contains("stopped", worker.Error, StringComparison.Ordinal);
            var stoppedWrites = (await stopped.BothStatsAsync(CancellationToken.None)).Writes;

            // The run recorded how it ended, and the held page was committed with its writes: the run wrote something.
            var (status, hubSpotWritten) = LastRun(stoppedDirectory);
            Assert.Equal("stopped", status);
            Assert.True(hubSpotWritten > 0, "the page in flight when the stop came was not committed");

            await stopped.ResetStatsAsync(CancellationToken.None);
            var (resumeExit, _, resumeError) = await CliProcess.RunAsync(Environment(stopped), stoppedDirectory, "sync", "--object", "accounts");
            Assert.True(resumeExit == 0, resumeError);
            var resumedWrites = (await stopped.BothStatsAsync(CancellationToken.None)).Writes;

            var comparison = WorldComparison.Compare(
                WorldCanon.Canonicalise(await WorldExport.TakeAsync(reference, CancellationToken.None), seededReference),
                WorldCanon.Canonicalise(await WorldExport.TakeAsync(stopped, CancellationToken.None), seededStopped));
            using var differences = new StringWriter();
            comparison.Print(differences);
            Assert.True(comparison.Equal, differences.ToString());
            // Nothing the stopped run committed was written again by the resume: together they wrote the records the twin
            // wrote, each once (their write calls may be more: the resume's pages batch differently).
            Assert.Equal(RecordsWritten(referenceDirectory), RecordsWritten(stoppedDirectory));
            Assert.True(stoppedWrites + resumedWrites >= referenceWrites);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            root.Delete(recursive: true);
        }
    }

    static Dictionary<string, string> Environment(KillWorld world) => new(world.WorkerEnvironment, StringComparer.Ordinal)
    {
        ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
        // Small pages, so that a run has many and the stop falls between two of them.
        ["ABMSYNC__Salesforce__QueryBatchSize"] = "200",
    };

    static long RecordsWritten(string directory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "data", "abmsync.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT SUM(hubspot_records_written + salesforce_records_written) FROM sync_run WHERE object = 'accounts'";
        return (long)command.ExecuteScalar()!;
    }

    static (string Status, long HubSpotWritten) LastRun(string directory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "data", "abmsync.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, hubspot_records_written FROM sync_run WHERE object = 'accounts' ORDER BY id DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return (reader.GetString(0), reader.GetInt64(1));
    }
}
