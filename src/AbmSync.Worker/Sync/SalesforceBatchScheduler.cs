namespace AbmSync.Worker.Sync;

/// <summary>
/// Sends a page's Salesforce write batches several at a time, and never two at once whose records share a parent: a
/// child's write locks its parent's row (an account, for its contacts and opportunities), and two batches holding
/// children of one account fail each other with UNABLE_TO_LOCK_ROW. Records are grouped by parent first, so a
/// parent's children fill as few batches as they can, and only those batches wait for each other.
/// </summary>
public static class SalesforceBatchScheduler
{
    /// <summary>The records in batches of <paramref name="batchSize"/>, a parent's children next to each other (records without one last).</summary>
    public static List<T[]> Batches<T>(IEnumerable<T> records, Func<T, string?> parentOf, int batchSize) =>
    [
        .. records.Select((r, i) => (Record: r, Parent: parentOf(r), Order: i))
            .OrderBy(r => r.Parent is null).ThenBy(r => r.Parent, StringComparer.Ordinal).ThenBy(r => r.Order)
            .Select(r => r.Record).Chunk(batchSize),
    ];

    /// <summary>
    /// Runs <paramref name="write"/> for each batch in order, up to <paramref name="inFlight"/> at once; a batch that
    /// shares a parent with one in flight waits for it. The first failure stops new batches; those in flight finish.
    /// </summary>
    public static async Task RunAsync<T>(IReadOnlyList<T[]> batches, Func<T, string?> parentOf, int inFlight,
        Func<T[], CancellationToken, Task> write, CancellationToken ct)
    {
        var running = new List<(Task Task, HashSet<string> Parents)>();
        try
        {
            foreach (var batch in batches)
            {
                var parents = batch.Select(parentOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
                while (running.Count >= inFlight || running.Any(r => r.Parents.Overlaps(parents)))
                {
                    var done = await Task.WhenAny(running.Select(r => r.Task));
                    running.RemoveAll(r => r.Task == done);
                    await done;
                }
                ct.ThrowIfCancellationRequested();
                running.Add((write(batch, ct), parents));
            }
        }
        finally
        {
            // Whatever stopped the loop, no write is left running unobserved.
            await Task.WhenAll(running.Select(r => r.Task.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        await Task.WhenAll(running.Select(r => r.Task));
    }
}
