using AbmSync.Sandbox;

namespace AbmSync.Bench.Kill;

/// <summary>
/// <c>kill</c>: the kill test at bench size. Two sandboxes of one seed (child processes by default, so that they
/// outlive nothing but the bench); the shared <see cref="KillHarness"/> does the rest.
/// </summary>
public static class KillScenario
{
    public sealed record Settings(int Accounts, int Kills, int Held, int Seed, TimeSpan Latency, bool InProcess, int BulkThreshold, int PageSize,
        string? LogDirectory, bool VerboseWorker);

    public static async Task<int> RunAsync(TextWriter output, Settings settings, CancellationToken ct)
    {
        var options = new SandboxOptions
        {
            Accounts = settings.Accounts,
            Seed = settings.Seed,
            Latency = settings.Latency,
            SalesforceDailyLimit = 10_000_000,
        };
        output.WriteLine($"== kill: {settings.Accounts:N0} accounts, {settings.Kills} kills ({settings.Held} held), seed {settings.Seed}, latency {settings.Latency.TotalMilliseconds:0} ms, pages of {settings.PageSize}");
        output.WriteLine($"   {System.Environment.ProcessorCount} cores, .NET {System.Environment.Version}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
        output.WriteLine($"Seeding two sandboxes with {settings.Accounts:N0} accounts each (seed {settings.Seed})...");
        await using var referenceSandbox = await BenchSandbox.StartAsync(options, settings.InProcess, ct);
        await using var killedSandbox = await BenchSandbox.StartAsync(options, settings.InProcess, ct);
        output.WriteLine($"Sandboxes ready after {referenceSandbox.SeedTime.TotalSeconds:N1} s and {killedSandbox.SeedTime.TotalSeconds:N1} s.");
        using var reference = World("reference", referenceSandbox);
        using var killed = World("killed", killedSandbox);
        var report = await KillHarness.RunAsync(reference, killed, new KillSettings
        {
            Kills = settings.Kills,
            HeldKills = settings.Held,
            Seed = settings.Seed,
            BulkThreshold = settings.BulkThreshold,
            PageSize = settings.PageSize,
            LogDirectory = settings.LogDirectory is { } logs ? Path.GetFullPath(logs) : null,
            VerboseWorker = settings.VerboseWorker,
        }, output, ct);
        return report.Failures.Count == 0 && report.CoverageGaps.Count == 0 ? 0 : 1;
    }

    static KillWorld World(string name, BenchSandbox sandbox) => new(name, sandbox.SalesforceUrl, sandbox.HubSpotUrl,
        sandbox.EnvironmentLines.Where(l => l.Key.StartsWith("ABMSYNC__", StringComparison.Ordinal)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal));
}
