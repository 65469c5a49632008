using System.Diagnostics;
using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>What to run: which object pair, incremental from the cursors (default) or a full read; for real or as a dry run.</summary>
public sealed record SyncRequest(bool Full = false, bool DryRun = false, string Object = ObjectPairs.Accounts);

/// <summary>One write a run made, or in a dry run would make.</summary>
public sealed record PlannedWrite(string System, string Operation, string SalesforceId, string? HubSpotId, IReadOnlyDictionary<string, string> Values);

/// <summary>One record's plan as <c>abmsync plan</c> shows it: the writes to each side, conflicts, corrections, the tier move.</summary>
public sealed record PlannedRecord(
    string? SalesforceId,
    string? HubSpotId,
    string Link,
    IReadOnlyDictionary<string, string?> SalesforceWrites,
    IReadOnlyDictionary<string, string?> HubSpotWrites,
    IReadOnlyList<ConflictDecision> Conflicts,
    IReadOnlyList<FieldCorrection> Corrections,
    IReadOnlyList<PlanNote> Notes,
    string? TierFrom,
    string? TierTo);

/// <summary>What one run did.</summary>
public sealed record SyncSummary(
    long RunId,
    string Object,
    string Status,
    int RecordsRead,
    int RecordsUnchanged,
    int HubSpotCreated,
    int HubSpotUpdated,
    int SalesforceUpdated,
    int DeadLettered,
    int Linked,
    IReadOnlyDictionary<string, int> AccountsPerTier,
    int AccountsWithHubSpotOwner,
    int AccountsWithoutHubSpotOwner,
    IReadOnlyList<string> UnmatchedOwnerEmails,
    IReadOnlyList<string> CreatedHubSpotProperties,
    IReadOnlyList<PlannedWrite> Writes,
    TimeSpan Elapsed,
    string? Message)
{
    /// <summary>HubSpot records read as changes (the Salesforce count is <see cref="RecordsRead"/>).</summary>
    public int HubSpotRead { get; init; }
    /// <summary>Values a person changed on the side a field only flows to, put back.</summary>
    public int Corrections { get; init; }
    /// <summary>Two-way fields both sides changed, each decided by its policy.</summary>
    public int Conflicts { get; init; }
    public int Excluded { get; init; }
    public IReadOnlyList<PlannedRecord> Plans { get; init; } = [];
}

