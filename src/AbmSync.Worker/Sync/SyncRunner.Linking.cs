using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>Linking a page's records to their twins: links first, then merges, the converted lead, and the match keys (our id, domain, email).</summary>
public sealed partial class SyncRunner
{
    /// <summary>
    /// Ties each record to its twin: the id link first; for a Salesforce record without one, the HubSpot record carrying
    /// its id, then the match keys (the one unclaimed record with its domain). Several candidates are ambiguous: the
    /// record is dead-lettered with the candidates, never guessed. A HubSpot change without a link waits for its
    /// Salesforce twin (this pair never creates in Salesforce).
    /// </summary>
    async Task ResolveLinksAsync(RunState run, List<Item> items, PageWork page, CancellationToken ct)
    {
        var pair = run.Pair;
        var bySalesforce = await store.GetLinksAsync(pair.Name, [.. items.Where(i => i.SalesforceId is not null).Select(i => i.SalesforceId!)]);
        var byHubSpot = await store.GetLinksByHubSpotIdAsync(pair.Name, [.. items.Where(i => i.SalesforceId is null).Select(i => i.HubSpotId!)]);
        var byMerge = await MergedHubSpotLinksAsync(run, items.Where(i => i.SalesforceId is null && !byHubSpot.ContainsKey(i.HubSpotId!)));
        var unlinked = new List<Item>();
        var hubSpotUnlinked = new List<Item>();
        foreach (var item in items)
        {
            if (item.SalesforceId is { } sfId)
            {
                if (bySalesforce.TryGetValue(sfId, out var link))
                {
                    if (Tombstone(item, link) is { } why)
                    {
                        item.Skip = why;
                        continue;
                    }
                    item.Link = link;
                    item.HubSpotId = link.HubSpotId;
                }
                else if (item.SalesforceDeleted)
                {
                    item.Skip = "deleted, and never linked";
                }
                else if (item.Skip is null && !item.RulesOnly)
                {
                    unlinked.Add(item);
                }
            }
            else if (byHubSpot.TryGetValue(item.HubSpotId!, out var link))
            {
                if (link.Status == LinkStatuses.Converted)
                {
                    // A converted lead's HubSpot record belongs to its contact now.
                    item.Skip = "its lead was converted";
                    continue;
                }
                if (Tombstone(item, link) is { } why)
                {
                    item.Skip = why;
                    continue;
                }
                item.Link = link;
                item.SalesforceId = link.SalesforceId;
            }
            else if (byMerge.TryGetValue(item.HubSpotId!, out var merged))
            {
                // A merge's result: it carries on the link of the record HubSpot kept; the twins settle once read.
                item.Link = merged;
                item.SalesforceId = merged.SalesforceId;
            }
            else if (item.HubSpotDeleted)
            {
                item.Skip = "archived, and never linked";
            }
            else if (pair.CreateInSalesforce)
            {
                hubSpotUnlinked.Add(item);
            }
            else
            {
                item.Skip = "not linked";
            }
        }
        await ResolveHubSpotUnlinkedAsync(run, hubSpotUnlinked, ct);
        items.RemoveAll(i => i.Skip is not null && i.SalesforceId is null);
        await SettleSalesforceMergesAsync(run, items, page, ct);
        unlinked.RemoveAll(i => i.Link is not null);
        if (pair.HubSpotObject == "contacts" && unlinked.Count > 0)
        {
            // A person HubSpot deleted for good (GDPR) is never matched or created again, whatever Salesforce holds.
            var forgotten = await store.ForgottenAsync([.. unlinked.Select(i => Email(pair, i.Salesforce!)).OfType<string>()]);
            foreach (var item in unlinked.Where(i => Email(pair, i.Salesforce!) is { } e && forgotten.Contains(e)))
            {
                item.Skip = "HubSpot deleted this person for good (a GDPR delete): never created again";
            }
            unlinked.RemoveAll(i => i.Skip is not null);
        }
        if (unlinked.Count == 0)
        {
            return;
        }
        var index = await MatchIndexAsync(run, unlinked, ct);
        // Only a linked lead's twin can be taken over: before the lead pair has linked any, there is nothing to look up.
        var convertedLeads = pair.Mapping.Match.Contains(MatchKey.ConvertedLead) && pair.ConvertedFrom is { } leadPair
            && (run.LeadPairLinked ??= await store.HasActiveLinksAsync(leadPair))
            ? await ConvertedLeadTwinsAsync(leadPair, [.. unlinked.Where(i => !index.BySalesforceId.ContainsKey(i.SalesforceId!)).Select(i => i.SalesforceId!)], ct)
            : [];
        foreach (var item in unlinked)
        {
            var sfId = item.SalesforceId!;
            if (pair.Mapping.Match.Contains(MatchKey.LinkedId) && index.BySalesforceId.TryGetValue(sfId, out var carrying))
            {
                item.HubSpot = carrying;
                item.HubSpotId = carrying.Id;
                item.LinkReason = "linked-id";
                index.Claimed[carrying.Id] = sfId;
                continue;
            }
            // A contact converted from a linked lead takes over the lead's HubSpot record: the person stays one contact.
            if (convertedLeads.TryGetValue(sfId, out var converted) && !index.Claimed.ContainsKey(converted.HubSpotId))
            {
                item.HubSpotId = converted.HubSpotId;
                item.LinkReason = "converted-lead";
                item.ConvertedLeadId = converted.SalesforceId;
                index.Claimed[converted.HubSpotId] = sfId;
                continue;
            }
            if (pair.Mapping.Match.Contains(MatchKey.Domain) && Domain(pair, item.Salesforce!) is { } domain
                && MatchBy(pair, index, item, "domain", domain, index.ByDomain.GetValueOrDefault(domain), uniqueOnHubSpot: false))
            {
                continue;
            }
            // HubSpot keeps one contact per email: one taken by another record's twin cannot be created again.
            if (pair.Mapping.Match.Contains(MatchKey.Email) && Email(pair, item.Salesforce!) is { } email
                && MatchBy(pair, index, item, "email", email, index.ByEmail.GetValueOrDefault(email), uniqueOnHubSpot: true))
            {
                continue;
            }
            item.LinkReason = "created";
        }
    }

