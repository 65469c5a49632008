namespace AbmSync.Sandbox.Salesforce;

/// <summary>
/// The org's row locks, held by the writes in flight: a write takes the rows of its records and of their parents for
/// as long as it runs, its simulated latency included, and a write that needs a row another one holds waits for it,
/// up to a limit. Kept apart from the store's gate, which serializes the DML itself for a moment: these are held for
/// a request's whole life, and two writes must be able to hold theirs at once.
/// </summary>
public sealed class RowLocks(TimeProvider clock)
{
    readonly Lock sync = new();
    readonly HashSet<string> held = new(StringComparer.Ordinal);
    // Completed and replaced at every release, so that waiters retry only when a row may have come free.
    TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The rows held now, by any write.</summary>
    public IReadOnlyCollection<string> Held
    {
        get
        {
            lock (sync)
            {
                return [.. held];
            }
        }
    }

    /// <summary>
    /// Takes every row of <paramref name="rows"/> that is free, then waits for the others up to <paramref name="wait"/>
    /// in all. Answers the lease of what it got, which may be less than asked: the caller refuses the records whose
    /// rows it lacks, as the platform fails them one by one. The rows taken are held while it waits for the rest, as a
    /// transaction keeps the rows it has locked.
    /// </summary>
    public async Task<Lease> AcquireAsync(IEnumerable<string> rows, TimeSpan wait, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(rows, StringComparer.Ordinal);
        var lease = new Lease(this);
        var started = clock.GetTimestamp();
        try
        {
            while (true)
            {
                Task changed;
                lock (sync)
                {
                    foreach (var row in wanted)
                    {
                        if (held.Add(row))
                        {
                            lease.Taken.Add(row);
                        }
                    }
                    wanted.ExceptWith(lease.Taken);
                    if (wanted.Count == 0)
                    {
                        return lease;
                    }
                    changed = released.Task;
                }
                var left = wait - clock.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    return lease;
                }
                try
                {
                    await changed.WaitAsync(left, clock, cancellationToken);
                }
                catch (TimeoutException)
                {
                    // One more look: a release may have come at the deadline.
                }
            }
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    void Release(IEnumerable<string> rows)
    {
        TaskCompletionSource signal;
        lock (sync)
        {
            foreach (var row in rows)
            {
                held.Remove(row);
            }
            signal = released;
            released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
    }

    /// <summary>The rows one write holds; disposing releases them.</summary>
    public sealed class Lease : IDisposable
    {
        readonly RowLocks owner;
        int disposed;

        internal Lease(RowLocks owner) => this.owner = owner;

        internal HashSet<string> Taken { get; } = new(StringComparer.Ordinal);

        public bool Holds(string row) => Taken.Contains(row);

        /// <summary>The first of <paramref name="rows"/> this lease does not hold, or null when it holds them all.</summary>
        public string? Missing(IEnumerable<string> rows) => rows.FirstOrDefault(r => !Taken.Contains(r));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0 && Taken.Count > 0)
            {
                owner.Release(Taken);
            }
        }
    }
}
