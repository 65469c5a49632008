using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>The runner's first step: what changed on each side, and what the rules moved.</summary>
public sealed partial class SyncRunner
{
    // ---- reading ----

    /// <summary>
    /// Both sides' changes, once the gates allow (<see cref="PairSequence"/>): a whole read goes ahead of the earlier
    /// pairs, an incremental one waits with the pages; associations and HubSpot's pages only once the run may plan.
    /// </summary>
    async Task ReadAsync(RunState run, RunGates gates, CancellationToken ct)
    {
        // Reading ahead pays where the read is large (a first run, a full sync). An incremental read waits for its
        // pages' gate as well, so that what a page plans from was read just before it, as when the pair runs alone.
        var wholeRead = run.Request.Full || await CursorAsync(run, Side.Salesforce) is null || await CursorAsync(run, Side.HubSpot) is null;
        await (wholeRead ? gates.ReadsMayStart : Task.WhenAll(gates.ReadsMayStart, gates.PagesMayStart)).WaitAsync(ct);
        // The unit of work is (pair, direction): which side's changes drive this run. Both, in turn, by default.
        if (run.Request.Direction is SyncDirections.Both or SyncDirections.SalesforceToHubSpot)
        {
            await ReadSalesforceAsync(run, ct);
            if (!wholeRead)
            {
                // The earlier pairs have finished (an incremental read waits for them): what moved because of their
                // work (an account's new owner, for its contacts) is known before the moved records are read.
                await PrepareRulesAsync(run);
            }
            await AddMovedAsync(run, ct);
        }
        if (run.Request.Direction is SyncDirections.Both or SyncDirections.HubSpotToSalesforce)
        {
            await ReadHubSpotAsync(run, ct);
        }
        if (run.SalesforceReadAll && run.Request.Direction is SyncDirections.Both or SyncDirections.SalesforceToHubSpot)
        {
            // Every record of a first run is unlinked: while the earlier pairs still write (none of them writes what
            // this pair reads), their twins are looked for, a page at a time, until the run may plan; each page
            // then looks for the rest of its own.
            foreach (var page in run.SalesforcePages)
            {
                if (gates.PagesMayStart.IsCompleted || run.Index is { Complete: true })
                {
                    break;
                }
                if (page.Items.Where(i => i.Salesforce is not null && !i.SalesforceDeleted && !i.RulesOnly).ToList() is { Count: > 0 } unlinked)
                {
                    await MatchIndexAsync(run, unlinked, ct);
                }
            }
        }
        // An earlier pair's merges move associations (a company merged in HubSpot takes its contacts along), so
        // they are read only once the pairs this one depends on have finished, as are the links they made.
        await gates.PagesMayStart.WaitAsync(ct);
        if (run.Request.Direction is SyncDirections.Both or SyncDirections.HubSpotToSalesforce)
        {
            await PageHubSpotChangesAsync(run, ct);
        }
    }

    /// <summary>Failed records first (their ids are read again whatever the cursor says), then every change since the cursor.</summary>
    async Task ReadSalesforceAsync(RunState run, CancellationToken ct)
    {
        var pair = run.Pair;
        var retry = (await store.GetDueDeadLettersAsync(pair.Name, time.GetUtcNow())).Where(d => d.Side == Side.Salesforce || d.Side == Side.HubSpot)
            .Select(d => d.RecordId).Concat(run.Request.ReRead).Where(id => !HubSpotKey.IsHubSpotKey(id)).Distinct(StringComparer.Ordinal).ToList();
        var gone = new List<string>();
        if (retry.Count > 0)
        {
            // Through queryAll: a record deleted (or merged away) since it failed comes back as such.
            var records = await salesforceSide.ReadByIdsAsync(pair, retry, ct, includeDeleted: true);
            AddSalesforcePage(run, [.. records.Values], cursor: null);
            gone.AddRange(retry.Where(id => !records.ContainsKey(id)));
            if (pair.LinkSet is not null)
            {
                run.LinkSetChanged.UnionWith(retry);
            }
        }
        var cursor = run.Request.Full ? null : await CursorAsync(run, Side.Salesforce);
        run.SalesforceReadAll = cursor is null;
        if (cursor is null && pair.Mapping.Fields.FirstOrDefault(f => f.HubSpot == "email") is { } emailField)
        {
            // This read sees every record: HubSpot records matched by email later in the run look here, not in a query.
            run.SalesforceEmailField = emailField.Salesforce;
            run.SalesforceByEmail = new Dictionary<string, List<SObjectRecord>>(StringComparer.Ordinal);
        }
        // Deletes have their own cursor (a quiet org's record cursor stays where its last change was, for months), and a
        // full read asks for them too: it reads live records only.
        if ((await CursorAsync(run, Side.SalesforceDeletes) ?? await CursorAsync(run, Side.Salesforce)) is { } deletesFrom)
        {
            gone.AddRange(await DeletedSinceAsync(run, deletesFrom, ct));
        }
        else
        {
            // The first run: nothing was linked before it, so no delete before it matters.
            run.DeletesCursorAtEnd = new SyncCursor(run.StartedAt - options.Value.CursorOverlap, "");
        }
        SyncCursor? newest = null;
        var unordered = false;
        await foreach (var (records, ordered) in salesforceSide.ReadChangedAsync(pair, cursor?.ModifiedAt - options.Value.CursorOverlap, ct))
        {
            var last = CursorAfter(records);
            if (last is not null && (newest is null || (last.ModifiedAt, last.RecordId).CompareTo((newest.ModifiedAt, newest.RecordId)) > 0))
            {
                newest = last;
            }
            unordered |= !ordered;
            AddSalesforcePage(run, records, ordered ? last : null);
        }
        if (unordered && newest is not null)
        {
            // Bulk results come in no promised order: the cursor moves once, after the last page.
            run.SalesforcePages.Add(new Page([], newest));
        }
        if (cursor is not null)
        {
            await ReadLinkSetChangesAsync(run, cursor, ct);
        }
        await AddGoneAsync(run, gone);
    }

