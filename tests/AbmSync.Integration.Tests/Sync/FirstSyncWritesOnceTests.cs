using AbmSync.Worker.Sync;
using Xunit;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Tiers with caps are decided over the whole population after every read and before any write-back: a first sync
/// writes each account once on each side, however the caps move tiers after the last page.
/// </summary>
public sealed class FirstSyncWritesOnceTests
{
    [Fact]
    public async Task A_first_sync_of_all_objects_writes_each_account_once_per_side()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 5000, seed: 42);
        var summaries = await harness.SyncAllAsync();
        var summary = summaries.Single(s => s.Object == ObjectPairs.Accounts);
        var perRecord = summary.Writes.GroupBy(w => (w.System, w.SalesforceId)).Where(g => g.Count() > 1).ToList();
        Assert.True(perRecord.Count == 0,
            $"{perRecord.Count} accounts written more than once, e.g. {string.Join("; ", perRecord.Take(3).Select(g => $"{g.Key}: {string.Join(" | ", g.Select(w => w.Operation + " " + string.Join(",", w.Values.Keys)))}"))}");
        Assert.True(summary.Writes.Count(w => w.System == "Salesforce") > 1000);
    }
}