    /// <summary>
    /// A link whose record was deleted on one side stays as a tombstone: nothing is created again for either record,
    /// and match keys cannot claim them. The deleted record coming back (an undelete, a restore from HubSpot's recycle
    /// bin) re-links to its surviving twin. Returns why the item is skipped, or null to go on.
    /// </summary>
    static string? Tombstone(Item item, RecordLink link)
    {
        switch (link.Status)
        {
            case LinkStatuses.SalesforceDeleted when item.Salesforce is not null && !item.SalesforceDeleted:
            case LinkStatuses.HubSpotDeleted when item.HubSpot is not null && !item.HubSpotDeleted:
                item.NewLinkStatus = LinkStatuses.Active;
                return null;
            case LinkStatuses.SalesforceDeleted:
                return "its Salesforce record was deleted: nothing is created again";
            case LinkStatuses.HubSpotDeleted:
                return "its HubSpot record was deleted: nothing is created again";
            case LinkStatuses.HubSpotMerged:
                return $"its HubSpot twin was merged into {link.MergedInto}, the twin of another record: nothing is created again";
            case LinkStatuses.SalesforceMerged:
                return "it was merged into its master in Salesforce: nothing is created again";
            default:
                return null;
        }
    }

    /// <summary>Contact id → the link of the lead converted into it, for leads that are linked and not yet taken over.</summary>
    async Task<Dictionary<string, RecordLink>> ConvertedLeadTwinsAsync(string leadPair, IReadOnlyList<string> contactIds, CancellationToken ct)
    {
        if (contactIds.Count == 0)
        {
            return [];
        }
        var leads = await salesforceSide.ReadConvertedLeadsAsync(contactIds, ct);
        var links = await store.GetLinksAsync(leadPair, [.. leads.Values]);
        return leads.Where(l => links.TryGetValue(l.Value, out var link) && link.Status == LinkStatuses.Active)
            .ToDictionary(l => l.Key, l => links[l.Value], StringComparer.Ordinal);
    }

    /// <summary>
    /// Links the item to the one unclaimed candidate with its match key's value. Several are ambiguous: flagged with
    /// the candidates, never guessed. True when the item is decided (linked or failed); false to try the next key.
    /// </summary>
    static bool MatchBy(ObjectPair pair, MatchIndex index, Item item, string key, string value, List<HubSpotObject>? candidates, bool uniqueOnHubSpot)
    {
        if (candidates is null)
        {
            return false;
        }
        var sfId = item.SalesforceId!;
        var free = candidates.Where(c => !index.Claimed.ContainsKey(c.Id)).ToList();
        if (free.Count == 1)
        {
            item.HubSpot = free[0];
            item.HubSpotId = free[0].Id;
            item.LinkReason = key;
            index.Claimed[free[0].Id] = sfId;
            return true;
        }
        if (free.Count > 1)
        {
            item.Failure = new RecordFailure(Side.HubSpot, sfId, "AMBIGUOUS_MATCH",
                $"{free.Count} HubSpot {pair.HubSpotObject} have the {key} {value}: {string.Join(", ", free.Take(5).Select(f => f.Id))}. Link one by setting its {pair.HubSpotTwinIdProperty}, or merge them.", []);
            return true;
        }
        if (uniqueOnHubSpot && candidates.Count > 0)
        {
            item.Failure = new RecordFailure(Side.HubSpot, sfId, $"{key.ToUpperInvariant()}_TAKEN",
                $"the HubSpot {pair.HubSpotObject} with the {key} {value} ({candidates[0].Id}) is already the twin of {index.Claimed[candidates[0].Id]}", []);
            return true;
        }
        return false;
    }