    /// <summary>
    /// Records deleted since the cursor that queryAll may no longer show (emptied from the recycle bin, hard-deleted):
    /// the <c>deleted</c> replication call. It reaches back about 30 days; an older cursor is a gap, and then every
    /// active link's Salesforce id is checked against the ids that exist (the reconcile id sweep).
    /// </summary>
    async Task<IReadOnlyList<string>> DeletedSinceAsync(RunState run, SyncCursor cursor, CancellationToken ct)
    {
        var pair = run.Pair;
        var now = time.GetUtcNow();
        // The call answers whole minutes, and a record deleted in the current minute shows once it is over.
        var start = cursor.ModifiedAt - (options.Value.CursorOverlap > TimeSpan.FromMinutes(2) ? options.Value.CursorOverlap : TimeSpan.FromMinutes(2));
        string? gap = null;
        if (now - start > SalesforceClient.ReplicationWindow - TimeSpan.FromMinutes(5))
        {
            gap = $"the last Salesforce read ({cursor.ModifiedAt:u}) is older than the {SalesforceClient.ReplicationWindow.TotalDays:0} days Salesforce reports deletes for";
        }
        else
        {
            try
            {
                var deleted = await salesforce.GetDeletedAsync(pair.SalesforceObject, start, now, ct);
                if (deleted.EarliestDateAvailable is { } earliest && earliest > start)
                {
                    gap = $"Salesforce reports deletes only from {earliest:u}, after the last check ({cursor.ModifiedAt:u})";
                }
                else
                {
                    run.DeletesCursorAtEnd = new SyncCursor(deleted.LatestDateCovered is { } covered && covered < now ? covered : now, "");
                    return [.. deleted.Records.Select(r => r.Id)];
                }
            }
            catch (SalesforceApiException e) when (e.Errors.Any(x => x.Code == "INVALID_REPLICATION_DATE"))
            {
                gap = $"Salesforce refused the deletes since the last check ({cursor.ModifiedAt:u}): {e.Message}";
            }
        }
        var live = await salesforceSide.ReadAllIdsAsync(pair, ct);
        run.DeletesCursorAtEnd = new SyncCursor(now, "");
        var missing = (await store.AllLinksAsync(pair.Name))
            .Where(l => l.Status == LinkStatuses.Active && !HubSpotKey.IsHubSpotKey(l.SalesforceId) && !live.Contains(l.SalesforceId))
            .Select(l => l.SalesforceId).ToList();
        run.DeleteGap = $"{gap}: every linked id was checked against the {live.Count} records that exist instead, and {missing.Count} were gone";
        return missing;
    }

