using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>The active links: orphans, field drift and owner mismatches.</summary>
public sealed partial class Reconciler
{
    async Task LinkedAsync(Scan scan, Dictionary<string, SObjectRecord> salesforce, Dictionary<string, SObjectRecord> inScope,
        Dictionary<string, HubSpotObject> hubSpot, IReadOnlyList<RecordLink> links, Dictionary<string, RecordLink> siblingByHubSpot,
        OwnerMap ownerMap, CancellationToken ct)
    {
        var pair = scan.Pair;
        var active = links.Where(l => l.Status == LinkStatuses.Active).ToList();
        var tombstones = links.Count(l => l.Status is LinkStatuses.SalesforceDeleted or LinkStatuses.HubSpotDeleted);
        if (tombstones > 0)
        {
            scan.Notes.Add($"{tombstones} links are tombstones (a record deleted on one side): not drift, and nothing is created again for them");
        }

        // A linked HubSpot id the listing lacks was archived, deleted for good, or merged into another record: a batch
        // read by id answers a merged-away id with its survivor, and the sync follows it there.
        var unlisted = active.Where(l => !hubSpot.ContainsKey(l.HubSpotId)).Select(l => l.HubSpotId).ToList();
        var survivors = new Dictionary<string, HubSpotObject>(StringComparer.Ordinal);
        foreach (var chunk in unlisted.Chunk(HubSpotClient.MaxBatchSize))
        {
            foreach (var (asked, record) in await hubSpotSide.ReadByIdsAsync(pair, chunk, ct))
            {
                survivors[asked] = record;
            }
        }
        var merged = survivors.Where(s => s.Value.Id != s.Key).ToList();
        if (merged.Count > 0)
        {
            scan.Notes.Add($"{merged.Count} linked HubSpot records were merged into another ({string.Join(", ", merged.Take(5).Select(m => $"{m.Key} into {m.Value.Id}"))}): the sync follows the survivor; not an orphan");
        }

        var baselines = await BaselinesAsync(pair.Name, [.. active.Select(l => l.SalesforceId)]);
        var owner = pair.Mapping.Fields.FirstOrDefault(f => f.Transform == FieldTransform.Owner && f.Direction != SyncDirection.None);
        var outOfScope = 0;
        var unmappedOwners = new SortedSet<string>(StringComparer.Ordinal);
        var unmappedOwnerRecords = 0;
        foreach (var link in active)
        {
            var sf = salesforce.GetValueOrDefault(link.SalesforceId);
            var hs = hubSpot.GetValueOrDefault(link.HubSpotId) ?? survivors.GetValueOrDefault(link.HubSpotId);
            if (sf is null || hs is null)
            {
                var tombstone = sf is null ? LinkStatuses.SalesforceDeleted : LinkStatuses.HubSpotDeleted;
                var leave = pair.Mapping.OnDelete == DeletePolicy.Ignore
                    ? "onDelete: ignore keeps a link whose record is gone"
                    : null;
                scan.Items.Add(new DriftItem(pair.Name, DriftCategories.OrphanLink, LinkId(link.SalesforceId, link.HubSpotId))
                {
                    SalesforceId = link.SalesforceId, HubSpotId = link.HubSpotId, Tombstone = tombstone, Leave = leave,
                });
                continue;
            }
            if (hs.Id != link.HubSpotId)
            {
                continue;
            }
            if (!inScope.ContainsKey(link.SalesforceId))
            {
                // It left the inclusion filter: only the rules' values travel now (a tier taken back), so its fields may differ.
                outOfScope++;
                continue;
            }
            if (pair.FieldsFollowSibling && siblingByHubSpot.TryGetValue(link.HubSpotId, out var shared) && shared.Status == LinkStatuses.Active)
            {
                // The HubSpot contact is a contact's twin too: its fields follow the contact, and the contacts pair compares them.
                continue;
            }
            var sfSide = SalesforceAdapter.ToSide(pair, sf);
            var hsSide = HubSpotAdapter.ToSide(pair, hs);
            var recordBaselines = baselines.GetValueOrDefault(link.SalesforceId) ?? FieldBaselines.Empty;
            // The plan the sync would make now, against the baselines it would use: its writes are the disagreements it
            // would act on, each by the field's direction and policy. No rule values: tiers and twin ids are the sync's own.
            var plan = SyncPlanner.Plan(scan.Context, new PlanInput(sfSide, hsSide, LinkState.Linked, recordBaselines, RuleValues.None));
            var drifted = pair.Mapping.Fields
                .Where(f => f.Direction != SyncDirection.None && (plan.SalesforceWrites.ContainsKey(f.Salesforce) || plan.HubSpotWrites.ContainsKey(f.HubSpot)))
                .ToList();
            var ownerMismatch = false;
            if (owner is not null && sf.GetString(owner.Salesforce) is { Length: > 0 } salesforceOwner)
            {
                if (ownerMap.HubSpotOwnerOf(salesforceOwner) is not { } mapped)
                {
                    unmappedOwnerRecords++;
                    unmappedOwners.Add(ownerMap.BySalesforceUserId.GetValueOrDefault(salesforceOwner)?.Email is { Length: > 0 } e ? e : salesforceOwner);
                }
                else
                {
                    ownerMismatch = mapped != hs[owner.HubSpot];
                }
            }
            var fieldDrift = drifted.Where(f => f != owner).ToList();
            if (fieldDrift.Count == 0 && !ownerMismatch)
            {
                continue;
            }
            if (fieldDrift.Count > 0)
            {
                scan.Items.Add(new DriftItem(pair.Name, DriftCategories.FieldDrift, LinkId(link.SalesforceId, link.HubSpotId))
                {
                    SalesforceId = link.SalesforceId, HubSpotId = link.HubSpotId, Fields = [.. fieldDrift.Select(f => f.Salesforce)],
                });
            }
            if (ownerMismatch)
            {
                scan.Items.Add(new DriftItem(pair.Name, DriftCategories.OwnerMismatch, LinkId(link.SalesforceId, link.HubSpotId))
                {
                    SalesforceId = link.SalesforceId, HubSpotId = link.HubSpotId, Fields = [owner!.Salesforce],
                });
            }
        }
        if (outOfScope > 0)
        {
            scan.Notes.Add($"{outOfScope} linked records no longer pass the inclusion filter: only the rules' values travel for them, so their fields are not compared");
        }
        if (unmappedOwnerRecords > 0)
        {
            scan.Notes.Add($"{unmappedOwnerRecords} linked records have a Salesforce owner with no HubSpot owner of the same email ({string.Join(", ", unmappedOwners.Take(5))}{(unmappedOwners.Count > 5 ? ", …" : "")}): not a mismatch, HubSpot keeps its owner");
        }
    }

    /// <summary>Both sides' baselines of each record, as the runner reads them (an empty stored value is a blank).</summary>
    async Task<Dictionary<string, FieldBaselines>> BaselinesAsync(string pairName, IReadOnlyList<string> ids)
    {
        var salesforce = await store.GetWrittenAsync(pairName, Side.Salesforce, ids);
        var hubSpot = await store.GetWrittenAsync(pairName, Side.HubSpot, ids);
        static Dictionary<string, string?> Values(WrittenValues? written) =>
            written?.Values.ToDictionary(v => v.Key, v => v.Value.Length == 0 ? null : (string?)v.Value, StringComparer.Ordinal)
            ?? new Dictionary<string, string?>(StringComparer.Ordinal);
        return ids.ToDictionary(id => id, id => new FieldBaselines(Values(salesforce.GetValueOrDefault(id)), Values(hubSpot.GetValueOrDefault(id))), StringComparer.Ordinal);
    }
}
