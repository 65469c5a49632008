using AbmSync.Connectors.HubSpot;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// A pair's link set (an opportunity's contact roles ↔ a deal's contacts), once the page's records are written:
/// both sides read for the page's linked pairs, merged against the baseline in <see cref="LinkSetPlanner"/>, and the
/// difference written as child records in Salesforce and associations in HubSpot. Only records linked in the link
/// set's pair take part: a contact not synced is never added to, or removed from, the other side.
/// </summary>
public sealed partial class SyncRunner
{
    /// <summary>
    /// Parents whose link set changed in Salesforce since the cursor (a role's own SystemModstamp moves, not the
    /// opportunity's) are read again and never skipped as unchanged. HubSpot association changes leave a deal's
    /// modification time alone: they cross when the deal or the opportunity next changes, and with every full run.
    /// </summary>
    async Task ReadLinkSetChangesAsync(RunState run, SyncCursor cursor, CancellationToken ct)
    {
        if (run.Pair.LinkSet is not { } set)
        {
            return;
        }
        var changed = await salesforceSide.LinkSetChangedSinceAsync(set, cursor.ModifiedAt - options.Value.CursorOverlap, ct);
        run.LinkSetChanged.UnionWith(changed);
        var read = run.SalesforcePages.SelectMany(p => p.Items).Select(i => i.SalesforceId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missing = changed.Where(id => !read.Contains(id) && run.Request.Partition.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            var records = await salesforceSide.ReadByIdsAsync(run.Pair, missing, ct);
            AddSalesforcePage(run, [.. records.Values], cursor: null);
        }
    }

    async Task SyncLinkSetsAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        var pair = run.Pair;
        if (pair.LinkSet is not { } set)
        {
            return;
        }
        var linked = items.Where(i => i.Live && i.Plan is not null && i.Failure is null && i.SalesforceFailure is null
            && i.SalesforceId is not null && i.HubSpotId is not null && !i.SalesforceDeleted && !i.HubSpotDeleted
            && i.Plan.Link.Kind is LinkActionKind.None or LinkActionKind.CreateInHubSpot or LinkActionKind.CreateInSalesforce).ToList();
        if (linked.Count == 0)
        {
            return;
        }
        var rows = await salesforceSide.ReadLinkSetAsync(set, [.. linked.Select(i => i.SalesforceId!)], ct);
        var associated = await hubSpotSide.ReadAssociatedAsync(pair, set.HubSpotObject, [.. linked.Select(i => i.HubSpotId!)], ct);
        var bySalesforce = (await store.GetLinksAsync(set.LinkPair, [.. rows.Select(r => r.GetString(set.ChildField)).OfType<string>().Distinct(StringComparer.Ordinal)]))
            .Where(l => l.Value.Status == LinkStatuses.Active).ToDictionary(l => l.Key, l => l.Value.HubSpotId, StringComparer.Ordinal);
        var byHubSpot = (await store.GetLinksByHubSpotIdAsync(set.LinkPair, [.. associated.Values.SelectMany(a => a).Distinct(StringComparer.Ordinal)]))
            .Where(l => l.Value.Status == LinkStatuses.Active).ToDictionary(l => l.Key, l => l.Value.SalesforceId, StringComparer.Ordinal);
        var twinOf = new Dictionary<string, string>(bySalesforce, StringComparer.Ordinal);
        foreach (var (hubSpotId, salesforceId) in byHubSpot)
        {
            twinOf.TryAdd(salesforceId, hubSpotId);
        }

        var creates = new List<(Item Item, string Parent, string Child)>();
        var deletes = new List<(Item Item, string RowId)>();
        var adds = new List<(Item Item, HubSpotAssociationPair Pair)>();
        var removes = new List<(Item Item, HubSpotAssociationPair Pair)>();
        foreach (var item in linked)
        {
            var own = rows.Where(r => r.GetString(set.ParentField) == item.SalesforceId && r.GetString(set.ChildField) is { } c && bySalesforce.ContainsKey(c)).ToList();
            var salesforceSet = own.Select(r => r.GetString(set.ChildField)!).ToHashSet(StringComparer.Ordinal);
            var hubSpotSet = associated.GetValueOrDefault(item.HubSpotId!)?.Where(byHubSpot.ContainsKey).Select(h => byHubSpot[h]).ToHashSet(StringComparer.Ordinal) ?? [];
            var baseline = item.Baselines?.Salesforce.TryGetValue(set.BaselineKey, out var stored) == true ? LinkSetPlanner.Parse(stored) : null;
            var plan = LinkSetPlanner.Plan(salesforceSet, hubSpotSet, baseline);
            item.LinkSetBaseline = LinkSetPlanner.Format(plan.Result);
            if (plan.IsEmpty)
            {
                continue;
            }
            creates.AddRange(plan.AddInSalesforce.Select(c => (item, item.SalesforceId!, c)));
            deletes.AddRange(own.Where(r => plan.RemoveInSalesforce.Contains(r.GetString(set.ChildField)!)).Select(r => (item, r.Id!)));
            adds.AddRange(plan.AddInHubSpot.Select(c => (item, new HubSpotAssociationPair(item.HubSpotId!, twinOf[c]))));
            removes.AddRange(plan.RemoveInHubSpot.Select(c => (item, new HubSpotAssociationPair(item.HubSpotId!, twinOf[c]))));
            run.AddWrite(new PlannedWrite("both", set.Name, item.SalesforceId!, item.HubSpotId, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["add in Salesforce"] = string.Join(' ', plan.AddInSalesforce),
                ["remove in Salesforce"] = string.Join(' ', plan.RemoveInSalesforce),
                ["add in HubSpot"] = string.Join(' ', plan.AddInHubSpot),
                ["remove in HubSpot"] = string.Join(' ', plan.RemoveInHubSpot),
            }));
        }
        if (run.Request.DryRun || creates.Count + deletes.Count + adds.Count + removes.Count == 0)
        {
            return;
        }