/// <summary>
/// The sync engine's one runner, for every object pair: read what changed on both sides, let the population rules
/// decide once, then a page at a time link each record to its twin, plan it with <see cref="SyncPlanner"/> against
/// the per-field baselines, write both sides in the largest batches the APIs allow and commit links, baselines,
/// decisions, failures and the cursor together. It names no object and no field: the <see cref="ObjectPair"/> and its
/// mapping say what to read and write. See docs/architecture.md.
/// </summary>
public sealed partial class SyncRunner(
    SalesforceAdapter salesforceSide,
    HubSpotAdapter hubSpotSide,
    SalesforceClient salesforce,
    StateStore store,
    SyncConfiguration configuration,
    SchemaGuard schema,
    OwnerDirectory owners,
    HubSpotRateLimiter hubSpotLimiter,
    SalesforceCallCounter salesforceCalls,
    HubSpotCallCounter hubSpotCalls,
    SyncCache cache,
    TimeProvider time,
    IOptions<SyncOptions> options,
    IOptions<SalesforceOptions> salesforceOptions,
    ILogger<SyncRunner> logger)
{
    /// <summary>
    /// The lease key's direction: a run takes the Salesforce-driven and then the HubSpot-driven direction under one
    /// lease, so that two workers never plan one record from its two sides at once.
    /// </summary>
    public const string LeaseDirection = "two-way";

    /// <summary>Plans after every change are kept for <c>plan</c> up to this many records; counts are kept for all.</summary>
    const int MaxPlansShown = 10_000;

    public Task<SyncSummary> RunAsync(SyncRequest request, CancellationToken ct) =>
        RunAsync(ObjectPairs.For(request.Object, configuration), request, ct);

    public async Task<SyncSummary> RunAsync(ObjectPair pair, SyncRequest request, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var mode = request.DryRun ? "dry-run" : request.Full ? "full" : "incremental";
        // This run's own calls: the counters are shared with runs that go on at the same time in this process.
        using var salesforceScope = salesforceCalls.BeginScope();
        using var hubSpotScope = hubSpotCalls.BeginScope();
        var runId = await store.StartRunAsync(pair.Name, LeaseDirection, mode);
        var run = new RunState(runId, pair, request, time.GetUtcNow());
        var status = "failed";
        string? message = null;
        var holder = RunLease.Holder(runId);
        var lease = options.Value.LeaseDuration;
        Task renewal = Task.CompletedTask;
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            var (acquired, other, until) = await store.TryAcquireLeaseAsync(pair.Name, LeaseDirection, holder, lease);
            if (!acquired && other is not null && RunLease.IsDeadLocalHolder(other))
            {
                // The holder was a process on this machine that no longer exists (killed mid-run): no need to wait out its lease.
                (acquired, other, until) = await store.TryAcquireLeaseAsync(pair.Name, LeaseDirection, holder, lease, deadHolder: other);
            }
            if (!acquired)
            {
                // Another worker (or a twin delivery of the same Hangfire job) is running this pair: not an error.
                status = "skipped";
                message = $"another run holds the {pair.Name} lease ({other}, until {until:u}); this one did nothing";
                return Summary(run, status, stopwatch.Elapsed, message);
            }
            await store.MarkRunAliveAsync(runId, until ?? time.GetUtcNow() + lease);
            renewal = RenewLeaseAsync(pair, runId, holder, lease, leaseLost);
            ct = leaseLost.Token;

            run.Kinds = await schema.EnsureAsync(pair, request.DryRun, ct);
            run.Owners = await owners.GetAsync(ct);
            run.Context = new PlanContext(pair.Mapping, run.StartedAt,
                new Core.Sync.OwnerMap(id => run.Owners.HubSpotOwnerOf(id), id => run.Owners.SalesforceUserOf(id)),
                run.Kinds.Salesforce, run.Kinds.HubSpot, pair.CreateInHubSpot, pair.CreateInSalesforce);
            pair.Rules?.Load(await store.GetDecisionsAsync(pair.Name, TierRules.Kind));

            await ReadSalesforceAsync(run, ct);
            await ReadHubSpotAsync(run, ct);
            await AddMovedAsync(run, ct);

            foreach (var page in run.SalesforcePages)
            {
                await ProcessAsync(run, page.Items, page.Cursor is null ? null : (Side.Salesforce, page.Cursor), ct);
            }
            foreach (var page in run.HubSpotPages)
            {
                await ProcessAsync(run, page.Items, page.Cursor is null ? null : (Side.HubSpot, page.Cursor), ct);
            }
            if (run.HubSpotCursorAtEnd is { } hubSpotCursor && !request.DryRun)
            {
                await store.CommitPageAsync(new PageCommit(pair.Name, runId) { Cursor = hubSpotCursor, CursorSide = Side.HubSpot });
            }
            status = "succeeded";
            return Summary(run, status, stopwatch.Elapsed, null);
        }
        catch (Exception e) when (PauseReason(e) is { } reason)
        {
            // Not a failure: the daily allocation is shared with everything else the org or portal runs. Nothing of
            // the current page was committed; the next run starts from the last committed page.
            status = "paused";
            message = reason;
            return Summary(run, status, stopwatch.Elapsed, message);
        }
        catch (OperationCanceledException)
        {
            status = "stopped";
            message = renewal.IsCompleted && leaseLost.IsCancellationRequested && !run.Finished
                ? "stopped: the run could not keep its lease, so another worker may take over; the next run resumes from the last committed page"
                : "stopped before the end; the next run resumes from the last committed page";
            throw;
        }
        catch (Exception e)
        {
            message = e.Message;
            throw;
        }
        finally
        {
            run.Finished = true;
            await leaseLost.CancelAsync();
            await renewal;
            if (status != "skipped")
            {
                await store.ReleaseLeaseAsync(pair.Name, LeaseDirection, holder);
            }
            var counts = new RunCounts(run.Read, run.HubSpotCreated + run.HubSpotUpdated, run.SalesforceUpdated, run.DeadLettered,
                (int)salesforceScope.Calls, (int)hubSpotScope.Calls);
            // The final status is recorded whatever happened above: a run that cannot say how it ended shows as abandoned.
            await store.FinishRunAsync(runId, status, counts, message);
            LogRunFinished(logger, pair.Name, runId, status, run.Read, run.HubSpotRead, counts.HubSpotRecordsWritten, counts.SalesforceRecordsWritten, run.DeadLettered);
        }
    }

    // ---- reading ----

    /// <summary>Failed records first (their ids are read again whatever the cursor says), then every change since the cursor.</summary>
    async Task ReadSalesforceAsync(RunState run, CancellationToken ct)
    {
        var pair = run.Pair;
        var retry = (await store.GetDeadLettersAsync(pair.Name, "open")).Where(d => d.Side == Side.Salesforce || d.Side == Side.HubSpot)
            .Select(d => d.RecordId).Distinct(StringComparer.Ordinal).ToList();
        if (retry.Count > 0)
        {
            var records = await salesforceSide.ReadByIdsAsync(pair, retry, ct);
            AddSalesforcePage(run, [.. records.Values], cursor: null);
        }
        var cursor = run.Request.Full ? null : await store.GetCursorAsync(pair.Name, Side.Salesforce);
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
    }

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
            if (!InclusionFilter.Matches(run.Pair.Mapping.IncludeSalesforce, f => record.GetString(f)))
            {
                run.Excluded++;
                run.Pair.Rules?.Exclude(record.Id!);
                continue;
            }
            run.Pair.Rules?.Observe(record);
            items.Add(new Item { SalesforceId = record.Id, Salesforce = record });
        }
        run.SalesforcePages.Add(new Page(items, cursor));
    }

    /// <summary>
    /// HubSpot's changes since its cursor, as pages of 100. On the very first run there is no cursor and nothing was
    /// linked before: the Salesforce-driven pass plans every linked pair with HubSpot's current values, so the
    /// HubSpot cursor simply starts at this run's start.
    /// </summary>
    async Task ReadHubSpotAsync(RunState run, CancellationToken ct)
    {
        var pair = run.Pair;
        var cursor = await store.GetCursorAsync(pair.Name, Side.HubSpot);
        var startCursor = new SyncCursor(run.StartedAt - options.Value.CursorOverlap, "");
        if (cursor is null && !run.Request.Full)
        {
            run.HubSpotCursorAtEnd = startCursor;
            return;
        }
        var since = run.Request.Full || cursor is null ? DateTimeOffset.UnixEpoch : cursor.ModifiedAt - options.Value.CursorOverlap;
        DateTimeOffset? watermark = null;
        await foreach (var page in hubSpotSide.ReadChangedAsync(pair, since, ct))
        {
            var items = new List<Item>();
            foreach (var record in page.Records)
            {
                run.HubSpotRead++;
                if (run.SeenHubSpot.Add((record.Id, record.UpdatedAt)))
                {
                    items.Add(new Item { HubSpotId = record.Id, HubSpot = record });
                }
            }
            watermark = page.Watermark ?? watermark;
            run.HubSpotPages.Add(new Page(items, null));
        }
        // The cursor never passes this run's start: a change committed while the read ran is read next time.
        var end = watermark is { } w && w < startCursor.ModifiedAt ? w : startCursor.ModifiedAt;
        run.HubSpotCursorAtEnd = new SyncCursor(end, "");
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
        var moved = rules.Moved().Where(id => !pending.Contains(id)).ToList();
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
                rules.Exclude(id);
            }
        }
        run.SalesforcePages.Add(new Page(items, null));
    }

    static SyncCursor? CursorAfter(IReadOnlyList<SObjectRecord> records) => records
        .Where(r => r.GetDateTime("SystemModstamp") is not null)
        .Select(r => new SyncCursor(r.GetDateTime("SystemModstamp")!.Value, r.Id!))
        .OrderBy(c => c.ModifiedAt).ThenBy(c => c.RecordId, StringComparer.Ordinal)
        .LastOrDefault();

    // ---- one page: link, read twins, plan, write, commit ----

    async Task ProcessAsync(RunState run, List<Item> items, (string Side, SyncCursor Cursor)? cursor, CancellationToken ct)
    {
        var pair = run.Pair;
        var commit = new PageCommit(pair.Name, run.Id);
        if (cursor is { } c)
        {
            commit.Cursor = c.Cursor;
            commit.CursorSide = c.Side;
        }
        // A pair planned once in this run (from its Salesforce side) is not planned again from its HubSpot side.
        items = [.. items.Where(i => i.SalesforceId is null || !run.Planned.Contains(i.SalesforceId))];
        await ResolveLinksAsync(run, items, ct);
        items = [.. items.Where(i => i.SalesforceId is null || !run.Planned.Contains(i.SalesforceId))];
        if (items.Count > 0)
        {
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
            Plan(run, items);
            foreach (var item in items.Where(i => i.Plan is not null))
            {
                run.Planned.Add(item.SalesforceId!);
            }
            if (!run.Request.DryRun)
            {
                CheckBudget(SalesforceAdapter.CallsFor(items.Count(i => i.Plan?.SalesforceWrites.Count > 0)));
                await WriteHubSpotAsync(run, items, commit, ct);
                await WriteSalesforceAsync(run, items, commit, ct);
            }
            Record(run, items, commit);
        }
        run.DeadLettered += commit.Failures.Count;
        if (!run.Request.DryRun)
        {
            await store.CommitPageAsync(commit);
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
    async Task ResolveLinksAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        var pair = run.Pair;
        var bySalesforce = await store.GetLinksAsync(pair.Name, [.. items.Where(i => i.SalesforceId is not null).Select(i => i.SalesforceId!)]);
        var byHubSpot = await store.GetLinksByHubSpotIdAsync(pair.Name, [.. items.Where(i => i.SalesforceId is null).Select(i => i.HubSpotId!)]);
        var unlinked = new List<Item>();
        foreach (var item in items)
        {
            if (item.SalesforceId is { } sfId)
            {
                if (bySalesforce.TryGetValue(sfId, out var link))
                {
                    item.Link = link;
                    item.HubSpotId = link.HubSpotId;
                }
                else
                {
                    unlinked.Add(item);
                }
            }
            else if (byHubSpot.TryGetValue(item.HubSpotId!, out var link))
            {
                item.Link = link;
                item.SalesforceId = link.SalesforceId;
            }
            else
            {
                item.Skip = "not linked";
            }
        }
        items.RemoveAll(i => i.Skip is not null && i.SalesforceId is null);
        if (unlinked.Count == 0)
        {
            return;
        }
        var index = await MatchIndexAsync(run, ct);
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
            if (pair.Mapping.Match.Contains(MatchKey.Domain) && Domain(pair, item.Salesforce!) is { } domain && index.ByDomain.TryGetValue(domain, out var candidates))
            {
                var free = candidates.Where(c => !index.Claimed.ContainsKey(c.Id)).ToList();
                if (free.Count == 1)
                {
                    item.HubSpot = free[0];
                    item.HubSpotId = free[0].Id;
                    item.LinkReason = "domain";
                    index.Claimed[free[0].Id] = sfId;
                    continue;
                }
                if (free.Count > 1)
                {
                    item.Failure = new RecordFailure(Side.HubSpot, sfId, "AMBIGUOUS_MATCH",
                        $"{free.Count} HubSpot {pair.HubSpotObject} have the domain {domain}: {string.Join(", ", free.Take(5).Select(f => f.Id))}. Link one by setting its {pair.HubSpotTwinIdProperty}, or merge them.", []);
                    continue;
                }
            }
            item.LinkReason = "created";
        }
    }

    /// <summary>The normalized domain of the Salesforce field mapped with the domain transform, if the mapping has one.</summary>
    static string? Domain(ObjectPair pair, SObjectRecord record) =>
        pair.Mapping.Fields.FirstOrDefault(f => f.Transform == FieldTransform.Domain) is { } field ? DomainName.Normalize(record.GetString(field.Salesforce)) : null;

    async Task<MatchIndex> MatchIndexAsync(RunState run, CancellationToken ct)
    {
        if (run.Index is { } built)
        {
            return built;
        }
        var pair = run.Pair;
        var index = new MatchIndex();
        foreach (var (hubSpotId, salesforceId) in await store.GetLinkedHubSpotIdsAsync(pair.Name))
        {
            index.Claimed[hubSpotId] = salesforceId;
        }
        var domainProperty = pair.Mapping.Fields.FirstOrDefault(f => f.Transform == FieldTransform.Domain)?.HubSpot;
        await foreach (var page in hubSpotSide.ListAllAsync(pair, [], ct))
        {
            foreach (var record in page)
            {
                if (record[pair.HubSpotTwinIdProperty] is { Length: > 0 } sfId)
                {
                    index.BySalesforceId.TryAdd(sfId, record);
                    index.Claimed.TryAdd(record.Id, sfId);
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
        run.Index = index;
        return index;
    }

    /// <summary>
    /// Reads the current values of each record's other side, in batches: HubSpot twins of Salesforce changes, Salesforce
    /// twins of HubSpot changes. A record whose own side equals its baselines (an echo of our write, or a version already
    /// processed) needs no twin and no plan.
    /// </summary>
    async Task ReadTwinsAsync(RunState run, List<Item> items, CancellationToken ct)
    {
        var pair = run.Pair;
        foreach (var item in items)
        {
            if (item.Failure is not null || item.Skip is not null)
            {
                continue;
            }
            if (!run.Request.Full && item.Link is not null && Unchanged(run, item))
            {
                item.Skip = "unchanged";
                run.Unchanged++;
            }
        }
        var needHubSpot = items.Where(i => i.Live && i.HubSpot is null && i.HubSpotId is not null).Select(i => i.HubSpotId!).ToList();
        var hubSpotTwins = await hubSpotSide.ReadByIdsAsync(pair, needHubSpot, ct);
        var needSalesforce = items.Where(i => i.Live && i.Salesforce is null).Select(i => i.SalesforceId!).ToList();
        var salesforceTwins = await salesforceSide.ReadByIdsAsync(pair, needSalesforce, ct);
        foreach (var item in items.Where(i => i.Live))
        {
            item.HubSpot ??= item.HubSpotId is null ? null : hubSpotTwins.GetValueOrDefault(item.HubSpotId);
            item.Salesforce ??= salesforceTwins.GetValueOrDefault(item.SalesforceId!);
            if (item.Salesforce is null)
            {
                // A HubSpot change whose Salesforce twin is gone or was never read (deleted): deletes are reconciliation's.
                item.Skip = "salesforce twin not found";
                continue;
            }
            if (item.HubSpotId is not null && item.HubSpot is null)
            {
                item.Failure = new RecordFailure(Side.HubSpot, item.SalesforceId!, "OBJECT_NOT_FOUND",
                    $"the linked HubSpot {pair.HubSpotObject} {item.HubSpotId} was not found (deleted or merged away)", []);
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
        var rules = RuleValuesFor(run, item);
        if (item.Salesforce is { } sf && item.HubSpot is null)
        {
            var side = SalesforceAdapter.ToSide(pair, sf);
            return pair.Mapping.Fields.Where(f => f.Direction != SyncDirection.None)
                    .All(f => ValueKinds.Same(run.Context!.KindOf(SyncSide.Salesforce, f.Salesforce), side.Values.GetValueOrDefault(f.Salesforce), item.Baselines!.Salesforce.GetValueOrDefault(f.Salesforce)))
                && rules.Salesforce.All(r => ValueKinds.Same(run.Context!.KindOf(SyncSide.Salesforce, r.Key), side.Values.GetValueOrDefault(r.Key), r.Value));
        }
        if (item.HubSpot is { } hs && item.Salesforce is null)
        {
            var side = HubSpotAdapter.ToSide(pair, hs);
            return pair.Mapping.Fields.Where(f => f.Direction != SyncDirection.None)
                    .All(f => ValueKinds.Same(run.Context!.KindOf(SyncSide.HubSpot, f.HubSpot), side.Values.GetValueOrDefault(f.HubSpot), item.Baselines!.HubSpot.GetValueOrDefault(f.HubSpot)))
                && rules.HubSpot.All(r => ValueKinds.Same(run.Context!.KindOf(SyncSide.HubSpot, r.Key), side.Values.GetValueOrDefault(r.Key), r.Value));
        }
        return false;
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
            var link = item.HubSpotId is null ? LinkState.Unlinked : LinkState.Linked;
            var sf = SalesforceAdapter.ToSide(run.Pair, item.Salesforce!);
            var hs = item.HubSpot is null ? null : HubSpotAdapter.ToSide(run.Pair, item.HubSpot);
            // A twin found by matching has no baselines of ours: its values are its owners', compared as they stand.
            var baselines = item.Link is null ? FieldBaselines.Empty : item.Baselines!;
            item.Plan = SyncPlanner.Plan(run.Context!, new PlanInput(sf, hs, link, baselines, RuleValuesFor(run, item)));
            if (item.Plan.Link.Kind == LinkActionKind.Skip)
            {
                item.Skip = item.Plan.Link.Reason ?? "skipped";
                continue;
            }
            run.Corrections += item.Plan.Corrections.Count;
            run.Conflicts += item.Plan.Conflicts.Count;
            if (run.Plans.Count < MaxPlansShown && (!item.Plan.IsEmpty || item.Plan.Conflicts.Count > 0))
            {
                var tierFrom = sf.Values.GetValueOrDefault(AbmFields.SalesforceTier);
                item.Plan.SalesforceWrites.TryGetValue(AbmFields.SalesforceTier, out var tierTo);
                run.Plans.Add(new PlannedRecord(item.SalesforceId, item.HubSpotId, item.Plan.Link.Kind.ToString(),
                    item.Plan.SalesforceWrites, item.Plan.HubSpotWrites, item.Plan.Conflicts, item.Plan.Corrections, item.Plan.Notes,
                    item.Plan.SalesforceWrites.ContainsKey(AbmFields.SalesforceTier) ? tierFrom : null,
                    item.Plan.SalesforceWrites.ContainsKey(AbmFields.SalesforceTier) ? tierTo : null));
            }
            if (item.Plan.HubSpotWrites.Count > 0)
            {
                run.Writes.Add(new PlannedWrite("HubSpot", item.Plan.Link.Kind == LinkActionKind.CreateInHubSpot ? "create" : "update",
                    item.SalesforceId!, item.HubSpotId, item.Plan.HubSpotWrites.ToDictionary(w => w.Key, w => w.Value ?? "")));
            }
            if (item.Plan.SalesforceWrites.Count > 0)
            {
                run.Writes.Add(new PlannedWrite("Salesforce", "update", item.SalesforceId!, item.HubSpotId,
                    item.Plan.SalesforceWrites.ToDictionary(w => w.Key, w => w.Value ?? "")));
            }
        }
    }

    async Task WriteHubSpotAsync(RunState run, List<Item> items, PageCommit commit, CancellationToken ct)
    {
        var pair = run.Pair;
        var creates = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.CreateInHubSpot).ToList();
        var updates = items.Where(i => i.Live && i.Plan!.Link.Kind == LinkActionKind.None && i.HubSpotId is not null && i.Plan.HubSpotWrites.Count > 0).ToList();
        var outcomes = new List<WriteOutcome>();
        foreach (var chunk in creates.Chunk(HubSpotClient.MaxBatchSize))
        {
            outcomes.AddRange(await hubSpotSide.CreateAsync(pair, [.. chunk.Select(i => (i.SalesforceId!, i.Plan!.HubSpotWrites))], ct));
        }
        foreach (var chunk in updates.Chunk(HubSpotClient.MaxBatchSize))
        {
            outcomes.AddRange(await hubSpotSide.UpdateAsync(pair, [.. chunk.Select(i => (i.SalesforceId!, i.HubSpotId!, i.Plan!.HubSpotWrites))], ct));
        }
        var byKey = items.Where(i => i.SalesforceId is not null).ToDictionary(i => i.SalesforceId!, StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            var item = byKey[outcome.Key];
            if (!outcome.Success)
            {
                item.Failure = new RecordFailure(Side.HubSpot, outcome.Key, outcome.Code!, outcome.Message!, outcome.Fields);
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
        foreach (var item in items.Where(i => i.Live && i.Failure is null))
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
        if (updates.Count == 0)
        {
            return;
        }
        var byId = items.Where(i => i.SalesforceId is not null).ToDictionary(i => i.SalesforceId!, StringComparer.Ordinal);
        foreach (var outcome in await salesforceSide.UpdateAsync(pair.SalesforceObject, updates, run.Kinds!.Salesforce, ct))
        {
            var item = byId[outcome.Key];
            if (outcome.Success)
            {
                item.SalesforceWritten = true;
                run.SalesforceUpdated++;
            }
            else
            {
                item.SalesforceFailure = new RecordFailure(Side.Salesforce, outcome.Key, outcome.Code!, outcome.Message!, outcome.Fields);
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
            if (item.SalesforceId is not { } sfId)
            {
                continue;
            }
            if (item.Failure is { } failure)
            {
                commit.Failures.Add(failure);
            }
            if (item.SalesforceFailure is { } salesforceFailure)
            {
                commit.Failures.Add(salesforceFailure);
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
                }
                if (hubSpotHolds && item.HubSpotId is not null)
                {
                    commit.Written.Add((Side.HubSpot, sfId, Written(plan.NewBaselines.HubSpot)));
                }
                if (salesforceHolds)
                {
                    commit.Written.Add((Side.Salesforce, sfId, Written(plan.NewBaselines.Salesforce)));
                }
                if (hubSpotHolds)
                {
                    commit.Succeeded.Add((Side.HubSpot, sfId));
                }
                if (salesforceHolds)
                {
                    commit.Succeeded.Add((Side.Salesforce, sfId));
                }
                if (plan.IsEmpty && item.Failure is null)
                {
                    run.Unchanged++;
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

    // ---- budget, lease, summary ----

    /// <summary>
    /// Stops the run before a page's writes when they would take either system past the share of its daily API
    /// allocation AbmSync may use (Salesforce as the org reports its use, every client included; HubSpot: the limiter's budget).
    /// </summary>
    void CheckBudget(int salesforceCallsNeeded)
    {
        if (salesforce.GetBudget(cache.OrgLimits) is { } budget && !budget.Fits(salesforceCallsNeeded))
        {
            throw new BudgetReachedException(
                $"Salesforce daily API budget reached: the org has used {budget.Used} of {budget.Max} calls and AbmSync may take it to {budget.Allowed} ({salesforceOptions.Value.DailyApiShare:P0}); this page needs {salesforceCallsNeeded} more. The run stopped at the last committed page and resumes from there.");
        }
        if (hubSpotLimiter.IsDailyBudgetExhausted)
        {
            throw new BudgetReachedException("HubSpot daily API budget reached (the share of the portal's daily allocation AbmSync may use); the run stopped at the last committed page and resumes from there.");
        }
    }

    static string? PauseReason(Exception e) => e switch
    {
        BudgetReachedException budget => budget.Message,
        SalesforceApiException s when s.IsRequestLimitExceeded =>
            $"Salesforce refused with REQUEST_LIMIT_EXCEEDED ({s.Message}); the run stopped at the last committed page and resumes from there",
        HubSpotApiException h when h.IsDailyLimit =>
            "HubSpot's daily API limit is reached; the run stopped at the last committed page and resumes from there",
        _ => null,
    };

    /// <summary>
    /// Renews the lease every third of its duration. A renewal that finds the lease gone (this worker stalled past it
    /// and another took over) or cannot reach the store stops the run at once: two workers never write the same page.
    /// </summary>
    async Task RenewLeaseAsync(ObjectPair pair, long runId, string holder, TimeSpan lease, CancellationTokenSource run)
    {
        using var timer = new PeriodicTimer(lease / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(run.Token))
            {
                if (!await store.RenewLeaseAsync(pair.Name, LeaseDirection, holder, lease))
                {
                    LogLeaseLost(logger, holder);
                    await run.CancelAsync();
                    return;
                }
                await store.MarkRunAliveAsync(runId, time.GetUtcNow() + lease);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            LogLeaseRenewalFailed(logger, holder, e.Message);
            await run.CancelAsync();
        }
    }

    SyncSummary Summary(RunState run, string status, TimeSpan elapsed, string? message)
    {
        var rules = run.Pair.Rules;
        var perTier = rules?.PerTier() ?? new Dictionary<string, int>();
        // Owners are reported, never guessed: an account whose Salesforce owner has no HubSpot owner of the same
        // email keeps whatever owner HubSpot has, and the owner's email is listed for someone to fix.
        var ownerIds = rules?.Population.Values.Select(p => p.Account.OwnerId).Where(o => o is not null).Select(o => o!).ToList() ?? [];
        var withOwner = ownerIds.Count(o => run.Owners?.HubSpotOwnerOf(o) is not null);
        var unmatched = ownerIds.Where(o => run.Owners?.HubSpotOwnerOf(o) is null).Distinct(StringComparer.Ordinal)
            .Select(o => run.Owners?.BySalesforceUserId.GetValueOrDefault(o)?.Email is { Length: > 0 } email ? email : o)
            .Order(StringComparer.Ordinal).ToList();
        return new SyncSummary(run.Id, run.Pair.Name, status, run.Read, run.Unchanged, run.HubSpotCreated, run.HubSpotUpdated, run.SalesforceUpdated,
            run.DeadLettered, run.Linked, perTier, withOwner, ownerIds.Count - withOwner, unmatched, schema.CreatedHubSpotProperties, run.Writes, elapsed, message)
        {
            HubSpotRead = run.HubSpotRead,
            Corrections = run.Corrections,
            Conflicts = run.Conflicts,
            Excluded = run.Excluded,
            Plans = run.Plans,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run lease of {Holder} could not be renewed ({Reason}); stopping the run")]
    static partial void LogLeaseRenewalFailed(ILogger logger, string holder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run lease of {Holder} was lost; stopping the run")]
    static partial void LogLeaseLost(ILogger logger, string holder);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Object} run {RunId} {Status}: read Salesforce {Read}, HubSpot {HubSpotRead}; HubSpot writes {HubSpotWrites}, Salesforce writes {SalesforceWrites}, dead-lettered {DeadLettered}")]
    static partial void LogRunFinished(ILogger logger, string @object, long runId, string status, int read, int hubSpotRead, int hubSpotWrites, int salesforceWrites, int deadLettered);

    sealed class BudgetReachedException(string message) : Exception(message);

    sealed record Page(List<Item> Items, SyncCursor? Cursor);

    sealed class RunState(long id, ObjectPair pair, SyncRequest request, DateTimeOffset startedAt)
    {
        public long Id { get; } = id;
        public ObjectPair Pair { get; } = pair;
        public SyncRequest Request { get; } = request;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public SchemaKinds? Kinds { get; set; }
        public OwnerMap? Owners { get; set; }
        public PlanContext? Context { get; set; }
        public MatchIndex? Index { get; set; }
        public List<Page> SalesforcePages { get; } = [];
        public List<Page> HubSpotPages { get; } = [];
        public SyncCursor? HubSpotCursorAtEnd { get; set; }
        public HashSet<(string, DateTimeOffset?)> Seen { get; } = [];
        public HashSet<(string, DateTimeOffset?)> SeenHubSpot { get; } = [];
        public HashSet<string> Planned { get; } = new(StringComparer.Ordinal);
        public List<PlannedWrite> Writes { get; } = [];
        public List<PlannedRecord> Plans { get; } = [];
        public int Read { get; set; }
        public int HubSpotRead { get; set; }
        public int Excluded { get; set; }
        public int Unchanged { get; set; }
        public int HubSpotCreated { get; set; }
        public int HubSpotUpdated { get; set; }
        public int SalesforceUpdated { get; set; }
        public int DeadLettered { get; set; }
        public int Linked { get; set; }
        public int Corrections { get; set; }
        public int Conflicts { get; set; }
        public bool Finished { get; set; }
    }

    sealed class MatchIndex
    {
        public Dictionary<string, HubSpotObject> BySalesforceId { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<HubSpotObject>> ByDomain { get; } = new(StringComparer.Ordinal);
        /// <summary>HubSpot id → the Salesforce record it belongs to.</summary>
        public Dictionary<string, string> Claimed { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>One record pair on its way through a page.</summary>
    sealed class Item
    {
        public string? SalesforceId { get; set; }
        public string? HubSpotId { get; set; }
        public SObjectRecord? Salesforce { get; set; }
        public HubSpotObject? HubSpot { get; set; }
        public RecordLink? Link { get; set; }
        public string? LinkReason { get; set; }
        public FieldBaselines? Baselines { get; set; }
        public RecordPlan? Plan { get; set; }
        public IReadOnlyDictionary<string, string?>? SalesforceValues { get; set; }
        public bool HubSpotWritten { get; set; }
        public bool SalesforceWritten { get; set; }
        public RecordFailure? Failure { get; set; }
        public RecordFailure? SalesforceFailure { get; set; }
        public string? Skip { get; set; }
        public bool Live => Failure is null && Skip is null;
    }
}

/// <summary>The lease holder names a process: "host/pid/run n".</summary>
internal static class RunLease
{
    /// <summary>
    /// A holder on this host whose process is gone. Only trusted when this process can see the holder's PID space: a
    /// container shares a host name with its siblings but not their PIDs, so "no such process" there proves nothing.
    /// A holder whose PID exists is never dead, even if it is another program now: the lease then simply expires.
    /// </summary>
    public static bool IsDeadLocalHolder(string holder)
    {
        var parts = holder.Split('/');
        if (parts.Length < 2 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }
        if (pid == Environment.ProcessId || !SharesPidNamespace(parts))
        {
            return false;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>The PID namespace of this process, as Linux names it (<c>pid:[4026531836]</c>); null elsewhere.</summary>
    public static string? PidNamespace()
    {
        try
        {
            // The link's text ("pid:[4026531836]") names the namespace; it holds no '/', which the holder uses as separator.
            return OperatingSystem.IsLinux() ? new FileInfo("/proc/self/ns/pid").LinkTarget : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A holder written as "host/pid/run n/pidns" shares ours when the namespaces match; an old holder without one does not.</summary>
    static bool SharesPidNamespace(string[] parts) =>
        parts.Length >= 4 && PidNamespace() is { } mine && parts[3] == mine;

    public static string Holder(long runId) => $"{Environment.MachineName}/{Environment.ProcessId}/run {runId}/{PidNamespace() ?? "?"}";
}
