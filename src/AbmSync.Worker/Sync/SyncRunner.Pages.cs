using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>One page at a time: link each record to its twin, read the twins, plan, write both sides, commit.</summary>
public sealed partial class SyncRunner
{
    // ---- pages: plan one while the one before it writes; commit in order ----

    /// <summary>
    /// The pages of one side, in order. While a page writes, the next one is planned (its links resolved, its twins
    /// read): planning only reads, so a kill loses at most the page being written, and the pages still commit one
    /// after another. Planning waits for the page before to commit where what that page does can change the plan:
    /// merges and deletes (they move and end links), and a dry run. Tier decisions are all made once the reads are
    /// done (the caps see every account), so a page's commit changes none of the next page's.
    /// </summary>
    async Task ProcessPagesAsync(RunState run, IReadOnlyList<Page> pages, string side, CancellationToken ct)
    {
        Task<PageWork>? next = null;
        for (var i = 0; i < pages.Count; i++)
        {
            var page = await (next ?? PlanPageAsync(run, pages[i], side, ct));
            next = i + 1 < pages.Count && CanPlanAhead(run, page) ? PlanPageAsync(run, pages[i + 1], side, ct) : null;
            try
            {
                await WritePageAsync(run, page, ct);
            }
            catch when (next is not null)
            {
                // The page planned ahead wrote nothing; it is planned again by the run that resumes.
                await next.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                throw;
            }
        }
    }

    bool CanPlanAhead(RunState run, PageWork page) =>
        options.Value.PlanAhead && !run.Request.DryRun && !page.MovesLinks;

    /// <summary>Links each record to its twin, reads the twins and plans: reads only, nothing written anywhere.</summary>
    async Task<PageWork> PlanPageAsync(RunState run, Page source, string side, CancellationToken ct)
    {
        var pair = run.Pair;
        var commit = new PageCommit(pair.Name, run.Id);
        if (source.Cursor is { } c)
        {
            commit.Cursor = c;
            commit.CursorSide = side;
            commit.CursorScope = run.Request.Partition.Key(pair.Name);
        }
        var page = new PageWork(commit);
        // A pair planned once in this run (from its Salesforce side) is not planned again from its HubSpot side.
        var items = page.Items = [.. source.Items.Where(i => i.SalesforceId is null || !run.Planned.Contains(i.SalesforceId))];
        await ResolveLinksAsync(run, items, page, ct);
        items = page.Items = [.. items.Where(i => i.SalesforceId is null ? run.Request.Partition.Contains(i.Key) : !run.Planned.Contains(i.SalesforceId) && run.Request.Partition.Contains(i.SalesforceId))];
        await FollowSiblingAsync(run, items);
        if (items.Count == 0)
        {
            return page;
        }
        var ids = items.Where(i => i.SalesforceId is not null).Select(i => i.SalesforceId!).ToList();
        var salesforceBaselines = await store.GetWrittenAsync(pair.Name, Side.Salesforce, ids);
        var hubSpotBaselines = await store.GetWrittenAsync(pair.Name, Side.HubSpot, ids);
        foreach (var item in items)
        {
            item.Baselines = new FieldBaselines(
                Baseline(salesforceBaselines.GetValueOrDefault(item.SalesforceId ?? "")),
                Baseline(hubSpotBaselines.GetValueOrDefault(item.SalesforceId ?? "")));
        }
        await ReadTwinsAsync(run, items, ct);
        await SettleHubSpotMergesAsync(run, items, page);
        await LoadParentLinksAsync(run, items, ct);
        await ReadChangeTimesAsync(run, items, ct);
        Plan(run, items);
        foreach (var item in items.Where(i => i.Plan is not null && i.SalesforceId is not null))
        {
            run.Planned.Add(item.SalesforceId!);
        }
        page.MovesLinks |= page.TwinIdFixes.Count > 0 || page.SalesforceIdFixes.Count > 0 || commit.Merged.Count > 0 || commit.MovedLinks.Count > 0
            || items.Any(i => i.SalesforceDeleted || i.HubSpotDeleted || i.Plan?.Link.Kind is LinkActionKind.Unlink or LinkActionKind.DeleteInHubSpot or LinkActionKind.DeleteInSalesforce);
        return page;
    }

