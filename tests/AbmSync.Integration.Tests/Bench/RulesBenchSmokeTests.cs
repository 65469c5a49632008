using AbmSync.Bench.Rules;
using AbmSync.Integration.Tests.Sync;
using Xunit.Abstractions;

namespace AbmSync.Integration.Tests.Bench;

/// <summary>
/// The bench's <c>rules</c> scenario at CI size, through the same <see cref="RulesHarness"/>: the snapshot is
/// generated, every phase runs and decides every record, and the ledger the phases appended is the ledger the store
/// holds. Never a timing assertion: the figures are the bench's, on the bench's machine.
/// </summary>
public sealed class RulesBenchSmokeTests(ITestOutputHelper output) : IDisposable
{
    readonly string directory = Path.Combine(Path.GetTempPath(), "abmsync-rules-smoke-" + Guid.NewGuid().ToString("N"));

    RulesBenchSettings Settings => new(2_000, 20_000, 200, 42, directory, Path.Combine(SyncHarness.RepositoryRoot(), "mappings"))
    {
        Chunk = 3_000,
        LedgerBatch = 500,
    };

    [Fact]
    public async Task SmallBook_EveryPhaseRuns_EveryRecordDecided_LedgerInStoreIsWhatThePhasesAppended()
    {
        using var log = new StringWriter();
        var report = await RulesHarness.RunAsync(Settings, log, CancellationToken.None);
        RulesScenario.Print(log, report);
        output.WriteLine(log.ToString());

        Assert.True(report.Generated);
        Assert.Equal(RulesHarness.PhaseNames, report.Phases.Select(p => p.Name));
        Assert.All(report.Phases, p => Assert.True(p.Records > 0, $"{p.Name} decided no record"));
        Assert.True(report.Failed == 0, string.Join(Environment.NewLine, report.Failures));
        Assert.Equal(2_000 + 20_000 + 200, report.Records);
        Assert.Equal(2_000, report.Phases.Single(p => p.Name == "tier").Records);
        Assert.Equal(2_000, report.Phases.Single(p => p.Name == "route").Records);
        Assert.Equal(20_200, report.Phases.Single(p => p.Name == "people").Records);
        Assert.Equal(22_200, report.Phases.Single(p => p.Name == "ledger").Records);
        // About 1 % of the book changed since the previous run: some entries, far fewer than records.
        Assert.InRange(report.LedgerAppended, 1, report.Records / 10);
        Assert.Equal(report.LedgerAppended, report.LedgerInStore);
        Assert.All(report.Phases, p => Assert.True(p.PeakRssBytes > 0 && p.PeakGcHeapBytes > 0, $"{p.Name}: no memory figure"));
    }

    [Fact]
    public async Task SecondRunOverTheCachedSnapshot_ReusesIt_AndAppendsTheSameLedger()
    {
        var first = await RulesHarness.RunAsync(Settings, TextWriter.Null, CancellationToken.None);
        var second = await RulesHarness.RunAsync(Settings, TextWriter.Null, CancellationToken.None);

        Assert.True(first.Generated);
        Assert.False(second.Generated);
        // The first run's appends were taken back: the second starts from the same snapshot and decides the same.
        Assert.Equal(first.LedgerAppended, second.LedgerAppended);
        Assert.Equal(second.LedgerAppended, second.LedgerInStore);
        Assert.Equal(first.RuleReport, second.RuleReport);
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