        void Fail(Item item, string side, string code, string message)
        {
            // The baseline stays as it was, so the next run plans the same difference again.
            item.LinkSetBaseline = null;
            item.LinkSetFailure ??= new RecordFailure(side, item.SalesforceId!, code, $"its {set.Name}: {message}", [set.BaselineKey]);
        }
        var createdBy = creates.ToDictionary(c => $"{c.Parent}/{c.Child}", c => c.Item, StringComparer.Ordinal);
        foreach (var outcome in await salesforceSide.CreateLinkSetAsync(set, [.. creates.Select(c => (c.Parent, c.Child))], ct))
        {
            if (!outcome.Success)
            {
                Fail(createdBy[outcome.Key], Side.Salesforce, outcome.Code!, outcome.Message!);
            }
        }
        if (deletes.Count > 0)
        {
            var deletedBy = deletes.ToDictionary(d => d.RowId, d => d.Item, StringComparer.Ordinal);
            foreach (var outcome in await salesforceSide.DeleteAsync([.. deletes.Select(d => d.RowId)], ct))
            {
                if (!outcome.Success && outcome.Code != "ENTITY_IS_DELETED")
                {
                    Fail(deletedBy[outcome.Key], Side.Salesforce, outcome.Code!, outcome.Message!);
                }
            }
        }
        foreach (var (writes, errors) in new[]
        {
            (adds, await hubSpotSide.AssociateAsync(pair, set.HubSpotObject, [.. adds.Select(a => a.Pair)], set.HubSpotAssociationTypeId, ct)),
            (removes, await hubSpotSide.UnassociateAsync(pair, set.HubSpotObject, [.. removes.Select(r => r.Pair)], ct)),
        })
        {
            foreach (var error in errors)
            {
                foreach (var (item, _) in writes.Where(w => error.Ids.Count == 0 || error.Ids.Contains(w.Pair.FromId) || error.Ids.Contains(w.Pair.ToId)))
                {
                    Fail(item, Side.HubSpot, error.Category, error.Message);
                }
            }
        }
        run.LinkSetChanges += creates.Count + deletes.Count + adds.Count + removes.Count;
    }

    /// <summary>The Salesforce baselines to keep: the plan's, with the link set's agreed set (or the one before, where it was not settled).</summary>
    static IReadOnlyDictionary<string, string?> WithLinkSet(RunState run, Item item, IReadOnlyDictionary<string, string?> baselines)
    {
        if (run.Pair.LinkSet is not { } set)
        {
            return baselines;
        }
        var value = item.LinkSetBaseline ?? item.Baselines?.Salesforce.GetValueOrDefault(set.BaselineKey);
        if (value is null && item.Baselines?.Salesforce.ContainsKey(set.BaselineKey) != true)
        {
            return baselines;
        }
        return new Dictionary<string, string?>(baselines, StringComparer.Ordinal) { [set.BaselineKey] = value ?? "" };
    }
}
