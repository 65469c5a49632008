namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// The chunks of one batch call sent several at a time (<see cref="HubSpotOptions.BatchesInFlight"/>): the limiter
/// still spaces them inside the ten-second window, and the answers are put back in the order of the chunks.
/// </summary>
static class InFlight
{
    public static async Task<TResult[]> SelectAsync<T, TResult>(IReadOnlyList<T> chunks, int inFlight, Func<T, CancellationToken, Task<TResult>> send, CancellationToken ct)
    {
        var results = new TResult[chunks.Count];
        if (chunks.Count == 1)
        {
            results[0] = await send(chunks[0], ct);
            return results;
        }
        await Parallel.ForEachAsync(Enumerable.Range(0, chunks.Count), new ParallelOptions { MaxDegreeOfParallelism = inFlight, CancellationToken = ct },
            async (i, token) => results[i] = await send(chunks[i], token));
        return results;
    }
}
