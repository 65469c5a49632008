using AbmSync.Core.Mapping;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// <c>reconcile --repair</c>: heals what the mappings allow through the one engine. Records are re-read by id in a
/// sync run of their pair (<see cref="SyncRequest.ReRead"/>) and planned there against their baselines, so every field
/// crosses or is put back by its direction and policy, and missing records are linked or created exactly as a sync
/// would. Orphan links become tombstones; nothing deleted or merged is created again, and nothing is deleted.
/// </summary>
public sealed partial class Reconciler
{
    public Task<RepairOutcome> RepairAsync(IReadOnlyList<string> objects, CancellationToken ct) => RepairAsync(objects, Partition.All, ct);

    /// <summary>A repair of one partition: its findings, healed by a sync run of the same partition (its lease, its cursors).</summary>
    public async Task<RepairOutcome> RepairAsync(IReadOnlyList<string> objects, Partition share, CancellationToken ct)
    {
        var before = await ReportAsync(objects, share, ct);
        var repairs = new List<PairRepair>();
        foreach (var drift in before.Pairs)
        {
            repairs.Add(await RepairPairAsync(drift, share, ct));
        }
        var after = await ReportAsync(objects, share, ct);
        var still = after.Pairs.SelectMany(p => p.Items).Select(i => (i.Object, i.Category, i.Id)).ToHashSet();
        var left = new List<LeftItem>();
        var repaired = DriftCategories.All.ToDictionary(c => c, _ => 0, StringComparer.Ordinal);
        foreach (var drift in before.Pairs)
        {
            var repair = repairs.Single(r => r.Object == drift.Object);
            var failures = (await store.GetDeadLettersAsync(drift.Object, DeadLetterStatuses.Open))
                .Concat(await store.GetDeadLettersAsync(drift.Object, DeadLetterStatuses.Parked))
                .GroupBy(d => d.RecordId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
            foreach (var item in drift.Items)
            {
                if (item.Leave is { } why)
                {
                    left.Add(new LeftItem(item.Object, item.Id, item.Category, why));
                }
                else if (still.Contains((item.Object, item.Category, item.Id)))
                {
                    left.Add(new LeftItem(item.Object, item.Id, item.Category, WhyStill(item, repair, failures)));
                }
                else
                {
                    repaired[item.Category]++;
                }
            }
        }
        // Tombstones as they stand after the repair, orphans it just ended included: their surviving records stay as they are.
        left.AddRange(after.Pairs.SelectMany(p => p.Tombstoned));
        return new RepairOutcome(before, repairs, after, left) { Repaired = repaired };
    }

    async Task<PairRepair> RepairPairAsync(PairDrift drift, Partition share, CancellationToken ct)
    {
        var pair = ObjectPairs.For(drift.Object, configuration);
        var acting = drift.Items.Where(i => i.Leave is null).ToList();

        var tombstones = acting.Where(i => i.Category == DriftCategories.OrphanLink).Select(i => (i.SalesforceId!, i.Tombstone!)).ToList();
        var tombstoned = (await store.TombstoneLinksAsync(pair.Name, tombstones)).Count;

        var reRead = acting.Where(i => i.Category != DriftCategories.OrphanLink)
            .Select(i => i.SalesforceId ?? HubSpotKey.For(i.HubSpotId!)).Distinct(StringComparer.Ordinal).ToList();
        SyncSummary? run = null;
        if (reRead.Count > 0)
        {
            // An ordinary run of the pair, incremental from its cursors, with these records read again whatever the
            // cursors say: it takes the pair's lease, so it never races a scheduled sync, and the run log has it.
            run = await runner.RunAsync(pair, new SyncRequest(Object: pair.Name) { ReRead = reRead, Partition = share }, ct);
        }
        return new PairRepair(pair.Name, reRead.Count, tombstoned, run);
    }

    static string WhyStill(DriftItem item, PairRepair repair, Dictionary<string, DeadLetter> failures)
    {
        if (repair.Run is { Status: not "succeeded" } run)
        {
            return $"the repair run {run.Status}{(run.Message is { } m ? $": {m}" : "")}";
        }
        var key = item.SalesforceId ?? (item.HubSpotId is { } hs ? HubSpotKey.For(hs) : null);
        if (key is not null && failures.TryGetValue(key, out var failure))
        {
            return $"{failure.Code}: {failure.Message}";
        }
        return item.Category switch
        {
            DriftCategories.FieldDrift or DriftCategories.OwnerMismatch =>
                $"the sync planned it and wrote nothing for {string.Join(", ", item.Fields)} (a value it cannot carry, or a disagreement it holds); `abmsync plan --object {item.Object}` shows why",
            DriftCategories.OrphanLink => "another run changed the link meanwhile",
            _ => $"the sync read it again and did not link or create it; `abmsync plan --object {item.Object}` shows why",
        };
    }
}
