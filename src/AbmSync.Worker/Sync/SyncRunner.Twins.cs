using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>A page's reads after linking: the twins, the parents' links, and the change times latest-wins needs.</summary>
public sealed partial class SyncRunner
{
    /// <summary>
    /// Reads the current values of each record's other side, in batches: HubSpot twins of Salesforce changes, Salesforce
    /// twins of HubSpot changes. A record whose own side equals its baselines (an echo of our write, or a version already
    /// processed) needs no twin and no plan.
    /// </summary>
    async Task ReadTwinsAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        var pair = run.Pair;
        var unsettledMerges = await UnsettledMergesAsync(run, items);
        foreach (var item in items)
        {
            if (item.Failure is not null || item.Skip is not null)
            {
                continue;
            }
            // A merge's result read under its new id has the old record's values, but its link still has to move. A
            // record asked for by name (reconcile's repair, "sync this now") is planned whatever its baselines say.
            if (!run.Request.Full && item.Link is not null && item.HubSpotId == item.Link.HubSpotId && !item.SalesforceDeleted && !item.HubSpotDeleted
                && item.NewLinkStatus is null && !run.LinkSetChanged.Contains(item.SalesforceId ?? "") && !run.ReRead.Contains(item.Key) && !unsettledMerges.Contains(item.Key) && Unchanged(run, item))
            {
                item.Skip = "unchanged";
                run.CountUnchanged();
            }
        }
        // Twins found through the match index were read without their associations: one batch read for them all.
        var matched = run.Index is { } index && pair.Associations.Count > 0
            ? items.Where(i => i.Live && i.HubSpot is { } h && index.Indexed.Contains(h.Id) && i.Link is null).ToList()
            : [];
        if (matched.Count > 0)
        {
            var read = await hubSpotSide.WithAssociationsAsync(pair, [.. matched.Select(i => i.HubSpot!)], ct);
            for (var i = 0; i < matched.Count; i++)
            {
                matched[i].HubSpot = read[i];
            }
        }
        var needHubSpot = items.Where(i => i.Live && i.HubSpot is null && i.HubSpotId is not null).Select(i => i.HubSpotId!).ToList();
        var hubSpotTwins = await hubSpotSide.ReadByIdsAsync(pair, needHubSpot, ct);
        var needSalesforce = items.Where(i => i.Live && i.Salesforce is null && i.SalesforceId is not null && !i.SalesforceDeleted).Select(i => i.SalesforceId!).ToList();
        var salesforceTwins = await salesforceSide.ReadByIdsAsync(pair, needSalesforce, ct);
        foreach (var item in items.Where(i => i.Live))
        {
            item.HubSpot ??= item.HubSpotId is null ? null : hubSpotTwins.GetValueOrDefault(item.HubSpotId);
            item.Salesforce ??= item.SalesforceId is null ? null : salesforceTwins.GetValueOrDefault(item.SalesforceId);
            if (item.Salesforce is null && item.SalesforceId is not null)
            {
                // A linked record's Salesforce twin that no query finds any more was deleted (emptied from the recycle bin).
                item.SalesforceDeleted = true;
                continue;
            }
            if (item.HubSpotId is not null && item.HubSpot is null && !item.SalesforceDeleted)
            {
                // Gone for good (a GDPR delete, or archived and purged): a merged-away id would have answered with its survivor.
                item.HubSpotDeleted = true;
                item.HubSpotGone = true;
            }
        }
    }

    /// <summary>
    /// A linked field (a contact's AccountId) travels as its parent pair's link: this page's parents are looked up in
    /// the link table both ways, for the planner's id translation. A record whose parent takes part but is not linked
    /// yet waits: it is recorded (a dead letter with its reason, read again first by the next runs) and goes through
    /// once its parent is linked.
    /// </summary>
    async Task LoadParentLinksAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        run.ParentLinks.Clear();
        foreach (var field in run.Pair.Mapping.Fields.Where(f => f.Transform == FieldTransform.Link && f.Direction != SyncDirection.None))
        {
            var salesforceParents = items.Where(i => i.Live).Select(i => i.Salesforce?.GetString(field.Salesforce)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var hubSpotParents = items.Where(i => i.Live).Select(i => i.HubSpot?[field.HubSpot]).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var bySalesforce = await store.GetLinksAsync(field.LinkPair!, salesforceParents);
            var byHubSpot = await store.GetLinksByHubSpotIdAsync(field.LinkPair!, hubSpotParents);
            run.ParentLinks[field.LinkPair!] = new Core.Sync.OwnerMap(
                id => bySalesforce.GetValueOrDefault(id)?.CurrentHubSpotId,
                id => byHubSpot.GetValueOrDefault(id)?.SalesforceId);
            foreach (var item in items.Where(i => i.Live && i.Link is null))
            {
                if (item.Salesforce?.GetString(field.Salesforce) is { } parent && !bySalesforce.ContainsKey(parent))
                {
                    item.Failure = new RecordFailure(Side.HubSpot, item.SalesforceId!, "WAITING_FOR_PARENT",
                        $"waiting for its {field.LinkPair} record {parent} to be linked to HubSpot; it goes through once it is", [field.Salesforce]);
                }
            }
        }
    }

    /// <summary>
    /// True when the record's own side holds exactly its baselines and the rules' values: nothing to carry. A field
    /// with no baseline that is blank has not changed either.
    /// </summary>
    static bool Unchanged(RunState run, Item item)
    {
        var pair = run.Pair;
        var mapping = item.RulesOnly ? run.RulesOnlyContext!.Mapping : pair.Mapping;
        var rules = RuleValuesFor(run, item);
        if (item.Salesforce is { } sf && item.HubSpot is null)
        {
            var side = SalesforceAdapter.ToSide(pair, sf);
            return mapping.Fields.Where(f => f.Direction != SyncDirection.None)
                    .All(f => ValueKinds.Same(run.Context!.KindOf(SyncSide.Salesforce, f.Salesforce), side.Values.GetValueOrDefault(f.Salesforce), item.Baselines!.Salesforce.GetValueOrDefault(f.Salesforce)))
                && rules.Salesforce.All(r => ValueKinds.Same(run.Context!.KindOf(SyncSide.Salesforce, r.Key), side.Values.GetValueOrDefault(r.Key), r.Value));
        }
        if (item.HubSpot is { } hs && item.Salesforce is null)
        {
            var side = HubSpotAdapter.ToSide(pair, hs);
            return mapping.Fields.Where(f => f.Direction != SyncDirection.None)
                    .All(f => ValueKinds.Same(run.Context!.KindOf(SyncSide.HubSpot, f.HubSpot), side.Values.GetValueOrDefault(f.HubSpot), item.Baselines!.HubSpot.GetValueOrDefault(f.HubSpot)))
                && rules.HubSpot.All(r => ValueKinds.Same(run.Context!.KindOf(SyncSide.HubSpot, r.Key), side.Values.GetValueOrDefault(r.Key), r.Value));
        }
        return false;
    }

    /// <summary>
    /// <c>latest-wins</c> needs to know when each side changed a field, and only where both did. For those records
    /// alone: HubSpot's property history (50 records per batch read with history) and Salesforce's field history where
    /// the org tracks the field. Without a time the planner falls back to the record's LastModifiedDate when a person
    /// made it, else marks the decision uncertain.
    /// </summary>
    async Task ReadChangeTimesAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        var latest = run.Pair.Mapping.Fields.Where(f => f.Direction == SyncDirection.TwoWay && f.Conflict == ConflictPolicy.LatestWins).ToList();
        if (latest.Count == 0)
        {
            return;
        }
        var contested = items.Where(i => i.Live && i.Link is not null && i.HubSpot is not null && i.Salesforce is not null
            && latest.Any(f => ChangedSinceBaseline(run, SyncSide.Salesforce, f.Salesforce, SalesforceAdapter.ToSide(run.Pair, i.Salesforce!), i.Baselines!.Salesforce)
                && ChangedSinceBaseline(run, SyncSide.HubSpot, f.HubSpot, HubSpotAdapter.ToSide(run.Pair, i.HubSpot!), i.Baselines.HubSpot))).ToList();
        if (contested.Count == 0)
        {
            return;
        }
        var history = await hubSpotSide.ReadHistoryAsync(run.Pair, [.. contested.Select(i => i.HubSpotId!)], [.. latest.Select(f => f.HubSpot)], ct);
        var fieldTimes = await salesforceSide.ReadFieldTimesAsync(run.Pair, [.. contested.Select(i => i.SalesforceId!)], [.. latest.Select(f => f.Salesforce)],
            salesforceIdentity.UserId, ct);
        foreach (var item in contested)
        {
            item.HubSpotTimes = history.GetValueOrDefault(item.HubSpotId!);
            item.SalesforceTimes = fieldTimes.GetValueOrDefault(item.SalesforceId!);
        }
    }

    static bool ChangedSinceBaseline(RunState run, SyncSide side, string field, SideRecord record, IReadOnlyDictionary<string, string?> baselines) =>
        baselines.ContainsKey(field) && !ValueKinds.Same(run.Context!.KindOf(side, field), record.Values.GetValueOrDefault(field), baselines[field]);
}