    /// <summary>Writes both sides, then commits the page: links, baselines, decisions, dead letters and the cursor in one transaction.</summary>
    async Task WritePageAsync(RunState run, PageWork page, CancellationToken ct)
    {
        var pair = run.Pair;
        var (items, commit) = (page.Items, page.Commit);
        if (items.Count > 0)
        {
            if (!run.Request.DryRun)
            {
                var salesforceNeeded = SalesforceAdapter.CallsFor(items.Count(i => i.Plan?.SalesforceWrites.Count > 0));
                CheckBudget(salesforceNeeded);
                await CheckSharedBudgetAsync(run, salesforceNeeded, (items.Count(i => i.Plan?.HubSpotWrites.Count > 0) + HubSpotClient.MaxBatchSize - 1) / HubSpotClient.MaxBatchSize);
                await WriteHubSpotAsync(run, items, commit, ct);
                await WriteSalesforceAsync(run, items, commit, ct);
                await WriteHubSpotTwinIdsAsync(run, items, ct);
                await ApplyDeletesAsync(run, items, page, ct);
                await WriteTwinIdFixesAsync(run, page, ct);
            }
            await SyncLinkSetsAsync(run, items, ct);
            Record(run, items, commit);
        }
        run.DeadLettered += commit.Failures.Count;
        if (!run.Request.DryRun)
        {
            await store.CommitPageAsync(commit);
            await FlushApiUsageAsync(run);
            foreach (var d in commit.Decisions)
            {
                pair.Rules?.Committed(d);
            }
        }
    }

