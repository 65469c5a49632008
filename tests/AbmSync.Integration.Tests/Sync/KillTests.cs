using AbmSync.Bench.Kill;
using AbmSync.Sandbox;
using Xunit.Abstractions;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// The bench's kill scenario at CI size, through the same <see cref="KillHarness"/> (the test project references the
/// bench project): SIGKILL the real <c>abmsync sync --object all</c> at seeded moments, resume each time, and the end
/// state must be the world an uninterrupted run makes on a same-seed twin sandbox.
/// </summary>
public class KillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KilledFourTimes_TwiceBetweenWriteAndCheckpoint_OneResumedRunOnBulk_EndsAsTheUninterruptedTwin()
    {
        var options = new SandboxOptions { Accounts = 400, Seed = 11 };
        await using var referenceSandbox = await SandboxHost.StartAsync(options);
        await using var killedSandbox = await SandboxHost.StartAsync(options);
        using var reference = new KillWorld("reference", referenceSandbox.SalesforceUrl, referenceSandbox.HubSpotUrl, referenceSandbox.WorkerEnvironment);
        using var killed = new KillWorld("killed", killedSandbox.SalesforceUrl, killedSandbox.HubSpotUrl, killedSandbox.WorkerEnvironment);
        using var log = new StringWriter();
        KillReport report;
        try
        {
            report = await KillHarness.RunAsync(reference, killed, new KillSettings
            {
                Kills = 4,
                HeldKills = 2,
                Seed = 11,
                // 400 accounts read fewer records than the bench's 500: a lower threshold, so that the bulk run is one.
                BulkThreshold = 100,
                RunTimeout = TimeSpan.FromSeconds(90),
                MappingsDirectory = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
            }, log, CancellationToken.None);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        // The verdict: the same world. Every finding is in the message, with the records' keys and both values.
        Assert.True(report.Failures.Count == 0, string.Join(Environment.NewLine, report.Failures) + Environment.NewLine + log);
        Assert.Equal(0, report.Comparison.Lost);
        Assert.Equal(0, report.Comparison.Duplicated);
        Assert.Equal(0, report.Comparison.Wrong);
        // And the kills were what the test claims: four landed, two of them while a write's answer was withheld.
        Assert.True(report.CoverageGaps.Count == 0, string.Join(Environment.NewLine, report.CoverageGaps) + Environment.NewLine + log);
        Assert.Equal(4, report.KillsLanded);
        Assert.Equal(2, report.HeldLanded);
    }
}
