using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>A page's writes: HubSpot first (creates by upsert, updates by id), then Salesforce, then the deletes' onDelete.</summary>
public sealed partial class SyncRunner
{
    async Task WriteHubSpotAsync(RunState run, List<Item> items, PageCommit commit, CancellationToken ct)
    {
        var pair = run.Pair;
        var creates = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.CreateInHubSpot).ToList();
        var updates = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.None && i.HubSpotId is not null && i.Plan.HubSpotWrites.Count > 0).ToList();
        // The page's batches go out together, up to Sync:HubSpotWritesInFlight at once: each is keyed by record, so
        // the order they answer in does not matter, and the page commits only once all have.
        var batches = creates.Chunk(HubSpotClient.MaxBatchSize).Select(c => (Create: true, Items: c))
            .Concat(updates.Chunk(HubSpotClient.MaxBatchSize).Select(u => (Create: false, Items: u))).ToList();
        var answered = new System.Collections.Concurrent.ConcurrentQueue<WriteOutcome>();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = options.Value.HubSpotWritesInFlight, CancellationToken = ct },
            async (batch, token) =>
            {
                var result = batch.Create
                    ? await hubSpotSide.CreateAsync(pair, [.. batch.Items.Select(i => (i.SalesforceId!, i.Plan!.HubSpotWrites))], token)
                    : await hubSpotSide.UpdateAsync(pair, [.. batch.Items.Select(i => (i.SalesforceId!, i.HubSpotId!, i.Plan!.HubSpotWrites))], token);
                foreach (var outcome in result)
                {
                    answered.Enqueue(outcome);
                }
            });
        var byKey = items.ToDictionary(i => i.Key, StringComparer.Ordinal);
        // The page's associations after all its records exist: 100 a call across the batches.
        var refused = await hubSpotSide.WriteAssociationsAsync(pair,
            [.. answered.Where(o => o.Success).Select(o => (o.Key, o.Id, byKey[o.Key].Plan!.HubSpotWrites))], ct);
        var outcomes = answered.Select(o => refused.TryGetValue(o.Key, out var why) ? WriteOutcome.Failed(o.Key, "ASSOCIATION_REFUSED", why) with { Id = o.Id } : o).ToList();
        foreach (var outcome in outcomes)
        {
            var item = byKey[outcome.Key];
            if (!outcome.Success)
            {
                // The writes we tried go with it: `dead-letters list` shows what was refused, not only why.
                item.Failure = new RecordFailure(Side.HubSpot, outcome.Key, outcome.Code!, outcome.Message!, outcome.Fields) { Payload = item.Plan!.HubSpotWrites };
                continue;
            }
            item.HubSpotWritten = true;
            if (item.Plan!.Link.Kind == LinkActionKind.CreateInHubSpot)
            {
                item.HubSpotId = outcome.Id;
                run.HubSpotCreated += outcome.Created ? 1 : 0;
                run.HubSpotUpdated += outcome.Created ? 0 : 1;
            }
            else
            {
                run.HubSpotUpdated++;
            }
        }
    }

    async Task WriteSalesforceAsync(RunState run, List<Item> items, PageCommit commit, CancellationToken ct)
    {
        var pair = run.Pair;
        var updates = new List<(string Id, IReadOnlyDictionary<string, string?> Values)>();
        foreach (var item in items.Where(i => i.Live && i.Failure is null && i.Plan!.Link.Kind != LinkActionKind.CreateInSalesforce))
        {
            var values = new Dictionary<string, string?>(item.Plan!.SalesforceWrites, StringComparer.Ordinal);
            if (item.Plan.Link.Kind == LinkActionKind.CreateInHubSpot && item.HubSpotId is { } created)
            {
                // The twin's id is known only now that it exists.
                values[pair.SalesforceTwinIdField] = created;
            }
            if (values.Count > 0)
            {
                item.SalesforceValues = values;
                updates.Add((item.SalesforceId!, values));
            }
        }
        await CreateInSalesforceAsync(run, items, ct);
        if (updates.Count == 0)
        {
            return;
        }
        var byId = items.Where(i => i.SalesforceId is not null).ToDictionary(i => i.SalesforceId!, StringComparer.Ordinal);
        string? ParentOf(string id) => byId[id].Salesforce is { } record ? pair.ParentIn(record.GetString) : null;
        foreach (var outcome in await salesforceSide.UpdateAsync(pair.SalesforceObject, updates, run.Kinds!.Salesforce, ct, ParentOf))
        {
            var item = byId[outcome.Key];
            if (outcome.Success)
            {
                item.SalesforceWritten = true;
                run.SalesforceUpdated++;
            }
            else
            {
                item.SalesforceFailure = new RecordFailure(Side.Salesforce, outcome.Key, outcome.Code!, outcome.Message!, outcome.Fields) { Payload = item.SalesforceValues };
            }
        }
    }

    /// <summary>
    /// Carries out each deleted record's onDelete: the link becomes a tombstone naming the deleted side, and with
    /// <c>propagate</c> the twin is archived in HubSpot or deleted in Salesforce. An account is never deleted by a
    /// sync (its cascade would take its contacts and opportunities along): its link is ended instead.
    /// </summary>
    async Task ApplyDeletesAsync(RunState run, List<Item> items, PageWork page, CancellationToken ct)
    {
        var pair = run.Pair;
        foreach (var item in items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.Unlink))
        {
            item.NewLinkStatus = item.SalesforceDeleted ? LinkStatuses.SalesforceDeleted : LinkStatuses.HubSpotDeleted;
        }
        ClearTwinIdsOfDeleted(run, page, items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.Unlink));
        var toArchive = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.DeleteInHubSpot).ToList();
        if (toArchive.Count > 0)
        {
            var refused = await hubSpotSide.ArchiveAsync(pair, [.. toArchive.Select(i => i.HubSpotId!)], ct);
            foreach (var item in toArchive)
            {
                if (refused.TryGetValue(item.HubSpotId!, out var why))
                {
                    item.Failure = new RecordFailure(Side.HubSpot, item.SalesforceId!, "ARCHIVE_REFUSED", why, []);
                }
                else
                {
                    item.NewLinkStatus = LinkStatuses.SalesforceDeleted;
                }
            }
        }
        var toDelete = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.DeleteInSalesforce).ToList();
        if (pair.SalesforceObject == "Account")
        {
            toDelete.ForEach(i => i.NewLinkStatus = LinkStatuses.HubSpotDeleted);
            ClearTwinIdsOfDeleted(run, page, toDelete);
            return;
        }
        if (toDelete.Count > 0)
        {
            var byId = toDelete.ToDictionary(i => i.SalesforceId!, StringComparer.Ordinal);
            foreach (var outcome in await salesforceSide.DeleteAsync([.. byId.Keys], ct))
            {
                if (outcome.Success)
                {
                    byId[outcome.Key].NewLinkStatus = LinkStatuses.HubSpotDeleted;
                }
                else
                {
                    byId[outcome.Key].SalesforceFailure = new RecordFailure(Side.Salesforce, outcome.Key, outcome.Code!, outcome.Message!, []);
                }
            }
        }
    }

    /// <summary>
    /// The link has ended: the surviving record no longer names the deleted one (a restore re-links the pair and
    /// writes the id again).
    /// </summary>
    static void ClearTwinIdsOfDeleted(RunState run, PageWork page, IEnumerable<Item> unlinked)
    {
        var pair = run.Pair;
        foreach (var item in unlinked)
        {
            if (item.NewLinkStatus == LinkStatuses.HubSpotDeleted && item.Salesforce is { } sf && !item.SalesforceDeleted && sf.GetString(pair.SalesforceTwinIdField) is { Length: > 0 })
            {
                page.TwinIdFixes.Add(new TwinIdFix(item.SalesforceId!, null));
            }
            else if (item.NewLinkStatus == LinkStatuses.SalesforceDeleted && item.HubSpot is { } hs && !item.HubSpotDeleted && hs[pair.HubSpotTwinIdProperty] is { Length: > 0 })
            {
                page.SalesforceIdFixes.Add(new SalesforceIdFix(item.SalesforceId!, hs.Id, null));
            }
        }
    }
}
