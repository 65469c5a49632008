using AbmSync.Connectors.HubSpot;
using AbmSync.Core.Mapping;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// Merges on either side. HubSpot merges contacts and companies into a new record with a new id; both old ids read
/// as it, and its <c>hs_merged_object_ids</c> lists what it absorbed. Salesforce deletes a merge's losers with their
/// <c>MasterRecordId</c>. Either way one record survives, the link follows it, and no Salesforce record is left
/// pointing at a merged-away HubSpot id.
/// </summary>
public sealed partial class SyncRunner
{
    /// <summary>A twin id to set (or clear) on a Salesforce record outside this page's plans, after a merge.</summary>
    sealed record TwinIdFix(string SalesforceId, string? HubSpotId);

    /// <summary>A HubSpot record's Salesforce id to set (handed to a merge's master) or clear (its twin was deleted).</summary>
    sealed record SalesforceIdFix(string Key, string HubSpotId, string? SalesforceId);

    /// <summary>
    /// Of the Salesforce records whose HubSpot twins went into one merged record, the one that keeps it: the one the
    /// merged record names (HubSpot keeps the primary's values, our Salesforce id among them), else the first id.
    /// </summary>
    static string MergeWinner(ObjectPair pair, HubSpotObject merged, IEnumerable<string> salesforceIds)
    {
        var candidates = salesforceIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return merged[pair.HubSpotTwinIdProperty] is { } named && candidates.Contains(named, StringComparer.Ordinal) ? named : candidates[0];
    }

    static IEnumerable<string> AbsorbedIds(HubSpotObject merged, string? askedFor) =>
        HubSpotClient.MergedIds(merged).Concat(askedFor is null ? [] : [askedFor]).Where(id => id != merged.Id).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// A HubSpot change without a link of its own that absorbed linked records (a merge's result): it takes over the
    /// link of the merge's winner. HubSpot id → that link.
    /// </summary>
    async Task<Dictionary<string, RecordLink>> MergedHubSpotLinksAsync(RunState run, IEnumerable<Item> unlinked)
    {
        var merged = unlinked.Where(i => i.HubSpot is { } hs && HubSpotClient.MergedIds(hs).Count > 0).ToList();
        var found = new Dictionary<string, RecordLink>(StringComparer.Ordinal);
        if (merged.Count == 0 || !run.Pair.HubSpotMergeable)
        {
            return found;
        }
        var links = await store.GetLinksByHubSpotIdAsync(run.Pair.Name, [.. merged.SelectMany(i => AbsorbedIds(i.HubSpot!, null)).Distinct(StringComparer.Ordinal)]);
        foreach (var item in merged)
        {
            var active = AbsorbedIds(item.HubSpot!, null).Select(links.GetValueOrDefault).OfType<RecordLink>().Where(l => l.Status == LinkStatuses.Active).ToList();
            if (active.Count > 0)
            {
                var winner = MergeWinner(run.Pair, item.HubSpot!, active.Select(l => l.SalesforceId));
                found[item.HubSpotId!] = active.First(l => l.SalesforceId == winner);
            }
        }
        return found;
    }

    /// <summary>
    /// Items whose HubSpot record absorbed ids another record is still linked to: a merge not settled yet. They are
    /// planned even when their values look unchanged (a deal merge keeps the primary's id and values).
    /// </summary>
    async Task<HashSet<string>> UnsettledMergesAsync(RunState run, List<Item> items)
    {
        var unsettled = new HashSet<string>(StringComparer.Ordinal);
        if (!run.Pair.HubSpotMergeable)
        {
            return unsettled;
        }
        var merged = items.Where(i => i.Live && i.HubSpot is { } hs && HubSpotClient.MergedIds(hs).Count > 0).ToList();
        if (merged.Count == 0)
        {
            return unsettled;
        }
        var links = await store.GetLinksByHubSpotIdAsync(run.Pair.Name, [.. merged.SelectMany(i => AbsorbedIds(i.HubSpot!, null)).Distinct(StringComparer.Ordinal)]);
        foreach (var item in merged)
        {
            if (AbsorbedIds(item.HubSpot!, null).Any(id => links.TryGetValue(id, out var l) && l.Status == LinkStatuses.Active && l.SalesforceId != item.SalesforceId))
            {
                unsettled.Add(item.Key);
            }
        }
        return unsettled;
    }

