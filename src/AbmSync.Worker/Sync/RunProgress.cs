using System.Collections.Concurrent;

namespace AbmSync.Worker.Sync;

/// <summary>One pair's run as a person watching it sees it: what it is doing and how many of its pages are written.</summary>
public sealed record PairProgress(string Pair, string Phase, int PagesDone, int PagesTotal, int Read);

/// <summary>
/// Where the runs of this process stand, for the CLI's progress bars. The runner reports to it; nothing reads it but a
/// display, so a run never waits for it.
/// </summary>
public sealed class RunProgress
{
    readonly ConcurrentDictionary<string, PairProgress> pairs = new(StringComparer.Ordinal);

    public void Phase(string pair, string phase) =>
        pairs.AddOrUpdate(pair, p => new PairProgress(p, phase, 0, 0, 0), (_, p) => p with { Phase = phase });

    public void Pages(string pair, int done, int total, int read) =>
        pairs.AddOrUpdate(pair, p => new PairProgress(p, "writing", done, total, read), (_, p) => p with { Phase = "writing", PagesDone = done, PagesTotal = total, Read = read });

    public PairProgress? Of(string pair) => pairs.GetValueOrDefault(pair);
}
