using System.Collections.Concurrent;

namespace AbmSync.Worker.Sync;

/// <summary>One pair's run as a person watching it sees it: what it is doing and how many of its pages are written.</summary>
public sealed record PairProgress(string Pair, string Phase, int PagesDone, int PagesTotal, int Read)
{
    /// <summary>What <see cref="PagesDone"/> counts: a sync's pages written, or a reconcile's steps.</summary>
    public string Unit { get; init; } = "page";
}

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

    /// <summary>A reconcile's step of a pair (read Salesforce, read HubSpot, compare), with the records read so far.</summary>
    public void Step(string pair, string phase, int done, int total, int read) =>
        pairs[pair] = new PairProgress(pair, phase, done, total, read) { Unit = "step" };

    public PairProgress? Of(string pair) => pairs.GetValueOrDefault(pair);
}
