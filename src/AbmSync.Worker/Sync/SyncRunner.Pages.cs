using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;
using Microsoft.Extensions.Logging;

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
    async Task ProcessPagesAsync(RunState run, IReadOnlyList<Page> pages, string side, CancellationToken ct, CancellationToken stopping)
    {
        Task<PageWork>? next = null;
        for (var i = 0; i < pages.Count; i++)
        {
            if (stopping.IsCancellationRequested)
            {
                // Between pages: everything before is committed, the page planned ahead wrote nothing.
                if (next is not null)
                {
                    await next.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                }
                LogStoppedAtPage(logger, run.Pair.Name, side, i, pages.Count);
                throw new OperationCanceledException(stopping);
            }
            var page = await (next ?? PlanPageAsync(run, pages[i], side, ct));
            next = i + 1 < pages.Count && CanPlanAhead(run, page) && !stopping.IsCancellationRequested ? PlanPageAsync(run, pages[i + 1], side, ct) : null;
            try
            {
                await WritePageAsync(run, page, ct);
                run.PagesDone++;
                progress.Pages(run.Pair.Name, run.PagesDone, run.SalesforcePages.Count + run.HubSpotPages.Count, run.Read);
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
            var salesforceBaseline = salesforceBaselines.GetValueOrDefault(item.SalesforceId ?? "");
            var hubSpotBaseline = hubSpotBaselines.GetValueOrDefault(item.SalesforceId ?? "");
            item.Baselines = new FieldBaselines(Baseline(salesforceBaseline), Baseline(hubSpotBaseline));
            if (!run.Request.Partition.IsAll && item.Link is not null && !item.SalesforceDeleted && !item.HubSpotDeleted
                && (salesforceBaseline?.WrittenAt > run.StartedAt || hubSpotBaseline?.WrittenAt > run.StartedAt))
            {
                // Another partition's run wrote this pair after this run began (it created the Salesforce twin of a
                // HubSpot record that hashed there): the copies read at the start may predate that write. Planned from
                // them, the pair would be written again. Both sides are read afresh, by id, against the new baselines.
                item.Salesforce = null;
                item.HubSpot = null;
            }
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
                await CommitLedgerBeforeWriteAsync(run, items);
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
            if (pair.ReadsEngagementCounters)
            {
                // Before the page's cursor moves: a run stopped here reads these contacts again, and their increases
                // are stored once (by source key) whichever run stores them.
                run.CounterSignals += await engagementReader.StoreCountersAsync([.. items.Select(i => i.HubSpot).OfType<HubSpotObject>()]);
            }
            await store.CommitPageAsync(commit);
            await FlushApiUsageAsync(run);
            foreach (var d in commit.Decisions)
            {
                pair.Rules?.Committed(d);
            }
            foreach (var entry in commit.Ledger)
            {
                pair.Rules?.Committed(entry);
            }
        }
    }

    /// <summary>
    /// The decisions over the whole book the rules commit before the run's first write (the round robin's
    /// assignments), so that a run stopped after some pages leaves the rest decided for the run that resumes.
    /// </summary>
    Task CommitBookDecisionsAsync(RunState run) =>
        run.Pair.Rules is { } rules && !run.Request.DryRun
            ? AppendBeforeWriteAsync(rules, rules.LedgerBeforeFirstWrite(run.Id, time.GetUtcNow(), configuration.RulesHash))
            : Task.CompletedTask;

    /// <summary>
    /// The decisions the rules commit before the page writes them (owner assignments), so that a run stopped after
    /// the write, or the same job delivered twice, finds them and replays them instead of deciding again.
    /// </summary>
    Task CommitLedgerBeforeWriteAsync(RunState run, List<Item> items)
    {
        if (run.Pair.Rules is not { } rules)
        {
            return Task.CompletedTask;
        }
        var now = time.GetUtcNow();
        return AppendBeforeWriteAsync(rules, [.. items.Where(i => i.Plan is not null && i.Skip is null && i.SalesforceId is not null)
            .SelectMany(i => rules.LedgerBeforeWrite(new RuleSubject(i.SalesforceId, i.HubSpotId, i.Salesforce, i.HubSpot, i.Plan!.SalesforceWrites), run.Id, now, configuration.RulesHash))]);
    }

    async Task AppendBeforeWriteAsync(PairRules rules, IReadOnlyList<LedgerEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        await store.AppendDecisionsAsync(entries);
        foreach (var entry in entries)
        {
            rules.Committed(entry);
        }
    }

    /// <summary>
    /// The record's row in the rules' snapshot: the fields its rules read, as read, with what this page wrote there
    /// laid over them (what Salesforce holds once the page is committed).
    /// </summary>
    static RuleSubjectRow? SnapshotOf(RunState run, Item item, string salesforceId, bool salesforceHolds)
    {
        if (run.Pair.Rules is not { } rules || (item.Salesforce is null && item.Plan?.SalesforceWrites is not { Count: > 0 }))
        {
            return null;
        }
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in rules.SalesforceInputs)
        {
            fields[name] = item.Salesforce?.GetString(name);
        }
        if (salesforceHolds && item.Plan is { } plan)
        {
            foreach (var name in rules.SalesforceInputs)
            {
                if (plan.SalesforceWrites.TryGetValue(name, out var written))
                {
                    fields[name] = written;
                }
            }
        }
        return new RuleSubjectRow(run.Pair.Name, salesforceId, fields);
    }

    static Dictionary<string, string?> Baseline(WrittenValues? written) =>
        written?.Values.ToDictionary(v => v.Key, v => v.Value.Length == 0 ? null : (string?)v.Value, StringComparer.Ordinal)
        ?? new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>What the rules own on each side of a record, with each side's twin id: the planner writes them where they differ.</summary>
    static RuleValues RuleValuesFor(RunState run, Item item, IReadOnlyDictionary<string, string?>? salesforceCreate = null)
    {
        var pair = run.Pair;
        var rules = pair.Rules?.ValuesFor(new RuleSubject(item.SalesforceId, item.HubSpotId, item.Salesforce, item.HubSpot, salesforceCreate));
        var salesforceValues = new Dictionary<string, string?>(rules?.Salesforce ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        // A HubSpot record that is also the sibling's twin (a lead's contact that is a contact's too) takes its
        // values from the sibling: this pair's rules write only on the Salesforce side of it.
        var hubSpotValues = item.RulesOnly && !item.LeftFilter && pair.FieldsFollowSibling
            ? new Dictionary<string, string?>(StringComparer.Ordinal)
            : new Dictionary<string, string?>(rules?.HubSpot ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
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
            var context = item.RulesOnly ? run.RulesOnlyContext! : run.Context!;
            item.Plan = SyncPlanner.Plan(context, new PlanInput(sf, hs, link, baselines, RuleValuesFor(run, item)));
            if (item.Plan.Link.Kind == LinkActionKind.CreateInSalesforce && run.Pair.Rules is not null)
            {
                // A record created in Salesforce is what the create writes: its rules (its owner against its account's,
                // a lead's match) decide over that, so that they go in with the create rather than a run later.
                item.Plan = SyncPlanner.Plan(context, new PlanInput(sf, hs, link, baselines, RuleValuesFor(run, item, item.Plan.SalesforceWrites)));
            }
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
                if (item.Failure is null && item.SalesforceFailure is null)
                {
                    commit.SubjectsGone.Add((pair.Name, sfId));
                }
                if (pair.Rules is { } rulesOfGone)
                {
                    commit.Ledger.AddRange(rulesOfGone.LedgerFor(new RuleSubject(sfId, item.HubSpotId, null, null), run.Id, now, configuration.RulesHash));
                    if (rulesOfGone.ToStored(sfId, run.Id, now) is { } gone)
                    {
                        commit.Decisions.Add(gone);
                    }
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
            if (item.LeftFilter)
            {
                // Left the inclusion filter: it no longer takes part in the rules' book.
                commit.SubjectsGone.Add((pair.Name, sfId));
            }
            else if (item.Plan is not null && item.Skip is null && SnapshotOf(run, item, sfId, item.SalesforceFailure is null && item.Failure is null) is { } row)
            {
                commit.Subjects.Add(row);
            }
            if (pair.Rules is { } rules && item.Failure is null)
            {
                commit.Ledger.AddRange(rules.LedgerFor(
                    new RuleSubject(sfId, item.HubSpotId, item.Salesforce, item.HubSpot, item.Plan?.SalesforceWrites), run.Id, now, configuration.RulesHash));
                if (rules.ToStored(sfId, run.Id, now) is { } decision)
                {
                    commit.Decisions.Add(decision);
                }
            }
        }
    }

    static WrittenValues Written(IReadOnlyDictionary<string, string?> baselines)
    {
        var values = baselines.ToDictionary(b => b.Key, b => b.Value ?? "", StringComparer.Ordinal);
        return new WrittenValues(values, FieldValues.Hash(values));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping {Object} after {Done} of {Pages} {Side} pages, each committed; the next run resumes there")]
    static partial void LogStoppedAtPage(ILogger logger, string @object, string side, int done, int pages);
}