    static Dictionary<string, string?> Baseline(WrittenValues? written) =>
        written?.Values.ToDictionary(v => v.Key, v => v.Value.Length == 0 ? null : (string?)v.Value, StringComparer.Ordinal)
        ?? new Dictionary<string, string?>(StringComparer.Ordinal);

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
    /// search by those keys (100 values a call) is fewer calls than listing the portal (at least as many records as it
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
            var searchCalls = (ids.Count + HubSpotAdapter.ValuesPerSearch - 1) / HubSpotAdapter.ValuesPerSearch
                + (emails.Count + HubSpotAdapter.ValuesPerSearch - 1) / HubSpotAdapter.ValuesPerSearch;
            var listCalls = run.PortalListCalls ?? (index.Claimed.Count + HubSpotClient.MaxBatchSize - 1) / HubSpotClient.MaxBatchSize;
            if (searchCalls < listCalls)
            {
                foreach (var record in await hubSpotSide.SearchByValuesAsync(pair, pair.HubSpotTwinIdProperty, ids, ct))
                {
                    AddToIndex(pair, index, record, domainProperty, byEmail);
                }
                foreach (var record in await hubSpotSide.SearchByValuesAsync(pair, "email", emails, ct))
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

    /// <summary>What the rules own on each side of a record, with each side's twin id: the planner writes them where they differ.</summary>
    static RuleValues RuleValuesFor(RunState run, Item item)
    {
        var pair = run.Pair;
        var rules = item.SalesforceId is { } id ? pair.Rules?.ValuesFor(id) : null;
        var salesforceValues = new Dictionary<string, string?>(rules?.Salesforce ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        var hubSpotValues = new Dictionary<string, string?>(rules?.HubSpot ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        if (item.HubSpotId is { } twin)
        {
            salesforceValues[pair.SalesforceTwinIdField] = twin;
        }
        if (item.SalesforceId is { } own)
        {
            hubSpotValues[pair.HubSpotTwinIdProperty] = own;
        }
        return new RuleValues(salesforceValues, hubSpotValues);
    }

    void Plan(RunState run, List<Item> items)
    {
        foreach (var item in items.Where(i => i.Live))
        {
            var link = item.SalesforceDeleted && item.Link is not null ? LinkState.TwinDeleted(SyncSide.Salesforce)
                : item.HubSpotDeleted && item.Link is not null ? LinkState.TwinDeleted(SyncSide.HubSpot)
                : item.HubSpotId is null || item.SalesforceId is null ? LinkState.Unlinked : LinkState.Linked;
            var sf = item.Salesforce is null ? null : SalesforceAdapter.ToSide(run.Pair, item.Salesforce, salesforceIdentity.UserId, item.SalesforceTimes) with { Deleted = item.SalesforceDeleted };
            var hs = item.HubSpot is null ? null : HubSpotAdapter.ToSide(run.Pair, item.HubSpot) with { FieldTimes = item.HubSpotTimes, Deleted = item.HubSpotDeleted };
            // A twin found by matching has no baselines of ours: its values are its owners', compared as they stand.
            var baselines = item.Link is null ? FieldBaselines.Empty : item.Baselines!;
            item.Plan = SyncPlanner.Plan(item.RulesOnly ? run.RulesOnlyContext! : run.Context!, new PlanInput(sf, hs, link, baselines, RuleValuesFor(run, item)));
            if (item.Plan.Link.Kind == LinkActionKind.Skip)
            {
                item.Skip = item.Plan.Link.Reason ?? "skipped";
                continue;
            }
            run.Corrections += item.Plan.Corrections.Count;
            run.Conflicts += item.Plan.Conflicts.Count;
            if (run.Plans.Count < MaxPlansShown && (!item.Plan.IsEmpty || item.Plan.Conflicts.Count > 0))
            {
                var tierFrom = sf?.Values.GetValueOrDefault(AbmFields.SalesforceTier);
                item.Plan.SalesforceWrites.TryGetValue(AbmFields.SalesforceTier, out var tierTo);
                run.Plans.Add(new PlannedRecord(item.SalesforceId, item.HubSpotId, item.Plan.Link.Kind.ToString(),
                    item.Plan.SalesforceWrites, item.Plan.HubSpotWrites, item.Plan.Conflicts, item.Plan.Corrections, item.Plan.Notes,
                    item.Plan.SalesforceWrites.ContainsKey(AbmFields.SalesforceTier) ? tierFrom : null,
                    item.Plan.SalesforceWrites.ContainsKey(AbmFields.SalesforceTier) ? tierTo : null));
            }
            if (item.Plan.HubSpotWrites.Count > 0)
            {
                run.AddWrite(new PlannedWrite("HubSpot", item.Plan.Link.Kind == LinkActionKind.CreateInHubSpot ? "create" : "update",
                    item.Key, item.HubSpotId, item.Plan.HubSpotWrites.ToDictionary(w => w.Key, w => w.Value ?? "")));
            }
            if (item.Plan.SalesforceWrites.Count > 0)
            {
                run.AddWrite(new PlannedWrite("Salesforce", item.Plan.Link.Kind == LinkActionKind.CreateInSalesforce ? "create" : "update", item.Key, item.HubSpotId,
                    item.Plan.SalesforceWrites.ToDictionary(w => w.Key, w => w.Value ?? "")));
            }
        }
    }

    /// <summary>
    /// What the page leaves in the state store: a link for every twin that exists now, each side's baselines where that
    /// side holds what the plan meant (written, or nothing to write), decisions, failures, and resolved dead letters.
    /// </summary>
    void Record(RunState run, List<Item> items, PageCommit commit)
    {
        var pair = run.Pair;
        var now = time.GetUtcNow();
        foreach (var item in items)
        {
            if (item.Failure is { } failure)
            {
                commit.Failures.Add(failure);
            }
            if (item.SalesforceFailure is { } salesforceFailure)
            {
                commit.Failures.Add(salesforceFailure);
            }
            if (item.TwinIdFailure is { } twinIdFailure)
            {
                commit.Failures.Add(twinIdFailure);
            }
            if (item.LinkSetFailure is { } linkSetFailure)
            {
                commit.Failures.Add(linkSetFailure);
            }
            if (item.SalesforceId is not { } sfId)
            {
                continue;
            }
            if (item.Plan?.Link.Kind is LinkActionKind.Unlink or LinkActionKind.DeleteInHubSpot or LinkActionKind.DeleteInSalesforce)
            {
                // The link stays as a tombstone with the side that was deleted; no baselines, nothing else.
                if (item.NewLinkStatus is { } status && item.Failure is null && item.SalesforceFailure is null)
                {
                    if (item.HubSpotGone && pair.HubSpotObject == "contacts" && item.Salesforce is { } person && Email(pair, person) is { } forgotten)
                    {
                        commit.Forgotten.Add(StateStore.EmailHash(forgotten));
                    }
                    commit.LinkStatuses.Add((pair.Name, sfId, status));
                    commit.Succeeded.Add((Side.Salesforce, sfId));
                    commit.Succeeded.Add((Side.HubSpot, sfId));
                    run.CountUnlinked();
                }
                if (pair.Rules?.ToStored(sfId, run.Id, now) is { } gone)
                {
                    commit.Decisions.Add(gone);
                }
                continue;
            }
            if (item.Plan is { } plan && item.Skip is null)
            {
                var hubSpotHolds = item.Failure is null;
                var salesforceHolds = item.SalesforceFailure is null && item.Failure is null;
                if (item.HubSpotId is { } hsId && hubSpotHolds)
                {
                    var modstamp = salesforceHolds ? item.Salesforce?.GetDateTime("SystemModstamp") : null;
                    commit.Links.Add(new RecordLink(pair.Name, sfId, hsId, item.Link?.LinkReason ?? item.LinkReason ?? "linked-id", now, modstamp));
                    if (item.Link is null)
                    {
                        run.Linked++;
                    }
                    if (item.ConvertedLeadId is { } lead && pair.ConvertedFrom is { } leadPair)
                    {
                        commit.LinkStatuses.Add((leadPair, lead, LinkStatuses.Converted));
                    }
                    if (item.Salesforce is null)
                    {
                        // Came from HubSpot without a twin: a failure recorded under its HubSpot key is over.
                        commit.Succeeded.Add((Side.Salesforce, HubSpotKey.For(hsId)));
                    }
                }
                // Linked through the duplicate rule, the pair was never compared: no baselines, so the next run plans it as a first link.
                if (hubSpotHolds && item.HubSpotId is not null && !item.LinkedByDuplicateRule)
                {
                    commit.Written.Add((Side.HubSpot, sfId, Written(plan.NewBaselines.HubSpot)));
                }
                if (salesforceHolds && !item.LinkedByDuplicateRule)
                {
                    commit.Written.Add((Side.Salesforce, sfId, Written(WithLinkSet(run, item, plan.NewBaselines.Salesforce))));
                }
                if (hubSpotHolds && item.LinkSetFailure?.Side != Side.HubSpot)
                {
                    commit.Succeeded.Add((Side.HubSpot, sfId));
                }
                if (salesforceHolds && item.LinkSetFailure?.Side != Side.Salesforce)
                {
                    commit.Succeeded.Add((Side.Salesforce, sfId));
                }
                if (plan.IsEmpty && item.Failure is null)
                {
                    run.CountUnchanged();
                }
            }
            if (pair.Rules?.ToStored(sfId, run.Id, now) is { } decision && item.Failure is null)
            {
                commit.Decisions.Add(decision);
            }
        }
    }

    static WrittenValues Written(IReadOnlyDictionary<string, string?> baselines)
    {
        var values = baselines.ToDictionary(b => b.Key, b => b.Value ?? "", StringComparer.Ordinal);
        return new WrittenValues(values, FieldValues.Hash(values));
    }
}