    /// <summary>The Salesforce value of the field mapped to HubSpot's email, trimmed and in lower case (HubSpot's form).</summary>
    static string? Email(ObjectPair pair, SObjectRecord record) =>
        pair.Mapping.Fields.FirstOrDefault(f => f.HubSpot == "email") is { } field && record.GetString(field.Salesforce) is { } email && email.Trim().Length > 0
            ? email.Trim().ToLowerInvariant()
            : null;

    /// <summary>The normalized domain of the Salesforce field mapped with the domain transform, if the mapping has one.</summary>
    static string? Domain(ObjectPair pair, SObjectRecord record) =>
        pair.Mapping.Fields.FirstOrDefault(f => f.Transform == FieldTransform.Domain) is { } field ? DomainName.Normalize(record.GetString(field.Salesforce)) : null;

    /// <summary>
    /// The HubSpot records the page's unlinked records may match. Where matching is by linked id and email only and a
    /// search by those keys (500 values a call) is fewer calls than listing the portal (at least as many records as it
    /// has links), the keys are searched for, page by page; otherwise the portal is listed once per run. A domain is
    /// matched on its normalized form, which a search by stored value cannot find, so a pair matching by domain lists.
    /// </summary>
    async Task<MatchIndex> MatchIndexAsync(RunState run, IReadOnlyList<Item> unlinked, CancellationToken ct)
    {
        if (run.Index is { Complete: true } built)
        {
            return built;
        }
        var pair = run.Pair;
        var index = run.Index ?? await NewMatchIndexAsync(run);
        var (domainProperty, byEmail) = IndexKeys(pair);
        if (domainProperty is null && !pair.Mapping.Match.Contains(MatchKey.Name))
        {
            var ids = pair.Mapping.Match.Contains(MatchKey.LinkedId)
                ? unlinked.Select(i => i.SalesforceId!).Where(index.SearchedIds.Add).ToList()
                : [];
            var emails = byEmail ? unlinked.Select(i => Email(pair, i.Salesforce!)).OfType<string>().Distinct(StringComparer.Ordinal).Where(index.SearchedEmails.Add).ToList() : [];
            var searchCalls = HubSpotAdapter.KeySearchCalls(ids.Count, emails.Count, unlinked.Count);
            var listCalls = run.PortalListCalls ?? (index.Claimed.Count + HubSpotClient.MaxBatchSize - 1) / HubSpotClient.MaxBatchSize;
            if (searchCalls < listCalls)
            {
                foreach (var record in await hubSpotSide.SearchByKeysAsync(pair, [(pair.HubSpotTwinIdProperty, ids), ("email", emails)], ct))
                {
                    AddToIndex(pair, index, record, domainProperty, byEmail);
                }
                return index;
            }
        }
        await foreach (var page in hubSpotSide.ListAllAsync(pair, [], ct, withAssociations: false))
        {
            foreach (var record in page)
            {
                AddToIndex(pair, index, record, domainProperty, byEmail);
            }
        }
        index.Complete = true;
        return index;
    }

    /// <summary>The run's match index, empty but for the HubSpot ids already linked (claimed by their Salesforce records).</summary>
    async Task<MatchIndex> NewMatchIndexAsync(RunState run)
    {
        var index = run.Index = new MatchIndex();
        foreach (var (hubSpotId, salesforceId) in await store.GetLinkedHubSpotIdsAsync(run.Pair.Name))
        {
            index.Claimed[hubSpotId] = salesforceId;
        }
        return index;
    }

    /// <summary>What the pair's HubSpot records are indexed by, besides the Salesforce id they carry.</summary>
    static (string? DomainProperty, bool ByEmail) IndexKeys(ObjectPair pair) =>
        (pair.Mapping.Fields.FirstOrDefault(f => f.Transform == FieldTransform.Domain)?.HubSpot, pair.Mapping.Match.Contains(MatchKey.Email));

    /// <summary>Indexes a record read without its associations: a match that takes it reads them (<see cref="ReadTwinsAsync"/>).</summary>
    static void AddToIndex(ObjectPair pair, MatchIndex index, HubSpotObject record, string? domainProperty, bool byEmail)
    {
        if (!index.Indexed.Add(record.Id))
        {
            return;
        }
        if (record[pair.HubSpotTwinIdProperty] is { Length: > 0 } sfId)
        {
            index.BySalesforceId.TryAdd(sfId, record);
            index.Claimed.TryAdd(record.Id, sfId);
        }
        if (byEmail && record["email"] is { } email && email.Trim().Length > 0)
        {
            var key = email.Trim().ToLowerInvariant();
            if (!index.ByEmail.TryGetValue(key, out var people))
            {
                index.ByEmail[key] = people = [];
            }
            people.Add(record);
        }
        if (domainProperty is not null && DomainName.Normalize(record[domainProperty]) is { } domain)
        {
            if (!index.ByDomain.TryGetValue(domain, out var list))
            {
                index.ByDomain[domain] = list = [];
            }
            list.Add(record);
        }
    }
}
