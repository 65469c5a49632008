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
    SalesforceIdentity salesforceIdentity,
    StateStore store,
    SyncConfiguration configuration,
    SchemaGuard schema,
    SystemBinding binding,
    OwnerDirectory owners,
    HubSpotRateLimiter hubSpotLimiter,
    SalesforceCallCounter salesforceCalls,
    HubSpotCallCounter hubSpotCalls,
    SyncCache cache,
    AccountEngagementBook engagementBook,
    EngagementReader engagementReader,
    TimeProvider time,
    IOptions<SyncOptions> options,
    IOptions<SalesforceOptions> salesforceOptions,
    AbmSyncMetrics metrics,
    RunProgress progress,
    ILogger<SyncRunner> logger)
{
    /// <summary>
    /// The lease key's direction: a run takes the Salesforce-driven and then the HubSpot-driven direction under one
    /// lease, so that two workers never plan one record from its two sides at once.
    /// </summary>
    public const string LeaseDirection = "two-way";

    /// <summary>How long a stopping run's page may go on writing before its writes are cancelled too.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    /// <summary>Plans after every change are kept for <c>plan</c> up to this many records; counts are kept for all.</summary>
    const int MaxPlansShown = 10_000;

    static readonly AsyncLocal<string?> flowPair = new();

    /// <summary>The pair whose run this async flow is part of (null outside a run), for whoever watches calls as they go (the benchmark's tap).</summary>
    public static string? PairOfThisFlow => flowPair.Value;

    public Task<SyncSummary> RunAsync(SyncRequest request, CancellationToken ct) =>
        RunAsync(ObjectPairs.For(request.Object, configuration), request, ct);

    public Task<SyncSummary> RunAsync(ObjectPair pair, SyncRequest request, CancellationToken ct) => RunAsync(pair, request, RunGates.None, ct);

    /// <param name="gates">
    /// Within a <see cref="PairSequence"/>: what the run waits for before it reads, and before it reads associations
    /// and plans its first page (the earlier pairs it depends on). Setup and reads go on meanwhile.
    /// </param>
    public async Task<SyncSummary> RunAsync(ObjectPair pair, SyncRequest request, RunGates gates, CancellationToken ct)
    {
        flowPair.Value = pair.Name;
        var stopwatch = Stopwatch.StartNew();
        var mode = request.DryRun ? "dry-run" : request.Full ? "full" : "incremental";
        // This run's own calls: the counters are shared with runs that go on at the same time in this process.
        using var salesforceScope = salesforceCalls.BeginScope();
        using var hubSpotScope = hubSpotCalls.BeginScope();
        var scope = request.Partition.Key(pair.Name);
        var runId = await store.StartRunAsync(pair.Name, LeaseDirection, request.Partition.IsAll ? mode : $"{mode} {request.Partition}");
        var run = new RunState(runId, pair, request, time.GetUtcNow())
        {
            SalesforceCalls = () => salesforceScope.Calls,
            HubSpotCalls = () => hubSpotScope.Calls,
        };
        run.ReRead.UnionWith(request.ReRead);
        var status = "failed";
        string? message = null;
        var holder = RunLease.Holder(runId);
        var lease = options.Value.LeaseDuration;
        Task renewal = Task.CompletedTask;
        // A stop (SIGTERM, Ctrl+C, the job server shutting down) ends the run at the next page boundary: the page being
        // written finishes and commits, so that the resumed run redoes nothing. Only past the grace is the write itself
        // cancelled, and then the resume replays that page, idempotently.
        var stopping = ct;
        using var hardStop = new CancellationTokenSource();
        using var stopRegistration = stopping.Register(() => hardStop.CancelAfter(StopGrace));
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(hardStop.Token);
        using var beforeWrites = CancellationTokenSource.CreateLinkedTokenSource(leaseLost.Token, stopping);
        try
        {
            var (acquired, other, until) = await store.TryAcquireLeaseAsync(scope, LeaseDirection, holder, lease);
            if (!acquired && other is not null && RunLease.IsDeadLocalHolder(other))
            {
                // The holder was a process on this machine that no longer exists (killed mid-run): no need to wait out its lease.
                (acquired, other, until) = await store.TryAcquireLeaseAsync(scope, LeaseDirection, holder, lease, deadHolder: other);
            }
            if (!acquired)
            {
                // Another worker (or a twin delivery of the same Hangfire job) is running this pair: not an error.
                status = "skipped";
                message = $"another run holds the {scope} lease ({other}, until {until:u}); this one did nothing";
                return Summary(run, status, stopwatch.Elapsed, message);
            }
            progress.Phase(pair.Name, "reading");
            await store.MarkRunAliveAsync(runId, until ?? time.GetUtcNow() + lease);
            if (await store.LastRunCallsAsync(pair.Name) is { } estimate && !request.DryRun)
            {
                // The last run of the pair is the estimate of this one; the run log shows both side by side.
                await store.SetRunEstimateAsync(runId, estimate.Salesforce, estimate.HubSpot);
            }
            renewal = RenewLeaseAsync(scope, runId, holder, lease, leaseLost);
            // Until the first write, a stop takes effect at once: setup and reads commit nothing and are simply redone.
            ct = beforeWrites.Token;

            run.Kinds = await schema.EnsureAsync(pair, request.DryRun, ct);
            pair = run.Pair = SchemaGuard.InThisOrg(pair, run.Kinds);
            await binding.EnsureAsync(request.DryRun, ct);
            run.Owners = await owners.GetAsync(ct);
            run.Context = new PlanContext(pair.Mapping, run.StartedAt,
                new Core.Sync.OwnerMap(id => run.Owners.HubSpotOwnerOf(id), id => run.Owners.SalesforceUserOf(id)),
                run.Kinds.Salesforce, run.Kinds.HubSpot, pair.CreateInHubSpot, pair.CreateInSalesforce,
                Links: linkPair => run.ParentLinks.GetValueOrDefault(linkPair) ?? Core.Sync.OwnerMap.None,
                HubSpotTimeZone: cache.HubSpotTimeZone);
            // Records that left the filter keep only what the rules take back: a mapping without fields.
            run.RulesOnlyContext = run.Context with { Mapping = pair.Mapping with { Fields = [] }, CreateInHubSpot = false, CreateInSalesforce = false };
            run.Snapshot = new RulesSnapshot(store, engagementBook, pair.Name, run.StartedAt, configuration.RulesHash, run.Owners);
            if (pair.Rules is { } rules)
            {
                await rules.LoadAsync(run.Snapshot);
            }

            await ReadAsync(run, gates, ct);
            // The reads waited for the earlier pairs this one depends on: what the rules read of their work is there now.
            await gates.PagesMayStart;
            await PrepareRulesAsync(run);
            ct = leaseLost.Token;
            progress.Pages(pair.Name, 0, run.SalesforcePages.Count + run.HubSpotPages.Count, run.Read);
            await CommitBookDecisionsAsync(run);
            await ProcessPagesAsync(run, run.SalesforcePages, Side.Salesforce, ct, stopping);
            await ProcessPagesAsync(run, run.HubSpotPages, Side.HubSpot, ct, stopping);
            if (run.HubSpotCursorAtEnd is { } hubSpotCursor && !request.DryRun)
            {
                await store.CommitPageAsync(new PageCommit(pair.Name, runId) { Cursor = hubSpotCursor, CursorSide = Side.HubSpot, CursorScope = scope });
            }
            if (run.DeletesCursorAtEnd is { } deletesCursor && !request.DryRun)
            {
                // Only once every page is committed: a run that stops before asks for the same deletes again.
                await store.CommitPageAsync(new PageCommit(pair.Name, runId) { Cursor = deletesCursor, CursorSide = Side.SalesforceDeletes, CursorScope = scope });
            }
            status = "succeeded";
            return Summary(run, status, stopwatch.Elapsed, null);
        }
        catch (PrerequisiteFailedException e)
        {
            // Nothing was written or committed: what it read is read again by the next run.
            status = "stopped";
            message = e.Message;
            return Summary(run, status, stopwatch.Elapsed, message);
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
            message = renewal.IsCompleted && leaseLost.IsCancellationRequested && !stopping.IsCancellationRequested && !run.Finished
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
            progress.Phase(pair.Name, status);
            await leaseLost.CancelAsync();
            await renewal;
            if (status != "skipped")
            {
                await store.ReleaseLeaseAsync(scope, LeaseDirection, holder);
            }
            if (!request.DryRun && status != "skipped")
            {
                await FlushApiUsageAsync(run);
            }
            var counts = new RunCounts(run.Read, run.HubSpotCreated + run.HubSpotUpdated, run.SalesforceUpdated + run.SalesforceCreated, run.DeadLettered,
                (int)salesforceScope.Calls, (int)hubSpotScope.Calls);
            // The final status is recorded whatever happened above: a run that cannot say how it ended shows as abandoned.
            await store.FinishRunAsync(runId, status, counts, message);
            LogRunFinished(logger, pair.Name, runId, status, run.Read, run.HubSpotRead, counts.HubSpotRecordsWritten, counts.SalesforceRecordsWritten, run.DeadLettered);
        }
    }

    // ---- budget, lease, summary ----

    /// <summary>This run's calls since the last flush, added to the shared count of the state store.</summary>
    async Task FlushApiUsageAsync(RunState run)
    {
        var (salesforceCalls, hubSpotCalls) = (run.SalesforceCalls(), run.HubSpotCalls());
        await store.AddApiUsageAsync(Side.Salesforce, salesforceCalls - run.FlushedSalesforceCalls);
        await store.AddApiUsageAsync(Side.HubSpot, hubSpotCalls - run.FlushedHubSpotCalls);
        (run.FlushedSalesforceCalls, run.FlushedHubSpotCalls) = (salesforceCalls, hubSpotCalls);
    }

    /// <summary>
    /// One budget for every run and process on this state store: AbmSync's own calls of the last 24 hours (Salesforce)
    /// or since the portal's midnight (HubSpot), committed ones and this run's since, may not pass the configured share
    /// of the day's allocation. Checked before a page's writes, with the calls the page needs.
    /// </summary>
    async Task CheckSharedBudgetAsync(RunState run, int salesforceCallsNeeded, int hubSpotCallsNeeded)
    {
        var now = time.GetUtcNow();
        if (salesforce.GetBudget(cache.OrgLimits) is { Max: > 0 } org)
        {
            var ours = await store.ApiUsageSinceAsync(Side.Salesforce, now.AddHours(-24)) + run.SalesforceCalls() - run.FlushedSalesforceCalls;
            var allowed = (long)Math.Floor(org.Max * options.Value.SalesforceCallShare);
            if (ours + salesforceCallsNeeded > allowed)
            {
                throw new BudgetReachedException(string.Create(CultureInfo.InvariantCulture,
                    $"AbmSync's Salesforce budget is spent: its runs made {ours} calls in the last 24 hours, and may make {allowed} ({options.Value.SalesforceCallShare:P0} of the org's {org.Max}, Sync:SalesforceCallShare, shared by every process on this state store); this page needs {salesforceCallsNeeded} more. The run stopped at the last committed page and resumes from there."));
            }
        }
        if (hubSpotLimiter.Status is { DailyLimit: > 0 } portal)
        {
            var local = TimeZoneInfo.ConvertTime(now, cache.HubSpotTimeZone);
            var midnight = new DateTimeOffset(local.Date, local.Offset);
            var ours = await store.ApiUsageSinceAsync(Side.HubSpot, midnight) + run.HubSpotCalls() - run.FlushedHubSpotCalls;
            var allowed = (long)Math.Floor(portal.DailyLimit!.Value * options.Value.HubSpotCallShare);
            if (ours + hubSpotCallsNeeded > allowed)
            {
                throw new BudgetReachedException(string.Create(CultureInfo.InvariantCulture,
                    $"AbmSync's HubSpot budget is spent: its runs made {ours} calls since the portal's midnight, and may make {allowed} ({options.Value.HubSpotCallShare:P0} of the portal's {portal.DailyLimit}, Sync:HubSpotCallShare, shared by every process on this state store); this page needs {hubSpotCallsNeeded} more. The run stopped at the last committed page and resumes from there."));
            }
        }
    }

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
    async Task RenewLeaseAsync(string scope, long runId, string holder, TimeSpan lease, CancellationTokenSource run)
    {
        using var timer = new PeriodicTimer(lease / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(run.Token))
            {
                if (!await store.RenewLeaseAsync(scope, LeaseDirection, holder, lease))
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

    /// <summary>Once per run, when the earlier pairs it depends on have finished: the rules load what they read of their work.</summary>
    static async Task PrepareRulesAsync(RunState run)
    {
        if (run.RulesPrepared || run.Pair.Rules is not { } rules || run.Snapshot is not { } snapshot)
        {
            return;
        }
        run.RulesPrepared = true;
        await rules.PrepareAsync(snapshot);
    }

    SyncSummary Summary(RunState run, string status, TimeSpan elapsed, string? message)
    {
        var rules = run.Pair.Rules?.Find<TierRules>();
        var perTier = rules?.PerTier() ?? new Dictionary<string, int>();
        // Owners are reported, never guessed: an account whose Salesforce owner has no HubSpot owner of the same
        // email keeps whatever owner HubSpot has, and the owner's email is listed for someone to fix.
        var ownerIds = rules?.Population.Values.Select(p => p.Account.OwnerId).Where(o => o is not null).Select(o => o!).ToList() ?? [];
        var withOwner = ownerIds.Count(o => run.Owners?.HubSpotOwnerOf(o) is not null);
        var unmatched = ownerIds.Where(o => run.Owners?.HubSpotOwnerOf(o) is null).Distinct(StringComparer.Ordinal)
            .Select(o => run.Owners?.BySalesforceUserId.GetValueOrDefault(o)?.Email is { Length: > 0 } email ? email : o)
            .Order(StringComparer.Ordinal).ToList();
        var summary = new SyncSummary(run.Id, run.Pair.Name, status, run.Read, run.Unchanged, run.HubSpotCreated, run.HubSpotUpdated, run.SalesforceUpdated,
            run.DeadLettered, run.Linked, perTier, withOwner, ownerIds.Count - withOwner, unmatched, schema.CreatedHubSpotProperties(run.Pair), run.Writes, elapsed, message)
        {
            HubSpotRead = run.HubSpotRead,
            Corrections = run.Corrections,
            Conflicts = run.Conflicts,
            Excluded = run.Excluded,
            Deleted = run.Deleted,
            SalesforceCreated = run.SalesforceCreated,
            Unlinked = run.Unlinked,
            Merged = run.Merged,
            DeleteGap = run.DeleteGap,
            LinkSetChanges = run.LinkSetChanges,
            Plans = run.Plans,
            RuleReport = run.Pair.Rules?.Report() ?? [],
        };
        metrics.RecordRun(summary);
        return summary;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run lease of {Holder} could not be renewed ({Reason}); stopping the run")]
    static partial void LogLeaseRenewalFailed(ILogger logger, string holder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run lease of {Holder} was lost; stopping the run")]
    static partial void LogLeaseLost(ILogger logger, string holder);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Object} run {RunId} {Status}: read Salesforce {Read}, HubSpot {HubSpotRead}; HubSpot writes {HubSpotWrites}, Salesforce writes {SalesforceWrites}, dead-lettered {DeadLettered}")]
    static partial void LogRunFinished(ILogger logger, string @object, long runId, string status, int read, int hubSpotRead, int hubSpotWrites, int salesforceWrites, int deadLettered);

    sealed class BudgetReachedException(string message) : Exception(message);

    sealed record Page(List<Item> Items, SyncCursor? Cursor);

    /// <summary>A page between its plan and its commit: the items, the commit it builds, and the twin ids a merge or delete must fix besides the plans.</summary>
    sealed class PageWork(PageCommit commit)
    {
        public PageCommit Commit { get; } = commit;
        public List<Item> Items { get; set; } = [];
        public List<TwinIdFix> TwinIdFixes { get; } = [];
        public List<SalesforceIdFix> SalesforceIdFixes { get; } = [];
        /// <summary>Its commit moves or ends links (a merge, a delete): the next page is planned only after it.</summary>
        public bool MovesLinks { get; set; }
    }

    sealed class RunState(long id, ObjectPair pair, SyncRequest request, DateTimeOffset startedAt)
    {
        public long Id { get; } = id;
        /// <summary>The pair, narrowed once the org's schema is known (person accounts left out where it has them).</summary>
        public ObjectPair Pair { get; set; } = pair;
        public SyncRequest Request { get; } = request;
        /// <summary>Pages written and committed, of both sides: what a progress bar shows.</summary>
        public int PagesDone { get; set; }
        public DateTimeOffset StartedAt { get; } = startedAt;
        public SchemaKinds? Kinds { get; set; }
        public OwnerMap? Owners { get; set; }
        public PlanContext? Context { get; set; }
        public PlanContext? RulesOnlyContext { get; set; }
        public RulesSnapshot? Snapshot { get; set; }
        /// <summary>The rules have loaded what they read of the earlier pairs' work (<see cref="PairRules.PrepareAsync"/>).</summary>
        public bool RulesPrepared { get; set; }
        /// <summary>This page's parent links per linked pair, for the planner's id translation.</summary>
        public Dictionary<string, Core.Sync.OwnerMap> ParentLinks { get; } = new(StringComparer.Ordinal);
        public MatchIndex? Index { get; set; }
        public List<Page> SalesforcePages { get; } = [];
        public List<Page> HubSpotPages { get; } = [];
        /// <summary>HubSpot's changes as read, before their associations: paged once the run may plan.</summary>
        public List<Item> HubSpotChanged { get; } = [];
        public List<Item> HubSpotArchived { get; } = [];
        public List<string> HubSpotRetry { get; } = [];
        public SyncCursor? HubSpotCursorAtEnd { get; set; }
        public SyncCursor? DeletesCursorAtEnd { get; set; }
        public HashSet<(string, DateTimeOffset?)> Seen { get; } = [];
        public HashSet<(string, DateTimeOffset?)> SeenHubSpot { get; } = [];
        public HashSet<string> Planned { get; } = new(StringComparer.Ordinal);
        public List<PlannedWrite> Writes { get; } = [];

        /// <summary>Engagement signals the contacts' counters gave in this run.</summary>
        public int CounterSignals { get; set; }
        // A page is planned while the one before it writes: what both do is counted safely from either.
        int unchanged;
        int unlinked;
        public void AddWrite(PlannedWrite write)
        {
            lock (Writes)
            {
                Writes.Add(write);
            }
        }
        public void CountUnchanged() => Interlocked.Increment(ref unchanged);
        public void CountUnlinked() => Interlocked.Increment(ref unlinked);
        public List<PlannedRecord> Plans { get; } = [];
        public int Read { get; set; }
        public int HubSpotRead { get; set; }
        public int Excluded { get; set; }
        public int Deleted { get; set; }
        public int Unchanged => unchanged;
        public int HubSpotCreated { get; set; }
        public int HubSpotUpdated { get; set; }
        public int SalesforceUpdated { get; set; }
        public int SalesforceCreated { get; set; }
        /// <summary>Links ended by a delete on one side (the mapping's onDelete carried out).</summary>
        public int Unlinked => unlinked;
        public int DeadLettered { get; set; }
        public int Linked { get; set; }
        public int Corrections { get; set; }
        /// <summary>Links moved by a merge on either side (and twins merged in HubSpot after a Salesforce merge).</summary>
        public int Merged { get; set; }
        public string? DeleteGap { get; set; }
        /// <summary>Parents whose link set changed in Salesforce (or failed before): never skipped as unchanged.</summary>
        public HashSet<string> LinkSetChanged { get; } = new(StringComparer.Ordinal);
        /// <summary>
        /// Every Salesforce record this run read, by email (lower case), when the read was a whole one (no cursor): the
        /// email match of HubSpot records without a twin, without a query. Null after an incremental read.
        /// </summary>
        public Dictionary<string, List<SObjectRecord>>? SalesforceByEmail { get; set; }
        public string? SalesforceEmailField { get; set; }
        /// <summary>Salesforce records a HubSpot record of this run matched by email: taken, whether their page has committed yet or not.</summary>
        public HashSet<string> ClaimedInSalesforce { get; } = new(StringComparer.Ordinal);
        /// <summary>What listing the HubSpot object costs, where a first run asked the portal's size: a match index compares its searches with it.</summary>
        public long? PortalListCalls { get; set; }
        /// <summary>The Salesforce read had no cursor: every record of the pair was read, none of them linked before.</summary>
        public bool SalesforceReadAll { get; set; }
        /// <summary>Whether the lead pair has any active link: without one, no contact can take over a lead's twin.</summary>
        public bool? LeadPairLinked { get; set; }
        /// <summary>The keys the request asked to read again: planned even when they look unchanged.</summary>
        public HashSet<string> ReRead { get; } = new(StringComparer.Ordinal);
        /// <summary>Link set rows created or deleted, and associations made or removed.</summary>
        public int LinkSetChanges { get; set; }
        public int Conflicts { get; set; }
        public bool Finished { get; set; }
        /// <summary>This run's calls so far, and how many of them the shared budget in the state store has counted.</summary>
        public Func<long> SalesforceCalls { get; init; } = () => 0;
        public Func<long> HubSpotCalls { get; init; } = () => 0;
        public long FlushedSalesforceCalls { get; set; }
        public long FlushedHubSpotCalls { get; set; }
    }

    sealed class MatchIndex
    {
        public Dictionary<string, HubSpotObject> BySalesforceId { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<HubSpotObject>> ByDomain { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<HubSpotObject>> ByEmail { get; } = new(StringComparer.Ordinal);
        /// <summary>HubSpot id → the Salesforce record it belongs to.</summary>
        public Dictionary<string, string> Claimed { get; } = new(StringComparer.Ordinal);
        /// <summary>Every HubSpot record of the pair is in it (the portal was listed); otherwise only those searched for by key.</summary>
        public bool Complete { get; set; }
        public HashSet<string> Indexed { get; } = new(StringComparer.Ordinal);
        public HashSet<string> SearchedIds { get; } = new(StringComparer.Ordinal);
        public HashSet<string> SearchedEmails { get; } = new(StringComparer.Ordinal);
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
        public IReadOnlyDictionary<string, DateTimeOffset>? SalesforceTimes { get; set; }
        public IReadOnlyDictionary<string, DateTimeOffset>? HubSpotTimes { get; set; }
        public RecordPlan? Plan { get; set; }
        public IReadOnlyDictionary<string, string?>? SalesforceValues { get; set; }
        public bool HubSpotWritten { get; set; }
        public bool SalesforceWritten { get; set; }
        public RecordFailure? Failure { get; set; }
        public RecordFailure? SalesforceFailure { get; set; }
        /// <summary>The twin id write after a create in Salesforce failed: the link stands, the write is retried.</summary>
        public RecordFailure? TwinIdFailure { get; set; }
        /// <summary>The lead whose HubSpot record this contact takes over (match key converted-lead).</summary>
        public string? ConvertedLeadId { get; set; }
        /// <summary>Linked through the org's duplicate rule on create: no baselines yet; the next run plans the pair as a first link.</summary>
        public bool LinkedByDuplicateRule { get; set; }
        /// <summary>Deleted in Salesforce (read through queryAll, or gone when its twin's change was read).</summary>
        public bool SalesforceDeleted { get; set; }
        /// <summary>Archived in HubSpot, or gone for good (a GDPR delete) when its twin's change was read.</summary>
        public bool HubSpotDeleted { get; set; }
        /// <summary>Its HubSpot twin is gone for good, archived reads included (a GDPR delete): the person is never created again.</summary>
        public bool HubSpotGone { get; set; }
        /// <summary>The link set both sides agree on after this page (null: not settled, the baseline before stays).</summary>
        public string? LinkSetBaseline { get; set; }
        public RecordFailure? LinkSetFailure { get; set; }
        /// <summary>The link status this page leaves, when a delete (or an undelete) changes it.</summary>
        public string? NewLinkStatus { get; set; }
        /// <summary>The record's key in the state store: its Salesforce id, or for a HubSpot record without one, hubspot:{id}.</summary>
        public string Key => SalesforceId ?? HubSpotKey.For(HubSpotId!);
        public string? Skip { get; set; }
        /// <summary>Left the inclusion filter: only the rules' values are planned (the tier taken back).</summary>
        public bool RulesOnly { get; set; }
        /// <summary>It left the inclusion filter: only the rules' take-back is written, and it leaves the rules' snapshot.</summary>
        public bool LeftFilter { get; set; }
        public bool Live => Failure is null && Skip is null;
    }
}
