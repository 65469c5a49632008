using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// <c>abmsync reconcile</c>: reads both sides of each pair in full (ids and mapped fields), compares them with the
/// link table through the same planner the sync uses, and reports what the syncs missed by category. It writes
/// nothing itself: <c>--repair</c> (Reconciler.Repair.cs) heals through <see cref="SyncRunner"/>. See
/// docs/architecture.md, "Reconciliation".
/// </summary>
public sealed partial class Reconciler(
    SalesforceAdapter salesforceSide,
    HubSpotAdapter hubSpotSide,
    StateStore store,
    SyncConfiguration configuration,
    SchemaGuard schema,
    SystemBinding binding,
    OwnerDirectory owners,
    SyncRunner runner,
    SalesforceCallCounter salesforceCalls,
    HubSpotCallCounter hubSpotCalls,
    SyncCache cache,
    RunProgress progress,
    TimeProvider time)
{
    /// <summary>The report over the named pairs (in <see cref="ObjectPairs.All"/> order for <c>all</c>).</summary>
    public Task<DriftReport> ReportAsync(IReadOnlyList<string> objects, CancellationToken ct) => ReportAsync(objects, Partition.All, ct);

    /// <summary>
    /// The report of one partition's records. Both sides are still read in full: a record is missing, orphaned or a
    /// duplicate only against everything the other side holds. What splits is the comparison's findings and, in a
    /// repair, the writes (by the same key a sync's partition takes: the Salesforce id, else the HubSpot key).
    /// </summary>
    public async Task<DriftReport> ReportAsync(IReadOnlyList<string> objects, Partition share, CancellationToken ct)
    {
        using var salesforceScope = salesforceCalls.BeginScope();
        using var hubSpotScope = hubSpotCalls.BeginScope();
        // Contacts and leads both pair with HubSpot contacts: one listing serves both.
        var listings = new Dictionary<string, Dictionary<string, HubSpotObject>>(StringComparer.Ordinal);
        var pairs = new List<PairDrift>();
        foreach (var name in objects)
        {
            pairs.Add(InPartition(await ScanAsync(ObjectPairs.For(name, configuration), listings, ct), share));
        }
        return new DriftReport(pairs, salesforceScope.Calls, hubSpotScope.Calls);
    }

    async Task<PairDrift> ScanAsync(ObjectPair pair, Dictionary<string, Dictionary<string, HubSpotObject>> listings, CancellationToken ct)
    {
        // dryRun: a report creates no HubSpot property and binds no state store; the repair run does both if needed.
        var kinds = await schema.EnsureAsync(pair, dryRun: true, ct);
        pair = SchemaGuard.InThisOrg(pair, kinds);
        await binding.EnsureAsync(dryRun: true, ct);
        var ownerMap = await owners.GetAsync(ct);

        // Salesforce in full through the sync's own read (REST pages, or Bulk API 2.0 above BulkThreshold). Every record
        // comes back whatever its inclusion: one that left the filter still exists, so its link is no orphan.
        var salesforce = new Dictionary<string, SObjectRecord>(StringComparer.Ordinal);
        progress.Step(pair.Name, "reading Salesforce", 0, 3, 0);
        await foreach (var (records, _) in salesforceSide.ReadChangedAsync(pair, since: null, ct))
        {
            foreach (var record in records)
            {
                salesforce[record.Id!] = record;
            }
            progress.Step(pair.Name, "reading Salesforce", 0, 3, salesforce.Count);
        }
        progress.Step(pair.Name, "reading HubSpot", 1, 3, salesforce.Count);
        var inScope = salesforce.Values.Where(r => InclusionFilter.Matches(pair.Mapping.IncludeSalesforce, f => r.GetString(f)))
            .ToDictionary(r => r.Id!, StringComparer.Ordinal);
        var hubSpot = await ListHubSpotAsync(pair, listings, ct);

        progress.Step(pair.Name, "comparing", 2, 3, salesforce.Count + hubSpot.Count);
        var links = await store.AllLinksAsync(pair.Name);
        var bySalesforce = links.ToDictionary(l => l.SalesforceId, StringComparer.Ordinal);
        var byHubSpot = links.ToDictionary(l => l.HubSpotId, StringComparer.Ordinal);
        var siblingByHubSpot = pair.Sibling is { } sibling
            ? (await store.AllLinksAsync(sibling)).ToDictionary(l => l.HubSpotId, StringComparer.Ordinal)
            : new Dictionary<string, RecordLink>(StringComparer.Ordinal);
        var parentLinks = new Dictionary<string, (Core.Sync.OwnerMap Map, HashSet<string> HubSpotIds)>(StringComparer.Ordinal);
        foreach (var linkPair in pair.LinkFields.Select(f => f.LinkPair!).Distinct(StringComparer.Ordinal))
        {
            // As the runner translates them: a parent's link whatever its status.
            var parent = await store.AllLinksAsync(linkPair);
            var toHubSpot = parent.ToDictionary(l => l.SalesforceId, l => l.HubSpotId, StringComparer.Ordinal);
            var toSalesforce = parent.ToDictionary(l => l.HubSpotId, l => l.SalesforceId, StringComparer.Ordinal);
            parentLinks[linkPair] = (new Core.Sync.OwnerMap(toHubSpot.GetValueOrDefault, toSalesforce.GetValueOrDefault), [.. toSalesforce.Keys]);
        }
        var context = new PlanContext(pair.Mapping, time.GetUtcNow(),
            new Core.Sync.OwnerMap(ownerMap.HubSpotOwnerOf, ownerMap.SalesforceUserOf),
            kinds.Salesforce, kinds.HubSpot, pair.CreateInHubSpot, pair.CreateInSalesforce,
            Links: linkPair => parentLinks.TryGetValue(linkPair, out var p) ? p.Map : Core.Sync.OwnerMap.None,
            HubSpotTimeZone: cache.HubSpotTimeZone);

        var scan = new Scan(pair, context);
        MissingInHubSpot(scan, inScope, bySalesforce, hubSpot);
        await MissingInSalesforceAsync(scan, salesforce, inScope, hubSpot, bySalesforce, byHubSpot, siblingByHubSpot, parentLinks);
        await LinkedAsync(scan, salesforce, inScope, hubSpot, links, siblingByHubSpot, ownerMap, ct);
        Duplicates(scan, inScope, hubSpot);
        progress.Step(pair.Name, "compared", 3, 3, salesforce.Count + hubSpot.Count);
        return new PairDrift(pair.Name, scan.Items, scan.Tombstoned, scan.Notes)
        {
            SalesforceRead = salesforce.Count,
            SalesforceInScope = inScope.Count,
            HubSpotRead = hubSpot.Count,
            ActiveLinks = links.Count(l => l.Status == LinkStatuses.Active),
        };
    }

    /// <summary>
    /// Every live record of the pair's HubSpot object, read once per report for all the pairs over it, with every
    /// property any of them reads and the associations of the one that has them (a contact's company, which also
    /// decides whether an unlinked contact is the contacts pair's or the leads pair's to create).
    /// </summary>
    async Task<Dictionary<string, HubSpotObject>> ListHubSpotAsync(ObjectPair pair, Dictionary<string, Dictionary<string, HubSpotObject>> listings, CancellationToken ct)
    {
        if (listings.TryGetValue(pair.HubSpotObject, out var listed))
        {
            return listed;
        }
        var sharing = ObjectPairs.All.Select(n => ObjectPairs.For(n, configuration)).Where(p => p.HubSpotObject == pair.HubSpotObject).ToList();
        var lister = sharing.OrderByDescending(p => p.Associations.Count).First();
        var extra = sharing.SelectMany(p => p.HubSpotProperties).Distinct(StringComparer.Ordinal).ToList();
        listed = new Dictionary<string, HubSpotObject>(StringComparer.Ordinal);
        await foreach (var page in hubSpotSide.ListAllAsync(lister, extra, ct))
        {
            foreach (var record in page)
            {
                listed[record.Id] = record;
            }
        }
        listings[pair.HubSpotObject] = listed;
        return listed;
    }

    static PairDrift InPartition(PairDrift drift, Partition share) => share.IsAll ? drift : drift with
    {
        Items = [.. drift.Items.Where(i => share.Contains(i.SalesforceId ?? (i.HubSpotId is { } h ? HubSpotKey.For(h) : i.Id)))],
        Tombstoned = [.. drift.Tombstoned.Where(t => share.Contains(t.Category == DriftCategories.MissingInSalesforce ? HubSpotKey.For(t.Id) : t.Id))],
    };

    /// <summary>What one pair's scan gathers.</summary>
    sealed class Scan(ObjectPair pair, PlanContext context)
    {
        public ObjectPair Pair { get; } = pair;
        public PlanContext Context { get; } = context;
        public List<DriftItem> Items { get; } = [];
        public List<LeftItem> Tombstoned { get; } = [];
        public List<string> Notes { get; } = [];

        public void Add(string category, string id, string? salesforceId, string? hubSpotId, string? leave = null) =>
            Items.Add(new DriftItem(Pair.Name, category, id) { SalesforceId = salesforceId, HubSpotId = hubSpotId, Leave = leave });
    }

    static string LinkId(string salesforceId, string hubSpotId) => $"{salesforceId}/{hubSpotId}";

    /// <summary>
    /// Salesforce records in scope that have no link at all. A tombstone is a link: its surviving record is never
    /// created again, so it is listed as left, never as missing.
    /// </summary>
    static void MissingInHubSpot(Scan scan, Dictionary<string, SObjectRecord> inScope, Dictionary<string, RecordLink> bySalesforce, Dictionary<string, HubSpotObject> hubSpot)
    {
        var pair = scan.Pair;
        var carried = pair.CreateInHubSpot ? null : hubSpot.Values.Select(h => h[pair.HubSpotTwinIdProperty]).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (id, record) in inScope)
        {
            if (bySalesforce.TryGetValue(id, out var link))
            {
                if (link.Status == LinkStatuses.HubSpotDeleted && pair.CreateInHubSpot)
                {
                    scan.Tombstoned.Add(new LeftItem(pair.Name, id, DriftCategories.MissingInHubSpot, "its HubSpot twin was deleted: nothing is created again"));
                }
                continue;
            }
            // A pair that never creates in HubSpot is only missing what the sync would link: a HubSpot record carrying its id.
            if (carried is null || carried.Contains(id))
            {
                scan.Add(DriftCategories.MissingInHubSpot, id, id, null);
            }
        }
    }

    /// <summary>
    /// HubSpot records that pass the mapping's HubSpot filter, have no link, and are this pair's to create by the
    /// runner's rules: no Salesforce id of this pair or its sibling, not linked in the sibling pair, created after the
    /// pair's first sync where only new ones are copied, and (contacts) a company linked to an account, since the
    /// leads pair creates the others.
    /// </summary>
    async Task MissingInSalesforceAsync(Scan scan, Dictionary<string, SObjectRecord> salesforce, Dictionary<string, SObjectRecord> inScope,
        Dictionary<string, HubSpotObject> hubSpot, Dictionary<string, RecordLink> bySalesforce, Dictionary<string, RecordLink> byHubSpot,
        Dictionary<string, RecordLink> siblingByHubSpot,
        Dictionary<string, (Core.Sync.OwnerMap Map, HashSet<string> HubSpotIds)> parentLinks)
    {
        var pair = scan.Pair;
        if (!pair.CreateInSalesforce)
        {
            return;
        }
        var firstSync = pair.CreateInSalesforceOnlyNew ? await store.FirstRunStartedAtAsync(pair.Name) : null;
        var parentPair = pair.Sibling is { } s && ObjectPairs.For(s, configuration) is { CreateInSalesforceUnderParent: true } p ? p : null;
        var siblingParents = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var linkPair in (parentPair?.LinkFields ?? []).Select(f => f.LinkPair!).Distinct(StringComparer.Ordinal))
        {
            siblingParents[linkPair] = parentLinks.TryGetValue(linkPair, out var known) ? known.HubSpotIds
                : [.. (await store.AllLinksAsync(linkPair)).Select(l => l.HubSpotId)];
        }
        var ownParents = parentLinks.ToDictionary(l => l.Key, l => l.Value.HubSpotIds, StringComparer.Ordinal);
        // Before a create the runner reads this pair's Salesforce records with the email: the full read has them all.
        var emailField = pair.Mapping.Match.Contains(MatchKey.Email) ? pair.Mapping.Fields.FirstOrDefault(f => f.HubSpot == "email") : null;
        var byEmail = salesforce.Values
            .Where(r => emailField is not null && r.GetString(emailField.Salesforce) is { } e && e.Trim().Length > 0)
            .ToLookup(r => r.GetString(emailField!.Salesforce)!.Trim().ToLowerInvariant(), StringComparer.Ordinal);
        foreach (var (id, record) in hubSpot)
        {
            if (byHubSpot.TryGetValue(id, out var link))
            {
                if (link.Status == LinkStatuses.SalesforceDeleted)
                {
                    scan.Tombstoned.Add(new LeftItem(pair.Name, id, DriftCategories.MissingInSalesforce, "its Salesforce twin was deleted: nothing is created again"));
                }
                continue;
            }
            if (!InclusionFilter.Matches(pair.Mapping.IncludeHubSpot, f => record[f]) || siblingByHubSpot.ContainsKey(id)
                || pair.SiblingTwinIdProperty is { } siblingId && record[siblingId] is { Length: > 0 })
            {
                continue;
            }
            if (record[pair.HubSpotTwinIdProperty] is { Length: > 0 } carried)
            {
                if (!salesforce.ContainsKey(carried))
                {
                    scan.Add(DriftCategories.MissingInSalesforce, id, null, id,
                        $"it carries the Salesforce id {carried}, which Salesforce no longer has (deleted or merged): never created again");
                }
                // Otherwise its Salesforce record links it when read (linked-id): that record's side of the story.
                continue;
            }
            if (firstSync is { } first && !(ValueKinds.TryInstant(record[ObjectPair.CreatedProperty] ?? "", out var created) && created >= first))
            {
                // Not copied by design: it existed before the pair's first sync.
                continue;
            }
            if (pair.CreateInSalesforceUnderParent && !ParentsLinked(pair, record, ownParents))
            {
                if (pair.Sibling is null)
                {
                    scan.Add(DriftCategories.MissingInSalesforce, id, null, id,
                        $"its {string.Join(", ", pair.LinkFields.Select(f => f.LinkPair))} record is not linked: the sync creates it once it is");
                }
                continue;
            }
            if (parentPair is not null && ParentsLinked(parentPair, record, siblingParents))
            {
                // The sibling creates it (a contact under its account).
                continue;
            }
            var sameEmail = record["email"]?.Trim().ToLowerInvariant() is { Length: > 0 } email ? byEmail[email].ToList() : [];
            var free = sameEmail.Where(r => inScope.ContainsKey(r.Id!) && !bySalesforce.ContainsKey(r.Id!)).ToList();
            string? leave = null;
            if (sameEmail.Count > 0 && free.Count == 0)
            {
                // The runner creates nothing then: a second record with one email is a duplicate the org's rules refuse.
                leave = $"the Salesforce {pair.SalesforceObject} with its email ({string.Join(", ", sameEmail.Take(3).Select(r => r.Id))}) is linked to another HubSpot record or does not take part: a second one would be a duplicate";
            }
            else if (free.Count > 1)
            {
                leave = $"{free.Count} Salesforce {pair.SalesforceObject} records have its email ({string.Join(", ", free.Take(3).Select(r => r.Id))}): the sync never guesses; link one by setting its {pair.SalesforceTwinIdField} to {id}";
            }
            scan.Add(DriftCategories.MissingInSalesforce, id, null, id, leave);
        }
    }

    static bool ParentsLinked(ObjectPair pair, HubSpotObject record, Dictionary<string, HashSet<string>> linkedHubSpotIds) =>
        pair.LinkFields.All(f => record[f.HubSpot] is { Length: > 0 } parent && linkedHubSpotIds.TryGetValue(f.LinkPair!, out var linked) && linked.Contains(parent));

    /// <summary>
    /// Several records on one side sharing a match key's value: the sync never guesses between them (it dead-letters
    /// the record as ambiguous), so a person has to merge them or link one. Salesforce: the records in scope; HubSpot:
    /// every live record, as the sync's match index holds them.
    /// </summary>
    static void Duplicates(Scan scan, Dictionary<string, SObjectRecord> inScope, Dictionary<string, HubSpotObject> hubSpot)
    {
        var pair = scan.Pair;
        var keys = new List<(string Key, FieldMapping Field, Func<string?, string?> Normalize)>();
        if (pair.Mapping.Match.Contains(MatchKey.Domain) && pair.Mapping.Fields.FirstOrDefault(f => f.Transform == FieldTransform.Domain) is { } domain)
        {
            keys.Add(("domain", domain, DomainName.Normalize));
        }
        if (pair.Mapping.Match.Contains(MatchKey.Email) && pair.Mapping.Fields.FirstOrDefault(f => f.HubSpot == "email") is { } email)
        {
            keys.Add(("email", email, v => v?.Trim() is { Length: > 0 } e ? e.ToLowerInvariant() : null));
        }
        foreach (var (key, field, normalize) in keys)
        {
            Group(scan, key, "Salesforce", inScope.Values.Select(r => (r.Id!, normalize(r.GetString(field.Salesforce)))));
            Group(scan, key, "HubSpot", hubSpot.Values.Select(r => (r.Id, normalize(r[field.HubSpot]))));
        }
    }

    static void Group(Scan scan, string key, string system, IEnumerable<(string Id, string? Value)> records)
    {
        foreach (var group in records.Where(r => r.Value is not null).GroupBy(r => r.Value!, StringComparer.Ordinal).Where(g => g.Count() > 1).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ids = group.Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
            scan.Add(DriftCategories.DuplicateCandidates, string.Join('+', ids), null, null,
                $"{ids.Count} {system} records share the {key} {group.Key}: merging them, or linking one by its twin id, is a person's call");
        }
    }
}
