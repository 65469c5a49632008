using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// HubSpot records with no Salesforce twin: which of them take part, which match a Salesforce record by email, and
/// which are created in Salesforce (by upsert on our external id); a pair sharing its HubSpot object with a sibling.
/// </summary>
public sealed partial class SyncRunner
{
    /// <summary>
    /// For each HubSpot change without a link: it takes part when it passes the mapping's HubSpot filter, carries no
    /// Salesforce id of ours or of the sibling pair, and is this pair's to create (a contact under a linked account; a
    /// lead where the company is not linked). It then matches a Salesforce record by email (exactly one that takes part
    /// and is free, or it is flagged as ambiguous) or is marked for a create.
    /// </summary>
    async Task ResolveHubSpotUnlinkedAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        if (items.Count == 0)
        {
            return;
        }
        var pair = run.Pair;
        foreach (var item in items)
        {
            var record = item.HubSpot!;
            if (!InclusionFilter.Matches(pair.Mapping.IncludeHubSpot, f => record[f]))
            {
                item.Skip = "not linked, and it does not pass the HubSpot filter";
            }
            else if (record[pair.HubSpotTwinIdProperty] is { Length: > 0 })
            {
                // Its Salesforce record links it when that record is read (match key linked-id).
                item.Skip = "it carries a Salesforce id already";
            }
            else if (pair.SiblingTwinIdProperty is { } sibling && record[sibling] is { Length: > 0 })
            {
                item.Skip = $"it is the twin of a Salesforce record of {pair.Sibling}";
            }
        }
        var candidates = items.Where(i => i.Skip is null).ToList();
        if (pair.CreateInSalesforceOnlyNew && candidates.Count > 0 && await store.FirstRunStartedAtAsync(pair.Name) is { } firstSync)
        {
            foreach (var item in candidates.Where(i => !(ValueKinds.TryInstant(i.HubSpot![ObjectPair.CreatedProperty] ?? "", out var created) && created >= firstSync)))
            {
                item.Skip = $"it existed in HubSpot before the first sync of {pair.Name}; link it by setting its {pair.HubSpotTwinIdProperty}";
            }
            candidates.RemoveAll(i => i.Skip is not null);
        }
        if (pair.Sibling is { } siblingPair && candidates.Count > 0)
        {
            var linked = await store.GetLinksByHubSpotIdAsync(siblingPair, [.. candidates.Select(i => i.HubSpotId!)]);
            foreach (var item in candidates.Where(i => linked.ContainsKey(i.HubSpotId!)))
            {
                item.Skip = $"it is linked in {siblingPair}";
            }
            candidates.RemoveAll(i => i.Skip is not null);
        }
        if (candidates.Count > 0 && pair.CreateInSalesforceUnderParent)
        {
            var resolved = await ParentsLinkedAsync(pair, candidates);
            foreach (var item in candidates.Where(i => !resolved.Contains(i.HubSpotId!)))
            {
                item.Skip = $"its company is not linked to an account: {pair.Sibling ?? "another pair"} takes it";
            }
        }
        else if (candidates.Count > 0 && pair.Sibling is { } other && ObjectPairs.For(other, configuration) is { CreateInSalesforceUnderParent: true } parentPair)
        {
            // The sibling creates the records whose parent is linked (a contact under its account): only the rest are ours.
            var withParents = await hubSpotSide.ReadByIdsAsync(parentPair, [.. candidates.Select(i => i.HubSpotId!)], ct);
            var resolved = await ParentsLinkedAsync(parentPair,
                [.. candidates.Select(i => new Item { HubSpotId = i.HubSpotId, HubSpot = withParents.GetValueOrDefault(i.HubSpotId!) })]);
            foreach (var item in candidates.Where(i => resolved.Contains(i.HubSpotId!)))
            {
                item.Skip = $"its company is linked to an account: {other} creates it as a {parentPair.SalesforceObject}";
            }
        }
        candidates.RemoveAll(i => i.Skip is not null);
        await MatchInSalesforceAsync(run, candidates, ct);
        foreach (var item in candidates.Where(i => i.Live && i.SalesforceId is null))
        {
            item.LinkReason = "created";
        }
    }

    /// <summary>The HubSpot ids of the items whose every link field points at a linked record (a company linked to an account).</summary>
    async Task<HashSet<string>> ParentsLinkedAsync(ObjectPair pair, IReadOnlyList<Item> items)
    {
        var resolved = items.Where(i => i.HubSpot is not null).Select(i => i.HubSpotId!).ToHashSet(StringComparer.Ordinal);
        foreach (var field in pair.LinkFields)
        {
            var parents = items.Select(i => i.HubSpot?[field.HubSpot]).OfType<string>().Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            var links = await store.GetLinksByHubSpotIdAsync(field.LinkPair!, parents);
            foreach (var item in items)
            {
                if (item.HubSpot?[field.HubSpot] is not { Length: > 0 } parent || !links.ContainsKey(parent))
                {
                    resolved.Remove(item.HubSpotId!);
                }
            }
        }
        return resolved;
    }

    /// <summary>
    /// Before a create, the match keys: the one Salesforce record with the HubSpot record's email that takes part and
    /// is not linked yet becomes its twin; several are flagged, never guessed. Where only records that are linked to
    /// another HubSpot record or left out by the filter have the email, nothing is created: a second record with one
    /// email is a duplicate the org's rules would refuse.
    /// </summary>
    async Task MatchInSalesforceAsync(RunState run, List<Item> candidates, CancellationToken ct)
    {
        var pair = run.Pair;
        if (candidates.Count == 0 || !pair.Mapping.Match.Contains(MatchKey.Email)
            || pair.Mapping.Fields.FirstOrDefault(f => f.HubSpot == "email") is not { } emailField)
        {
            return;
        }
        var emails = candidates.Select(i => (Item: i, Email: i.HubSpot!["email"]?.Trim().ToLowerInvariant()))
            .Where(e => e.Email is { Length: > 0 }).ToList();
        if (emails.Count == 0)
        {
            return;
        }
        var found = run.SalesforceByEmail is { } read
            ? emails.Where(e => read.ContainsKey(e.Email!)).DistinctBy(e => e.Email).ToDictionary(e => e.Email!, e => read[e.Email!], StringComparer.Ordinal)
            : await salesforceSide.ReadByEmailsAsync(pair, emailField.Salesforce, [.. emails.Select(e => e.Email!)], ct);
        var links = await store.GetLinksAsync(pair.Name, [.. found.Values.SelectMany(r => r).Select(r => r.Id!)]);
        // Claimed in this run: a page planned ahead sees the matches of the page before it, committed or not.
        var claimed = run.ClaimedInSalesforce;
        foreach (var (item, email) in emails)
        {
            if (!found.TryGetValue(email!, out var records))
            {
                continue;
            }
            var free = records.Where(r => !links.ContainsKey(r.Id!) && !claimed.Contains(r.Id!)
                && InclusionFilter.Matches(pair.Mapping.IncludeSalesforce, f => r.GetString(f))).ToList();
            if (free.Count == 1)
            {
                item.Salesforce = free[0];
                item.SalesforceId = free[0].Id;
                item.LinkReason = "email";
                claimed.Add(free[0].Id!);
            }
            else if (free.Count > 1)
            {
                item.Failure = new RecordFailure(Side.Salesforce, item.Key, "AMBIGUOUS_MATCH",
                    $"{free.Count} Salesforce {pair.SalesforceObject} records have the email {email}: {string.Join(", ", free.Take(5).Select(r => r.Id))}. Link one by setting its {pair.SalesforceTwinIdField} to {item.HubSpotId}, or merge them.", []);
            }
            else
            {
                item.Skip = $"the Salesforce {pair.SalesforceObject} with the email {email} is linked to another HubSpot record or does not take part";
            }
        }
    }

    /// <summary>
    /// The records a lead pair shares with the contact pair: where the HubSpot record is also a contact's twin, only
    /// the twin ids are written from here, and every field flows with the contact.
    /// </summary>
    async Task FollowSiblingAsync(RunState run, List<Item> items)
    {
        var pair = run.Pair;
        if (!pair.FieldsFollowSibling || pair.Sibling is not { } sibling)
        {
            return;
        }
        var shared = items.Where(i => i.Live && i.HubSpotId is not null && !i.RulesOnly).ToList();
        var linked = await store.GetLinksByHubSpotIdAsync(sibling, [.. shared.Select(i => i.HubSpotId!)]);
        foreach (var item in shared.Where(i => linked.ContainsKey(i.HubSpotId!)))
        {
            item.RulesOnly = true;
        }
    }

    /// <summary>
    /// Creates in Salesforce the HubSpot records planned for it, by upsert on our external id. A create refused by the
    /// org's duplicate rule links the one record the rule matched, when it is not linked already; otherwise it is
    /// flagged with the records the rule found.
    /// </summary>
    async Task CreateInSalesforceAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        var pair = run.Pair;
        var creates = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.CreateInSalesforce).ToList();
        if (creates.Count == 0)
        {
            return;
        }
        var byKey = creates.ToDictionary(i => i.Key, StringComparer.Ordinal);
        var outcomes = await salesforceSide.CreateAsync(pair, [.. creates.Select(i => (i.Key, i.Plan!.SalesforceWrites))], run.Kinds!.Salesforce, ct);
        var matched = outcomes.Where(o => o.Code == "DUPLICATES_DETECTED").SelectMany(o => o.Duplicates).Distinct(StringComparer.Ordinal).ToList();
        var matchedLinks = await store.GetLinksAsync(pair.Name, matched);
        var twinIds = new List<(string Id, IReadOnlyDictionary<string, string?> Values)>();
        foreach (var outcome in outcomes)
        {
            var item = byKey[outcome.Key];
            if (outcome.Success)
            {
                item.SalesforceId = outcome.Id;
                item.SalesforceWritten = true;
                run.SalesforceCreated += outcome.Created ? 1 : 0;
                run.SalesforceUpdated += outcome.Created ? 0 : 1;
            }
            else if (outcome.Code == "DUPLICATES_DETECTED" && outcome.Duplicates is [var only] && !matchedLinks.ContainsKey(only)
                && !creates.Any(c => c.SalesforceId == only))
            {
                item.SalesforceId = only;
                item.LinkReason = "duplicate-rule";
                item.LinkedByDuplicateRule = true;
                twinIds.Add((only, new Dictionary<string, string?> { [pair.SalesforceTwinIdField] = item.HubSpotId }));
            }
            else
            {
                item.SalesforceFailure = new RecordFailure(Side.Salesforce, outcome.Key, outcome.Code!,
                    outcome.Code == "DUPLICATES_DETECTED"
                        ? $"Salesforce's duplicate rule matched {outcome.Duplicates.Count} {pair.SalesforceObject} records ({string.Join(", ", outcome.Duplicates.Take(5))}){(outcome.Duplicates.Count == 1 ? ", already linked to another HubSpot record" : "")}; nothing was created. Merge them, or link one by setting its {pair.SalesforceTwinIdField} to {item.HubSpotId}."
                        : outcome.Message!,
                    outcome.Fields) { Payload = item.Plan!.SalesforceWrites };
            }
        }
        if (twinIds.Count > 0)
        {
            var byId = creates.Where(c => c.LinkedByDuplicateRule).ToDictionary(c => c.SalesforceId!, StringComparer.Ordinal);
            foreach (var outcome in await salesforceSide.UpdateAsync(pair.SalesforceObject, twinIds, run.Kinds.Salesforce, ct))
            {
                if (!outcome.Success)
                {
                    var item = byId[outcome.Key];
                    item.SalesforceFailure = new RecordFailure(Side.Salesforce, item.Key, outcome.Code!, outcome.Message!, outcome.Fields);
                    item.SalesforceId = null;
                }
            }
        }
    }

    /// <summary>The twin id, with whatever else the plan writes to HubSpot (a rule's value such as the buying role): one write.</summary>
    static IReadOnlyDictionary<string, string?> TwinIdWrite(ObjectPair pair, Item item) =>
        new Dictionary<string, string?>(item.Plan!.HubSpotWrites, StringComparer.Ordinal) { [pair.HubSpotTwinIdProperty] = item.SalesforceId };

    /// <summary>
    /// A record created in (or linked to) Salesforce from HubSpot tells its HubSpot twin its new Salesforce id. A
    /// refusal leaves the link standing and is retried from the Salesforce side, where the twin id is a rule value.
    /// </summary>
    async Task WriteHubSpotTwinIdsAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        var pair = run.Pair;
        var written = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.CreateInSalesforce && i.SalesforceId is not null && i.SalesforceFailure is null).ToList();
        if (written.Count == 0)
        {
            return;
        }
        var byKey = written.ToDictionary(i => i.SalesforceId!, StringComparer.Ordinal);
        await Parallel.ForEachAsync(written.Chunk(HubSpotClient.MaxBatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.HubSpotWritesInFlight, CancellationToken = ct }, async (chunk, token) =>
            {
                var outcomes = await hubSpotSide.UpdateAsync(pair,
                    [.. chunk.Select(i => (i.SalesforceId!, i.HubSpotId!, TwinIdWrite(pair, i)))], token);
                // Each item is in one chunk only: no two writers touch one item.
                foreach (var outcome in outcomes.Where(o => !o.Success))
                {
                    byKey[outcome.Key].TwinIdFailure = new RecordFailure(Side.HubSpot, outcome.Key, outcome.Code!, outcome.Message!, outcome.Fields);
                }
            });
    }
}
