using System.Diagnostics;
using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AbmSync.Bench;

/// <summary>What the connector's own counter saw during a step; compared with the sandbox's, key for key.</summary>
public sealed record ConnectorCounts(long Calls, long Throttled, IReadOnlyDictionary<string, long> ByEndpoint);

/// <summary>One measured step: records moved, calls counted by the sandbox and by the connector, time and memory.</summary>
public sealed record StepResult(
    string Name,
    long Records,
    long LowerBound,
    SandboxStatsSnapshot Sandbox,
    ConnectorCounts Connector,
    TimeSpan Elapsed,
    long PeakBenchBytes,
    long? PeakSandboxBytes,
    string Note)
{
    public double CallsPer(long perRecords) => Records == 0 ? 0 : Sandbox.Calls * (double)perRecords / Records;

    public double RecordsPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : Records / Elapsed.TotalSeconds;
}

/// <summary>Both connectors in one small host, configured for a sandbox the way the worker is.</summary>
public static class ConnectorHost
{
    public static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken ct)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSalesforceConnector();
        builder.Services.AddHubSpotConnector();
        var host = builder.Build();
        // Starting the host runs the options' ValidateOnStart checks before anything is measured.
        await host.StartAsync(ct);
        return host;
    }

    public static Func<ConnectorCounts> SalesforceCounts(IServiceProvider services)
    {
        var counter = services.GetRequiredService<SalesforceCallCounter>();
        return () =>
        {
            var s = counter.Snapshot();
            return new ConnectorCounts(s.Calls, s.Throttled, s.ByEndpoint);
        };
    }

    public static Func<ConnectorCounts> HubSpotCounts(IServiceProvider services)
    {
        var counter = services.GetRequiredService<HubSpotCallCounter>();
        return () =>
        {
            var s = counter.Snapshot();
            return new ConnectorCounts(s.Calls, s.Throttled, s.ByEndpoint);
        };
    }
}

public static class Measure
{
    /// <summary>
    /// Zeroes the sandbox's counters and the connector's, runs <paramref name="body"/> (which answers the number of
    /// records it moved and a note), and reads both counters back.
    /// </summary>
    public static async Task<StepResult> StepAsync(BenchSandbox sandbox, Api api, string name, long lowerBound,
        Action resetConnector, Func<ConnectorCounts> connectorCounts, Func<Task<(long Records, string Note)>> body, CancellationToken ct)
    {
        await sandbox.ResetStatsAsync(ct);
        resetConnector();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var clock = Stopwatch.StartNew();
        (long Records, string Note) outcome;
        long peakBench, peakSandbox;
        var sampler = new MemorySampler(sandbox);
        try
        {
            outcome = await body();
            clock.Stop();
        }
        finally
        {
            await sampler.DisposeAsync();
        }
        peakBench = sampler.PeakBench;
        peakSandbox = sampler.PeakSandbox;
        var stats = await sandbox.StatsAsync(api, ct);
        return new StepResult(name, outcome.Records, lowerBound, stats, connectorCounts(), clock.Elapsed, peakBench,
            sandbox.IsChildProcess ? peakSandbox : null, outcome.Note);
    }

    public static long Ceiling(long records, long perCall) => (records + perCall - 1) / perCall;
}

/// <summary>Plain-text tables for the console and for pasting into bench/README.md.</summary>
public static class Report
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string N(long value) => value.ToString("N0", Invariant);

    public static string F(double value, int decimals = 1) => value.ToString("N" + decimals.ToString(Invariant), Invariant);

    public static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("N0", Invariant) + " MB";

    public static void Table(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int textColumns = 1)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        output.WriteLine("| " + string.Join(" | ", headers.Select((h, i) => h.PadRight(widths[i]))) + " |");
        output.WriteLine("|" + string.Join("|", widths.Select((w, i) => i < textColumns ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var row in all)
        {
            output.WriteLine("| " + string.Join(" | ", row.Select((c, i) => i < textColumns ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |");
        }
        output.WriteLine();
    }

    /// <summary>The figures of each step, calls normalised per <paramref name="perRecords"/> records.</summary>
    public static void Steps(TextWriter output, IReadOnlyList<StepResult> steps, long perRecords, bool memory)
    {
        var headers = new List<string> { "step", "records", "calls (sandbox)", "calls (connector)", "lower bound", $"calls per {N(perRecords)}", "429s", "wall time", "records/s" };
        if (memory)
        {
            headers.Add("peak RSS bench");
            headers.Add("peak RSS sandbox");
        }
        Table(output, headers, steps.Select(s =>
        {
            var row = new List<string>
            {
                s.Name, N(s.Records), N(s.Sandbox.Calls), N(s.Connector.Calls), N(s.LowerBound), s.Records == 0 ? "-" : F(s.CallsPer(perRecords)),
                N(s.Sandbox.Throttled), F(s.Elapsed.TotalSeconds, 2) + " s", s.Records == 0 ? "-" : N((long)s.RecordsPerSecond),
            };
            if (memory)
            {
                row.Add(Mb(s.PeakBenchBytes));
                row.Add(s.PeakSandboxBytes is { } p ? Mb(p) : "in process");
            }
            return (IReadOnlyList<string>)row;
        }));
        if (memory && steps.Any(s => s.PeakSandboxBytes is null))
        {
            output.WriteLine("  The sandbox runs in process: the bench's RSS includes the emulators and their seeded world.");
        }
        foreach (var s in steps.Where(s => s.Note.Length > 0))
        {
            output.WriteLine($"  {s.Name}: {s.Note}");
        }
        output.WriteLine();
    }

    /// <summary>The sandbox's byEndpoint counts of each step, beside the connector's own count of the same key.</summary>
    public static void Endpoints(TextWriter output, IReadOnlyList<StepResult> steps)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var s in steps)
        {
            var keys = s.Sandbox.ByEndpoint.Keys.Union(s.Connector.ByEndpoint.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                var sandbox = s.Sandbox.ByEndpoint.GetValueOrDefault(key);
                var connector = s.Connector.ByEndpoint.GetValueOrDefault(key);
                rows.Add([s.Name, key, N(sandbox), N(connector), sandbox == connector ? "yes" : "NO"]);
            }
        }
        output.WriteLine("GET /_sandbox/stats byEndpoint, per step (reset before each step):");
        output.WriteLine();
        Table(output, ["step", "endpoint", "sandbox", "connector", "agree"], rows, textColumns: 2);
    }
}