    /// <summary>
    /// Once twins are read: a linked HubSpot twin that answered with another id, or that absorbed other records, was
    /// merged. The winner's link moves to the merged record; every other Salesforce record whose twin went into it
    /// loses its link (a tombstone naming the merged record, so that its children still find their company) and has
    /// its twin id cleared. Nothing is created again for a loser: HubSpot's user said the two are one.
    /// </summary>
    async Task SettleHubSpotMergesAsync(RunState run, List<Item> items, PageWork page)
    {
        var commit = page.Commit;
        var pair = run.Pair;
        if (!pair.HubSpotMergeable)
        {
            return;
        }
        var merged = items.Where(i => i.Live && i.SalesforceId is not null && i.HubSpotId is not null && i.HubSpot is { } hs
            && (hs.Id != i.HubSpotId || HubSpotClient.MergedIds(hs).Count > 0)).ToList();
        if (merged.Count == 0)
        {
            return;
        }
        var links = await store.GetLinksByHubSpotIdAsync(pair.Name,
            [.. merged.SelectMany(i => AbsorbedIds(i.HubSpot!, i.HubSpotId)).Distinct(StringComparer.Ordinal)]);
        var inPage = merged.ToDictionary(i => i.SalesforceId!, StringComparer.Ordinal);
        // Losers of a Salesforce merge in this page are settled already (their twin went into the master's).
        var settled = commit.Merged.Select(m => m.SalesforceId).Concat(commit.MovedLinks.Select(m => m.FromSalesforceId)).ToHashSet(StringComparer.Ordinal);
        foreach (var item in merged)
        {
            var hs = item.HubSpot!;
            var others = AbsorbedIds(hs, item.HubSpotId).Select(links.GetValueOrDefault).OfType<RecordLink>()
                .Where(l => l.Status == LinkStatuses.Active && l.SalesforceId != item.SalesforceId && !settled.Contains(l.SalesforceId)).ToList();
            var winner = MergeWinner(pair, hs, [item.SalesforceId!, .. others.Select(o => o.SalesforceId)]);
            if (winner == item.SalesforceId)
            {
                if (item.HubSpotId != hs.Id)
                {
                    // The plan writes the new twin id to Salesforce with the rest; Record moves the link.
                    item.HubSpotId = hs.Id;
                    run.Merged++;
                }
            }
            else
            {
                Lose(item.SalesforceId!, item);
                if (!inPage.ContainsKey(winner) && settled.Add(winner) && others.FirstOrDefault(o => o.SalesforceId == winner) is { } winnerLink
                    && winnerLink.HubSpotId != hs.Id)
                {
                    commit.Links.Add(winnerLink with { HubSpotId = hs.Id, LinkReason = "hubspot-merge", LinkedAt = time.GetUtcNow() });
                    page.TwinIdFixes.Add(new TwinIdFix(winner, hs.Id));
                    run.Merged++;
                }
            }
            foreach (var other in others.Where(o => o.SalesforceId != winner))
            {
                Lose(other.SalesforceId, inPage.GetValueOrDefault(other.SalesforceId));
            }

            void Lose(string salesforceId, Item? loser)
            {
                if (!settled.Add(salesforceId))
                {
                    return;
                }
                if (loser is not null)
                {
                    loser.Skip = $"its HubSpot twin was merged into {hs.Id}, which stays the twin of {winner}: nothing is created again";
                }
                commit.Merged.Add((salesforceId, LinkStatuses.HubSpotMerged, hs.Id));
                page.TwinIdFixes.Add(new TwinIdFix(salesforceId, null));
                run.CountUnlinked();
            }
        }
    }

