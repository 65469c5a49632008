using System.Diagnostics;
using System.Globalization;

namespace AbmSync.Bench.Rules;

/// <summary>One measured phase: records decided, wall time, and the peaks of the GC heap and of the process's resident set.</summary>
public sealed record PhaseResult(string Name, long Records, TimeSpan Elapsed, long PeakGcHeapBytes, long PeakRssBytes)
{
    public double RecordsPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : Records / Elapsed.TotalSeconds;
}

/// <summary>
/// Times phases that may take turns (the people are streamed in chunks, each chunk going through every phase) and
/// keeps each one's memory peaks: the process's peak RSS (VmHWM) is reset when a phase starts, by writing 5 to
/// /proc/self/clear_refs, and read when it ends; the GC heap is sampled in between. Linux only for the RSS; elsewhere
/// the resident set is sampled too.
/// </summary>
public sealed class PhaseMeter : IDisposable
{
    sealed class Totals(string name)
    {
        public string Name { get; } = name;
        public long Records;
        public long Ticks;
        public long PeakGc;
        public long PeakRss;
    }

    readonly List<Totals> order = [];
    readonly Dictionary<string, Totals> byName = new(StringComparer.Ordinal);
    readonly Thread sampler;
    volatile bool stopping;
    Totals? current;
    long started;
    readonly Lock gate = new();

    public PhaseMeter()
    {
        sampler = new Thread(Sample) { IsBackground = true, Name = "phase-meter" };
        sampler.Start();
    }

    /// <summary>Starts (or resumes) a phase; the one running ends first.</summary>
    public void Begin(string name)
    {
        End();
        if (!byName.TryGetValue(name, out var totals))
        {
            byName[name] = totals = new Totals(name);
            order.Add(totals);
        }
        ResetPeakRss();
        lock (gate)
        {
            current = totals;
        }
        started = Stopwatch.GetTimestamp();
    }

    public void Count(long records)
    {
        if (current is { } c)
        {
            c.Records += records;
        }
    }

    /// <summary>Adds records to a phase without running it (a phase that decides over records another one read).</summary>
    public void Count(string name, long records) => byName[name].Records += records;

    public void End()
    {
        if (current is not { } c)
        {
            return;
        }
        c.Ticks += Stopwatch.GetTimestamp() - started;
        lock (gate)
        {
            c.PeakGc = Math.Max(c.PeakGc, GC.GetTotalMemory(false));
            c.PeakRss = Math.Max(c.PeakRss, Math.Max(ReadStatus("VmHWM:"), ReadStatus("VmRSS:")));
            current = null;
        }
    }

    public IReadOnlyList<PhaseResult> Results() =>
        [.. order.Select(t => new PhaseResult(t.Name, t.Records, Stopwatch.GetElapsedTime(0, t.Ticks), t.PeakGc, t.PeakRss))];

    void Sample()
    {
        while (!stopping)
        {
            var gc = GC.GetTotalMemory(false);
            var rss = ReadStatus("VmRSS:");
            lock (gate)
            {
                if (current is { } c)
                {
                    c.PeakGc = Math.Max(c.PeakGc, gc);
                    c.PeakRss = Math.Max(c.PeakRss, rss);
                }
            }
            Thread.Sleep(20);
        }
    }

    static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the sampled VmRSS still gives each phase its own peak, only coarser.
        }
    }

    /// <summary>A size line of /proc/self/status ("VmHWM:   123456 kB") in bytes; 0 where there is none.</summary>
    public static long ReadStatus(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var digits = line[key.Length..].Trim().Split(' ')[0];
                    return long.Parse(digits, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return Environment.OSVersion.Platform == PlatformID.Unix ? 0 : Environment.WorkingSet;
    }

    public void Dispose()
    {
        End();
        stopping = true;
        sampler.Join();
    }
}
