using AbmSync.Bench;

namespace AbmSync.Bench.Rules;

/// <summary>Options of <c>rules</c>: the world's size and seed, and where its snapshot is cached (default under the temp directory).</summary>
public sealed record RulesOptions(int Accounts, int Contacts, int? Leads, int Seed, string? State);

/// <summary>
/// <c>rules</c>: the production rules from a state-store snapshot to the write plan, ledger included, phase by
/// phase, against the goal of the issue's point "Fast" (under 20 s and under 2 GB at 1M accounts and 10M contacts).
/// </summary>
public static class RulesScenario
{
    public static readonly TimeSpan GoalTime = TimeSpan.FromSeconds(20);
    public const long GoalBytes = 2L * 1024 * 1024 * 1024;

    public static async Task<int> RunAsync(TextWriter output, RulesOptions options, CancellationToken ct)
    {
        var leads = options.Leads ?? Math.Max(1, options.Accounts / 10);
        var directory = options.State ?? RulesSnapshotCache.DefaultDirectory(options.Accounts, options.Contacts, options.Seed);
        var mappings = Path.Combine(AppContext.BaseDirectory, "mappings");
        output.WriteLine($"rules: {options.Accounts:N0} accounts, {options.Contacts:N0} contacts, {leads:N0} leads, seed {options.Seed}; snapshot in {directory}");
        var report = await RulesHarness.RunAsync(new RulesBenchSettings(options.Accounts, options.Contacts, leads, options.Seed, directory, mappings), output, ct);
        output.WriteLine(report.Generated
            ? $"snapshot generated in {report.Generation.TotalSeconds:N1} s (not measured)"
            : "snapshot reused (delete the directory to generate it again)");
        output.WriteLine();
        Print(output, report);
        return report.Failed > 0 ? 1 : 0;
    }

    public static void Print(TextWriter output, RulesReport report)
    {
        var rows = report.Phases.Select(p => (IReadOnlyList<string>)
            [p.Name, Report.N(p.Records), Report.F(p.Elapsed.TotalSeconds, 2) + " s", p.Records == 0 ? "-" : Report.N((long)p.RecordsPerSecond),
                Report.Mb(p.PeakGcHeapBytes), Report.Mb(p.PeakRssBytes)]).ToList();
        rows.Add(["total", Report.N(report.Records), Report.F(report.Total.TotalSeconds, 2) + " s",
            report.Total.TotalSeconds <= 0 ? "-" : Report.N((long)(report.Records / report.Total.TotalSeconds)), Report.Mb(report.PeakGcHeap), Report.Mb(report.PeakRss)]);
        Report.Table(output, ["phase", "records", "seconds", "records/s", "peak GC heap", "peak RSS"], rows);
        var time = report.Total < GoalTime;
        var memory = report.PeakRss < GoalBytes;
        output.WriteLine($"goal: under {GoalTime.TotalSeconds:N0} s and under {Report.Mb(GoalBytes)} peak RSS: time {(time ? "met" : "MISSED")} ({Report.F(report.Total.TotalSeconds, 1)} s), memory {(memory ? "met" : "MISSED")} ({Report.Mb(report.PeakRss)})");
        output.WriteLine($"ledger: {Report.N(report.LedgerAppended)} entries appended, {Report.N(report.LedgerInStore)} counted in the store");
        output.WriteLine($"records decided: {Report.N(report.Records)}, failed: {Report.N(report.Failed)}");
        foreach (var failure in report.Failures)
        {
            output.WriteLine("  failed: " + failure);
        }
        foreach (var line in report.RuleReport)
        {
            output.WriteLine("  " + line);
        }
    }
}