    /// <summary>
    /// Linked records gone from Salesforce that no read of this run showed: deleted items without a record, first in
    /// the run (they carry no cursor), so that their twins follow the mapping's onDelete.
    /// </summary>
    async Task AddGoneAsync(RunState run, IReadOnlyList<string> ids)
    {
        var read = run.SalesforcePages.SelectMany(p => p.Items).Select(i => i.SalesforceId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var fresh = ids.Where(id => !read.Contains(id) && run.Request.Partition.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        if (fresh.Count == 0)
        {
            return;
        }
        var links = await store.GetLinksAsync(run.Pair.Name, fresh);
        var items = new List<Item>();
        foreach (var id in fresh.Where(links.ContainsKey))
        {
            run.Deleted++;
            run.Pair.Rules?.Exclude(id, "Not on the target list: deleted in Salesforce.");
            items.Add(new Item { SalesforceId = id, SalesforceDeleted = true });
        }
        run.SalesforcePages.Insert(0, new Page(items, null));
    }

    /// <summary>
    /// The cursor of this run's partition; a partition that never ran starts from the whole pair's cursor, so that
    /// switching to partitions neither misses what changed since the last whole run nor reads everything again.
    /// </summary>
    async Task<SyncCursor?> CursorAsync(RunState run, string side) =>
        await store.GetCursorAsync(run.Request.Partition.Key(run.Pair.Name), side)
        ?? (run.Request.Partition.IsAll ? null : await store.GetCursorAsync(run.Pair.Name, side));

    void AddSalesforcePage(RunState run, IReadOnlyList<SObjectRecord> records, SyncCursor? cursor)
    {
        var items = new List<Item>();
        foreach (var record in records)
        {
            run.Read++;
            var modstamp = record.GetDateTime("SystemModstamp");
            // The overlap window and the dead-letter retry read some versions twice: once is enough.
            if (!run.Seen.Add((record.Id!, modstamp)))
            {
                continue;
            }
            if (run.SalesforceByEmail is { } byEmail && record.GetBool("IsDeleted") != true && record.GetString(run.SalesforceEmailField!) is { } email && email.Trim().Length > 0)
            {
                var key = email.Trim().ToLowerInvariant();
                (byEmail.TryGetValue(key, out var people) ? people : byEmail[key] = []).Add(record);
            }
            if (record.GetBool("IsDeleted") == true)
            {
                // Deleted: it stops counting towards caps now, and its decision says so. Its twin gets the mapping's
                // onDelete (propagate, unlink or ignore) once the page finds its link.
                run.Deleted++;
                run.Pair.Rules?.Exclude(record.Id!, "Not on the target list: deleted in Salesforce.");
                if (run.Request.Partition.Contains(record.Id!))
                {
                    items.Add(new Item { SalesforceId = record.Id, Salesforce = record, SalesforceDeleted = true });
                }
                continue;
            }
            if (!InclusionFilter.Matches(run.Pair.Mapping.IncludeSalesforce, f => record.GetString(f)))
            {
                run.Excluded++;
                // An account that was on the list and left the filter has its tier taken back on both sides, with why;
                // nothing else of it travels any more.
                if (run.Pair.Rules?.Exclude(record.Id!, $"Not on the target list: no longer passes the inclusion filter ({Describe(run.Pair.Mapping.IncludeSalesforce, record)}).") == true)
                {
                    items.Add(new Item { SalesforceId = record.Id, Salesforce = record, RulesOnly = true, LeftFilter = true });
                }
                continue;
            }
            run.Pair.Rules?.Observe(record);
            // Every partition's rules see every change; each plans and writes only its own records.
            if (run.Request.Partition.Contains(record.Id!))
            {
                items.Add(new Item { SalesforceId = record.Id, Salesforce = record });
            }
        }
        run.SalesforcePages.Add(new Page(items, cursor));
    }

    /// <summary>The conditions a record fails, as a person reads them ("Type is Partner").</summary>
    static string Describe(IReadOnlyList<InclusionCondition> conditions, SObjectRecord record) => string.Join("; ",
        conditions.Where(c => !InclusionFilter.Matches([c], f => record.GetString(f)))
            .Select(c => $"{c.Field} is {record.GetString(c.Field) ?? "empty"}"));

    /// <summary>
    /// HubSpot's changes since its cursor, as pages of 100. On the very first run there is no cursor and nothing was
    /// linked before: the Salesforce-driven pass plans every linked pair with HubSpot's current values, so the
    /// HubSpot cursor simply starts at this run's start.
    /// </summary>
    async Task ReadHubSpotAsync(RunState run, CancellationToken ct)
    {
        var pair = run.Pair;
        // HubSpot records whose create in Salesforce failed are read again first, whatever the cursor says.
        if (pair.CreateInSalesforce)
        {
            run.HubSpotRetry.AddRange((await store.GetDueDeadLettersAsync(pair.Name, time.GetUtcNow())).Select(d => d.RecordId).Concat(run.Request.ReRead)
                .Where(HubSpotKey.IsHubSpotKey).Select(HubSpotKey.IdOf).Distinct(StringComparer.Ordinal));
        }
        var cursor = await CursorAsync(run, Side.HubSpot);
        var startCursor = new SyncCursor(run.StartedAt - options.Value.CursorOverlap, "");
        // A pair that creates in Salesforce reads, on its first run, every HubSpot record its filter lets in (an MQL
        // with no twin yet); one that does not has nothing to learn from HubSpot that the Salesforce pass did not plan.
        var firstRun = cursor is null && !run.Request.Full;
        if (firstRun && !pair.CreateInSalesforce)
        {
            run.HubSpotCursorAtEnd = startCursor;
            return;
        }
        var since = run.Request.Full || cursor is null ? DateTimeOffset.UnixEpoch : cursor.ModifiedAt - options.Value.CursorOverlap;
        DateTimeOffset? watermark = null;
        var all = run.HubSpotChanged;
        if (firstRun && run.SalesforceReadAll && run.Index is null && await IndexListsPortalAsync(run, ct))
        {
            // Every Salesforce record is unlinked and the match index lists the portal (fewer calls than searching
            // every key): that one listing is the change read too, where a search for the included records would read
            // many of them a second time.
            var index = await NewMatchIndexAsync(run);
            var (domainProperty, byEmail) = IndexKeys(pair);
            await foreach (var page in hubSpotSide.ListAllAsync(pair, [], ct, withAssociations: false))
            {
                foreach (var record in page)
                {
                    run.HubSpotRead++;
                    AddToIndex(pair, index, record, domainProperty, byEmail);
                    if (InclusionFilter.Matches(pair.Mapping.IncludeHubSpot, f => record[f]) && run.SeenHubSpot.Add((record.Id, record.UpdatedAt)))
                    {
                        all.Add(new Item { HubSpotId = record.Id, HubSpot = record });
                    }
                }
            }
            index.Complete = true;
        }
        else
        {
            await foreach (var page in hubSpotSide.ReadChangedAsync(pair, since, ct, onlyIncluded: firstRun, withAssociations: false))
            {
                foreach (var record in page.Records)
                {
                    run.HubSpotRead++;
                    if (run.SeenHubSpot.Add((record.Id, record.UpdatedAt)))
                    {
                        all.Add(new Item { HubSpotId = record.Id, HubSpot = record });
                    }
                }
                watermark = page.Watermark ?? watermark;
            }
        }
        if (!firstRun)
        {
            // Archived records never show in a search by modification time: they are listed apart. A link already
            // marked deleted makes a record listed again a no-op.
            await foreach (var archived in hubSpotSide.ListArchivedAsync(pair, ct))
            {
                run.HubSpotArchived.AddRange(archived.Select(r => new Item { HubSpotId = r.Id, HubSpot = r, HubSpotDeleted = true }));
            }
        }
        // The cursor never passes this run's start: a change committed while the read ran is read next time.
        var end = !firstRun && watermark is { } w && w < startCursor.ModifiedAt ? w : startCursor.ModifiedAt;
        run.HubSpotCursorAtEnd = new SyncCursor(end, "");
    }

    /// <summary>
    /// The HubSpot side's pages, once the run may plan: records whose create in Salesforce failed first (read again by
    /// id, with their associations), then the changes with their associations, then the archived.
    /// </summary>
    async Task PageHubSpotChangesAsync(RunState run, CancellationToken ct)
    {
        var pair = run.Pair;
        if (run.HubSpotRetry.Count > 0)
        {
            var records = await hubSpotSide.ReadByIdsAsync(pair, run.HubSpotRetry, ct);
            run.HubSpotPages.Add(new Page([.. records.Values.Where(r => run.SeenHubSpot.Add((r.Id, r.UpdatedAt))).Select(r => new Item { HubSpotId = r.Id, HubSpot = r })], null));
        }
        var all = run.HubSpotChanged;
        // Every page is read before any is processed: their associations go in batches of 1,000, not a call per page.
        if (all.Count > 0 && pair.Associations.Count > 0)
        {
            var read = await hubSpotSide.WithAssociationsAsync(pair, [.. all.Select(i => i.HubSpot!)], ct);
            for (var i = 0; i < all.Count; i++)
            {
                all[i].HubSpot = read[i];
            }
        }
        // HubSpot pages carry no cursor (it moves once, at the end), so they are processed in pages of the Salesforce
        // page size rather than HubSpot's 100: a page's creates in Salesforce and its batches fill up across them.
        var size = Math.Max(HubSpotClient.MaxBatchSize, salesforceOptions.Value.QueryBatchSize);
        run.HubSpotPages.AddRange(all.Chunk(size).Select(c => new Page([.. c], null)));
        run.HubSpotPages.AddRange(run.HubSpotArchived.Chunk(size).Select(c => new Page([.. c], null)));
    }

    /// <summary>
    /// Whether this first run's match index lists the HubSpot object rather than searching for the keys of the
    /// Salesforce records read: a domain is matched in a normalized form no search finds; otherwise whichever takes
    /// fewer calls, the portal's size (one search for its total) against the keys 500 a search and the change read's search.
    /// </summary>
    async Task<bool> IndexListsPortalAsync(RunState run, CancellationToken ct)
    {
        var pair = run.Pair;
        var (domainProperty, byEmail) = IndexKeys(pair);
        if (domainProperty is not null || pair.Mapping.Match.Contains(MatchKey.Name))
        {
            return true;
        }
        var records = run.SalesforcePages.SelectMany(p => p.Items).Where(i => i.Salesforce is not null && !i.SalesforceDeleted && !i.RulesOnly).ToList();
        var ids = pair.Mapping.Match.Contains(MatchKey.LinkedId) ? records.Count : 0;
        var emails = byEmail ? records.Select(i => Email(pair, i.Salesforce!)).OfType<string>().Distinct(StringComparer.Ordinal).Count() : 0;
        if (ids + emails == 0)
        {
            return false;
        }
        var portal = await hubSpotSide.CountAsync(pair, ct);
        var listCalls = (portal + HubSpotClient.MaxBatchSize - 1) / HubSpotClient.MaxBatchSize;
        run.PortalListCalls = listCalls;
        // Searching keys leaves the change read to do: a search for the included records, at most the whole portal.
        var searchCalls = HubSpotAdapter.KeySearchCalls(ids, emails, records.Count) + (portal + HubSpotClient.MaxSearchLimit - 1) / HubSpotClient.MaxSearchLimit;
        return listCalls <= searchCalls;
    }

    /// <summary>
    /// Caps make decisions depend on each other: an account read in this run can push one that did not change down a
    /// tier. Those accounts are read again by id and go through the same pipeline.
    /// </summary>
    async Task AddMovedAsync(RunState run, CancellationToken ct)
    {
        if (run.Pair.Rules is not { } rules)
        {
            return;
        }
        var pending = run.SalesforcePages.SelectMany(p => p.Items).Select(i => i.SalesforceId!).ToHashSet(StringComparer.Ordinal);
        // A record whose write failed is not the rules' to try again: its dead letter's backoff (or a person) decides
        // when, and until then the rules' values it lacks keep it looking moved.
        var now = time.GetUtcNow();
        foreach (var status in new[] { DeadLetterStatuses.Open, DeadLetterStatuses.Parked, DeadLetterStatuses.Discarded })
        {
            // Resolved letters, the bulk of the table over time, are never read for this.
            pending.UnionWith((await store.GetDeadLettersAsync(run.Pair.Name, status))
                .Where(d => d.Status != DeadLetterStatuses.Open || d.NextAttemptAt is { } next && next > now)
                .Select(d => d.RecordId));
        }
        var moved = rules.Moved().Where(id => !pending.Contains(id) && run.Request.Partition.Contains(id)).ToList();
        if (moved.Count == 0)
        {
            return;
        }
        var records = await salesforceSide.ReadByIdsAsync(run.Pair, moved, ct);
        var items = new List<Item>();
        foreach (var id in moved)
        {
            if (records.TryGetValue(id, out var record) && InclusionFilter.Matches(run.Pair.Mapping.IncludeSalesforce, f => record.GetString(f)))
            {
                items.Add(new Item { SalesforceId = id, Salesforce = record });
            }
            else
            {
                // Gone or no longer included: it stops counting, and the caps are decided again without it.
                rules.Exclude(id, "Not on the target list: deleted in Salesforce or no longer included.");
            }
        }
        run.SalesforcePages.Add(new Page(items, null));
    }

    static SyncCursor? CursorAfter(IReadOnlyList<SObjectRecord> records) => records
        .Where(r => r.GetDateTime("SystemModstamp") is not null)
        .Select(r => new SyncCursor(r.GetDateTime("SystemModstamp")!.Value, r.Id!))
        .OrderBy(c => c.ModifiedAt).ThenBy(c => c.RecordId, StringComparer.Ordinal)
        .LastOrDefault();
}
