using System.Collections.Concurrent;

namespace AbmSync.Sandbox;

/// <summary>What a call does to records, as the stats contract (docs/architecture.md, "The sandboxes") counts it.</summary>
public enum CallKind
{
    /// <summary>Neither reads nor writes records: auth, schema changes, version lists.</summary>
    Other,
    /// <summary>Reads records (a search or batch read is a read even when it is a POST).</summary>
    Read,
    /// <summary>Creates, updates or deletes records.</summary>
    Write,
}

/// <summary>Endpoint metadata telling <see cref="SandboxStats"/> how to count a call.</summary>
public sealed record CallKindMetadata(CallKind Kind);

/// <summary>API call counters of one emulator, served at <c>GET /_sandbox/stats</c>.</summary>
public sealed class SandboxStats
{
    readonly ConcurrentDictionary<string, long> byEndpoint = new(StringComparer.Ordinal);
    long calls, reads, writes, throttled, rowLocks;

    public void Record(string endpoint, CallKind kind)
    {
        Interlocked.Increment(ref calls);
        if (kind == CallKind.Read)
        {
            Interlocked.Increment(ref reads);
        }
        else if (kind == CallKind.Write)
        {
            Interlocked.Increment(ref writes);
        }
        byEndpoint.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
    }

    /// <summary>Counts an answer that refused the caller for its rate or allocation (429, REQUEST_LIMIT_EXCEEDED).</summary>
    public void RecordThrottled() => Interlocked.Increment(ref throttled);

    /// <summary>
    /// Counts a record refused <c>UNABLE_TO_LOCK_ROW</c> because another write in flight held a row it needed. The
    /// injected <c>lock:p</c> fault is not counted: this number is the contention the clients caused themselves.
    /// </summary>
    public void RecordRowLock() => Interlocked.Increment(ref rowLocks);

    public void Reset()
    {
        byEndpoint.Clear();
        Interlocked.Exchange(ref calls, 0);
        Interlocked.Exchange(ref reads, 0);
        Interlocked.Exchange(ref writes, 0);
        Interlocked.Exchange(ref throttled, 0);
        Interlocked.Exchange(ref rowLocks, 0);
    }

    public object Snapshot() => new
    {
        calls = Interlocked.Read(ref calls),
        reads = Interlocked.Read(ref reads),
        writes = Interlocked.Read(ref writes),
        throttled = Interlocked.Read(ref throttled),
        rowLocks = Interlocked.Read(ref rowLocks),
        byEndpoint = new SortedDictionary<string, long>(byEndpoint, StringComparer.Ordinal),
    };
}