    /// <summary>
    /// A Salesforce merge's losers (deleted, with MasterRecordId), before matching: the link goes to the master. A
    /// master without a link takes the loser's; one with a link gets the loser's twin merged into its own
    /// (<c>onMerge: merge-twins</c>, the default) or keeps its own while the loser's twin stays as it is
    /// (<c>onMerge: unlink</c>). A merge already made in HubSpot (a run that stopped before its commit) is found by
    /// both twins answering as one record, and never made twice.
    /// </summary>
    async Task SettleSalesforceMergesAsync(RunState run, List<Item> items, PageWork page, CancellationToken ct)
    {
        var commit = page.Commit;
        var pair = run.Pair;
        var losers = items.Where(i => i.SalesforceDeleted && i.Link is { Status: LinkStatuses.Active } && i.Skip is null
            && i.Salesforce?.GetString(ObjectPair.MasterRecordIdField) is { Length: > 0 }).ToList();
        if (losers.Count == 0)
        {
            return;
        }
        var masterLinks = await store.GetLinksAsync(pair.Name, [.. losers.Select(l => l.Salesforce!.GetString(ObjectPair.MasterRecordIdField)!)]);
        var byId = items.Where(i => i.SalesforceId is not null).GroupBy(i => i.SalesforceId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var loser in losers)
        {
            var masterId = loser.Salesforce!.GetString(ObjectPair.MasterRecordIdField)!;
            var lost = loser.Link!;
            var master = byId.GetValueOrDefault(masterId);
            if (!masterLinks.TryGetValue(masterId, out var masterLink))
            {
                // The master takes the loser's link and twin as they are.
                loser.Skip = $"merged into {masterId} in Salesforce, which takes over its HubSpot twin {lost.HubSpotId}";
                if (run.Request.DryRun)
                {
                    continue;
                }
                var moved = lost with { SalesforceId = masterId, LinkReason = "salesforce-merge" };
                commit.MovedLinks.Add((lost.SalesforceId, masterId));
                masterLinks[masterId] = moved;
                page.TwinIdFixes.Add(new TwinIdFix(masterId, lost.HubSpotId));
                page.SalesforceIdFixes.Add(new SalesforceIdFix(masterId, lost.HubSpotId, masterId));
                run.Merged++;
                if (master is not null)
                {
                    master.Link = moved;
                    master.HubSpotId = lost.HubSpotId;
                    master.HubSpot = null;
                }
                continue;
            }
            if (masterLink.Status != LinkStatuses.Active || pair.Mapping.OnMerge == MergePolicy.Unlink)
            {
                loser.Skip = masterLink.Status != LinkStatuses.Active
                    ? $"merged into {masterId} in Salesforce, whose link has ended ({masterLink.Status}): its HubSpot twin {lost.HubSpotId} is left as it is"
                    : $"merged into {masterId} in Salesforce; onMerge: unlink leaves its HubSpot twin {lost.HubSpotId} as it is";
                commit.Merged.Add((lost.SalesforceId, LinkStatuses.SalesforceMerged, masterLink.CurrentHubSpotId));
                run.CountUnlinked();
                continue;
            }
            if (run.Request.DryRun)
            {
                loser.Skip = $"merged into {masterId} in Salesforce: its HubSpot twin {lost.HubSpotId} would be merged into {masterLink.HubSpotId}";
                continue;
            }
            string survivor;
            try
            {
                survivor = await hubSpotSide.MergeAsync(pair, masterLink.HubSpotId, lost.HubSpotId, ct);
            }
            catch (HubSpotApiException e) when (!e.IsDailyLimit)
            {
                loser.Failure = new RecordFailure(Side.HubSpot, lost.SalesforceId, "MERGE_REFUSED",
                    $"merged into {masterId} in Salesforce, but HubSpot refused to merge {lost.HubSpotId} into {masterLink.HubSpotId}: {e.Message}", []);
                continue;
            }
            loser.Skip = $"merged into {masterId} in Salesforce; its HubSpot twin {lost.HubSpotId} was merged into {masterLink.HubSpotId} (now {survivor})";
            commit.Merged.Add((lost.SalesforceId, LinkStatuses.SalesforceMerged, survivor));
            run.CountUnlinked();
            run.Merged++;
            if (survivor != masterLink.HubSpotId)
            {
                var updated = masterLink with { HubSpotId = survivor, LinkReason = "salesforce-merge", LinkedAt = time.GetUtcNow() };
                masterLinks[masterId] = updated;
                if (master is not null && master.Link is not null)
                {
                    master.Link = updated;
                    master.HubSpotId = survivor;
                    master.HubSpot = null;
                }
                else
                {
                    commit.Links.Add(updated);
                    page.TwinIdFixes.Add(new TwinIdFix(masterId, survivor));
                }
            }
        }
    }

    /// <summary>
    /// Writes the twin ids a merge or delete changed outside this page's plans: set on a merge's winner, cleared on a
    /// loser and on the survivor of a deleted twin. HubSpot records handed to a master get its id; one whose Salesforce
    /// twin was deleted has it cleared.
    /// </summary>
    async Task WriteTwinIdFixesAsync(RunState run, PageWork page, CancellationToken ct)
    {
        var commit = page.Commit;
        var fixes = page.TwinIdFixes;
        var pair = run.Pair;
        var live = fixes.GroupBy(f => f.SalesforceId, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        if (live.Count > 0)
        {
            var updates = live.Select(f => (f.SalesforceId, (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>(StringComparer.Ordinal) { [pair.SalesforceTwinIdField] = f.HubSpotId })).ToList();
            foreach (var outcome in await salesforceSide.UpdateAsync(pair.SalesforceObject, updates, run.Kinds!.Salesforce, ct))
            {
                if (!outcome.Success && outcome.Code != "ENTITY_IS_DELETED")
                {
                    commit.Failures.Add(new RecordFailure(Side.Salesforce, outcome.Key, outcome.Code!, $"its twin id could not be updated after a merge or delete: {outcome.Message}", [pair.SalesforceTwinIdField]));
                }
            }
        }
        if (page.SalesforceIdFixes.Count > 0)
        {
            var writes = page.SalesforceIdFixes.Select(f => (f.Key, f.HubSpotId, (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>(StringComparer.Ordinal) { [pair.HubSpotTwinIdProperty] = f.SalesforceId })).ToList();
            foreach (var outcome in await hubSpotSide.UpdateAsync(pair, writes, ct))
            {
                if (!outcome.Success)
                {
                    commit.Failures.Add(new RecordFailure(Side.HubSpot, outcome.Key, outcome.Code!, $"its Salesforce id could not be updated after a merge or delete: {outcome.Message}", [pair.HubSpotTwinIdProperty]));
                }
            }
        }
    }
}
