using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Salesforce write batches in flight: several at once, never two whose records share a parent (the parent's row
/// lock), a parent's children packed into as few batches as they fill.
/// </summary>
public class SalesforceBatchSchedulerTests
{
    sealed record Child(string Id, string? Account);

    [Fact]
    public void Batches_PutAParentsChildrenTogether_AndRecordsWithoutAParentLast()
    {
        // Six accounts' children interleaved, as a page of contacts ordered by SystemModstamp comes.
        var children = Enumerable.Range(0, 60).Select(i => new Child($"003{i:D3}", i % 7 == 6 ? null : $"001{i % 7}")).ToList();

        var batches = SalesforceBatchScheduler.Batches(children, c => c.Account, 10);

        Assert.Equal(6, batches.Count);
        Assert.Equal(children.Select(c => c.Id).Order(), batches.SelectMany(b => b).Select(c => c.Id).Order());
        // Each account's children sit in one batch or in neighbouring ones, so only neighbours ever wait for each other.
        var batchesOf = batches.SelectMany((b, i) => b.Select(c => (c.Account, Batch: i))).Where(x => x.Account is not null)
            .GroupBy(x => x.Account).Select(g => g.Select(x => x.Batch).Distinct().Order().ToList()).ToList();
        Assert.All(batchesOf, b => Assert.Equal(b.Count - 1, b[^1] - b[0]));
        Assert.Equal(children.Count(c => c.Account is null), batches[^1].Count(c => c.Account is null));
    }

    [Fact]
    public async Task RunAsync_KeepsUpToTheLimitInFlight_AndNeverTwoBatchesWithOneParent()
    {
        // Accounts A and B have 30 children each (two batches of 20 apiece share a parent); 40 children have no account.
        var children = Enumerable.Range(0, 30).Select(i => new Child($"A{i}", "001A"))
            .Concat(Enumerable.Range(0, 30).Select(i => new Child($"B{i}", "001B")))
            .Concat(Enumerable.Range(0, 40).Select(i => new Child($"N{i}", null))).ToList();
        var batches = SalesforceBatchScheduler.Batches(children, c => c.Account, 20);
        var inFlight = new List<HashSet<string>>();
        var peak = 0;
        var overlaps = 0;
        var written = new List<string>();

        await SalesforceBatchScheduler.RunAsync(batches, c => c.Account, 3, async (batch, ct) =>
        {
            var parents = batch.Select(c => c.Account).OfType<string>().ToHashSet();
            lock (inFlight)
            {
                overlaps += inFlight.Count(p => p.Overlaps(parents));
                inFlight.Add(parents);
                peak = Math.Max(peak, inFlight.Count);
            }
            await Task.Delay(30, ct);
            lock (inFlight)
            {
                inFlight.Remove(parents);
                written.AddRange(batch.Select(c => c.Id));
            }
        }, CancellationToken.None);

        Assert.Equal(0, overlaps);
        Assert.Equal(3, peak);
        Assert.Equal(children.Count, written.Distinct().Count());
    }

    [Fact]
    public async Task RunAsync_AFailedBatch_StopsNewOnes_AndSurfacesItsError()
    {
        var children = Enumerable.Range(0, 100).Select(i => new Child($"003{i:D3}", null)).ToList();
        var batches = SalesforceBatchScheduler.Batches(children, c => c.Account, 10);
        var started = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SalesforceBatchScheduler.RunAsync(batches, c => c.Account, 2, async (batch, ct) =>
        {
            var n = Interlocked.Increment(ref started);
            await Task.Delay(20, ct);
            if (n == 2)
            {
                throw new InvalidOperationException("the org refused the call");
            }
        }, CancellationToken.None));

        Assert.Equal("the org refused the call", error.Message);
        Assert.InRange(started, 2, 4);
    }
}
