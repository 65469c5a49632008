using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Rules;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>What to run: incremental from the cursor (default) or a full read; for real or as a dry run.</summary>
public sealed record SyncRequest(bool Full = false, bool DryRun = false);

/// <summary>One write a run made, or in a dry run would make.</summary>
public sealed record PlannedWrite(string System, string Operation, string SalesforceId, string? HubSpotId, IReadOnlyDictionary<string, string> Values);

/// <summary>What one accounts run did.</summary>
public sealed record SyncSummary(
    long RunId,
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
    string? Message);

/// <summary>
/// The accounts run, Salesforce → HubSpot with tier write-back: read changed accounts a page at a time, link each to
/// its HubSpot company (id link, then existing company by domain, else create), tier them, write both sides in the
/// largest batches the APIs allow, record links, written values, decisions and failures, then move the cursor. Only
/// then is the next page read: a crash repeats at most one page, and every write is keyed by the other side's id,
/// so repeating is harmless.
/// </summary>
public sealed partial class AccountSync(
    SalesforceClient salesforce,
    HubSpotClient hubSpot,
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
    ILogger<AccountSync> logger)
{
    /// <summary>Records per page when a Bulk API 2.0 query job reads: large enough that a page's write-back can be one ingest job.</summary>
    public const int BulkPageSize = 50_000;

    public const string ObjectName = "accounts";
    public const string Direction = "salesforce-to-hubspot";
    const string TierKind = "tier";

    static readonly string[] ProfileFields =
        ["Id", "SystemModstamp", "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry", "BillingCity", "Type", "OwnerId"];

    ObjectMapping Mapping => configuration.Accounts;

    public async Task<SyncSummary> RunAsync(SyncRequest request, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var mode = request.DryRun ? "dry-run" : request.Full ? "full" : "incremental";
        // The counters are the process's; a run's share is the difference (one accounts run at a time: the lease).
        var salesforceCallsBefore = salesforceCalls.Calls;
        var hubSpotCallsBefore = hubSpotCalls.Snapshot().Calls;
        var runId = await store.StartRunAsync(ObjectName, Direction, mode);
        var run = new RunState(runId, request);
        string status = "failed";
        string? message = null;
        var holder = $"{Environment.MachineName}/{Environment.ProcessId}/run {runId}";
        var lease = options.Value.LeaseDuration;
        var (acquired, other, until) = await store.TryAcquireLeaseAsync(ObjectName, Direction, holder, lease);
        if (!acquired && other is not null && IsDeadLocalHolder(other))
        {
            // The holder was a process on this machine that no longer exists (killed mid-run): no need to wait out its lease.
            (acquired, other, until) = await store.TryAcquireLeaseAsync(ObjectName, Direction, holder, lease, deadHolder: other);
        }
        if (!acquired)
        {
            // Another worker (or a twin delivery of the same Hangfire job) is running accounts: not an error.
            status = "skipped";
            message = $"another run holds the accounts lease ({other}, until {until:u}); this one did nothing";
            await store.FinishRunAsync(runId, status, new RunCounts(0, 0, 0, 0, 0, 0), message);
            return Summary(run, status, stopwatch.Elapsed, message, []);
        }
        await store.MarkRunAliveAsync(runId, until ?? time.GetUtcNow() + lease);
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewLeaseAsync(runId, holder, lease, leaseLost);
        ct = leaseLost.Token;
        try
        {
            await schema.EnsureAccountsAsync(request.DryRun, ct);
            run.Owners = await owners.GetAsync(ct);
            await LoadPopulationAsync(run);

            // Failed records first: their ids are read again, whatever the cursor says.
            var retry = (await store.GetDeadLettersAsync(ObjectName, "open")).Select(d => d.RecordId).Distinct().ToList();
            foreach (var chunk in retry.Chunk(SalesforceClient.CollectionBatchSize))
            {
                var query = BaseQuery().Where(Soql.Field("Id").In((IEnumerable<string>)chunk));
                await foreach (var page in salesforce.QueryPagesAsync(query, ct: ct))
                {
                    await ProcessPageAsync(run, page.Records, cursor: null, ct);
                }
            }

            var cursor = request.Full ? null : await store.GetCursorAsync(ObjectName, Side.Salesforce);
            var changed = BaseQuery();
            if (cursor is not null)
            {
                changed = changed.Where(Soql.Field("SystemModstamp").Ge(cursor.ModifiedAt - options.Value.CursorOverlap));
            }
            var first = await salesforce.QueryAsync(changed.OrderBy("SystemModstamp").OrderBy("Id"), ct: ct);
            if (first.TotalSize > salesforceOptions.Value.BulkThreshold)
            {
                // Bulk API 2.0 query jobs refuse ORDER BY; the bulk read does not rely on order.
                await ReadInBulkAsync(run, changed, ct);
            }
            else
            {
                var page = first;
                while (true)
                {
                    await ProcessPageAsync(run, page.Records, CursorAfter(page.Records), ct);
                    if (page.Done || page.NextRecordsUrl is null)
                    {
                        break;
                    }
                    page = await salesforce.QueryMoreAsync(page.NextRecordsUrl, ct);
                }
            }

            await RebalanceAsync(run, ct);
            status = "succeeded";
            return Summary(run, status, stopwatch.Elapsed, null, schema.CreatedHubSpotProperties);
        }
        catch (Exception e) when (PauseReason(e) is { } reason)
        {
            // Not a failure: the daily allocation is shared with everything else the org or portal runs. Nothing of
            // the current page was written or committed; the next run starts from the last committed page.
            status = "paused";
            message = reason;
            return Summary(run, status, stopwatch.Elapsed, message, schema.CreatedHubSpotProperties);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            message = e.Message;
            throw;
        }
        catch (OperationCanceledException)
        {
            status = "stopped";
            message = renewal.IsCompleted && !run.Finished
                ? "stopped: the run lost its lease (its renewals failed), so another worker may take over; the next run resumes from the last committed page"
                : "stopped before the end; the next run resumes from the last committed page";
            throw;
        }
        finally
        {
            run.Finished = true;
            await leaseLost.CancelAsync();
            await renewal;
            await store.ReleaseLeaseAsync(ObjectName, Direction, holder);
            await store.FinishRunAsync(runId, status, new RunCounts(run.Read, run.HubSpotCreated + run.HubSpotUpdated, run.SalesforceUpdated,
                run.DeadLettered, (int)(salesforceCalls.Calls - salesforceCallsBefore), (int)(hubSpotCalls.Snapshot().Calls - hubSpotCallsBefore)), message);
            LogRunFinished(logger, runId, status, run.Read, run.HubSpotCreated + run.HubSpotUpdated, run.SalesforceUpdated, run.DeadLettered);
        }
    }

    /// <summary>Why an exception means "stop here and resume later" rather than a failure, or null when it doesn't.</summary>
    static string? PauseReason(Exception e) => e switch
    {
        BudgetReachedException budget => budget.Message,
        SalesforceApiException s when s.IsRequestLimitExceeded =>
            $"Salesforce refused with REQUEST_LIMIT_EXCEEDED ({s.Message}); the run stopped at the last committed page and resumes from there",
        HubSpotApiException h when h.IsDailyLimit =>
            "HubSpot's daily API limit is reached; the run stopped at the last committed page and resumes from there",
        _ => null,
    };

    /// <summary>A lease holder "host/pid/run n" whose host is this machine and whose process is gone.</summary>
    static bool IsDeadLocalHolder(string holder)
    {
        var parts = holder.Split('/');
        if (parts.Length < 2 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }
        if (pid == Environment.ProcessId)
        {
            return false;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>
    /// Renews the run's lease every third of its duration; if a renewal finds the lease gone (this worker stalled past
    /// it and another took over), the run is cancelled at once so that two workers never write the same page.
    /// </summary>
    async Task RenewLeaseAsync(long runId, string holder, TimeSpan lease, CancellationTokenSource run)
    {
        using var timer = new PeriodicTimer(lease / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(run.Token))
            {
                if (!await store.RenewLeaseAsync(ObjectName, Direction, holder, lease))
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
            // A renewal that cannot reach the store cannot prove the lease is still ours: stop rather than risk two writers.
            LogLeaseRenewalFailed(logger, holder, e.Message);
            await run.CancelAsync();
        }
    }

    SoqlQuery BaseQuery()
    {
        var fields = ProfileFields
            .Concat(Mapping.Fields.Where(f => f.FlowsToHubSpot).Select(f => f.Salesforce))
            .Concat([AbmFields.SalesforceTier, AbmFields.SalesforceScore, AbmFields.SalesforceTierReason, AbmFields.SalesforceTierLocked, AbmFields.SalesforceHubSpotId])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToArray();
        var query = SoqlQuery.From("Account").Select(fields);
        foreach (var condition in Mapping.IncludeSalesforce)
        {
            var field = Soql.Field(condition.Field);
            query = query.Where(condition.Operator switch
            {
                InclusionOperator.In => field.In(condition.Values),
                InclusionOperator.NotIn => field.NotIn(condition.Values),
                InclusionOperator.Equals => field.Eq(condition.Values[0]),
                InclusionOperator.NotEquals => field.NotEq(condition.Values[0]),
                InclusionOperator.IsNull => field.IsNull(),
                _ => field.IsNotNull(),
            });
        }
        return query;
    }

    async Task LoadPopulationAsync(RunState run)
    {
        foreach (var d in await store.GetDecisionsAsync(ObjectName, TierKind))
        {
            var hits = d.Detail is null ? [] : JsonSerializer.Deserialize<List<CriterionHit>>(d.Detail) ?? [];
            var profile = new AccountProfile { Id = d.RecordId, OwnerId = d.OwnerId, TierLocked = d.Locked, CurrentTier = d.Value };
            run.Population[d.RecordId] = new ScoredAccount(profile, new TierScore(d.Score ?? 0, hits));
            run.Stored[d.RecordId] = d;
        }
    }

    /// <summary>
    /// A read of more than <see cref="SalesforceOptions.BulkThreshold"/> records goes through a Bulk API 2.0 query job:
    /// tens of calls for a million accounts instead of hundreds. Bulk results come in no promised order, so the cursor
    /// moves once, to the newest record seen, after the last page; a crash before that repeats the read, and the
    /// (Id, SystemModstamp) check skips every record already done.
    /// </summary>
    async Task ReadInBulkAsync(RunState run, SoqlQuery query, CancellationToken ct)
    {
        LogBulkRead(logger, salesforceOptions.Value.BulkThreshold);
        SyncCursor? newest = null;
        await foreach (var records in salesforce.BulkQueryAsync(query, maxRecordsPerPage: BulkPageSize, ct: ct))
        {
            await ProcessPageAsync(run, records, cursor: null, ct);
            if (CursorAfter(records) is { } last && (newest is null || (last.ModifiedAt, last.RecordId).CompareTo((newest.ModifiedAt, newest.RecordId)) > 0))
            {
                newest = last;
            }
        }
        if (newest is not null && !run.Request.DryRun)
        {
            var commit = new PageCommit(ObjectName, run.Id) { Cursor = newest };
            await store.CommitPageAsync(commit);
        }
    }

    /// <summary>The newest (SystemModstamp, Id) of a page.</summary>
    static SyncCursor? CursorAfter(IReadOnlyList<SObjectRecord> records) => records
        .Where(r => r.GetDateTime("SystemModstamp") is not null)
        .Select(r => new SyncCursor(r.GetDateTime("SystemModstamp")!.Value, r.Id!))
        .OrderBy(c => c.ModifiedAt).ThenBy(c => c.RecordId, StringComparer.Ordinal)
        .LastOrDefault();

    /// <summary>
    /// Stops the run before a page's writes when they would take either system past the share of its daily API
    /// allocation that AbmSync may use (Salesforce: <see cref="SalesforceOptions.DailyApiShare"/> of the org's usage as
    /// Salesforce reports it, every client included; HubSpot: the limiter's daily budget).
    /// </summary>
    void CheckBudget(int salesforceCalls)
    {
        if (salesforce.GetBudget(cache.OrgLimits) is { } budget && !budget.Fits(salesforceCalls))
        {
            throw new BudgetReachedException(
                $"Salesforce daily API budget reached: the org has used {budget.Used} of {budget.Max} calls and AbmSync may take it to {budget.Allowed} ({salesforceOptions.Value.DailyApiShare:P0}); this page needs {salesforceCalls} more. The run stopped at the last committed page and resumes from there.");
        }
        if (hubSpotLimiter.IsDailyBudgetExhausted)
        {
            throw new BudgetReachedException("HubSpot daily API budget reached (the share of the portal's daily allocation AbmSync may use); the run stopped at the last committed page and resumes from there.");
        }
    }

    async Task ProcessPageAsync(RunState run, IReadOnlyList<SObjectRecord> records, SyncCursor? cursor, CancellationToken ct)
    {
        if (records.Count == 0)
        {
            return;
        }
        var commit = new PageCommit(ObjectName, run.Id);
        var ids = records.Select(r => r.Id!).ToList();
        var links = await store.GetLinksAsync(ObjectName, ids);
        var written = await store.GetWrittenAsync(ObjectName, Side.HubSpot, ids);

        var work = new List<AccountWork>();
        foreach (var record in records)
        {
            run.Read++;
            var modstamp = record.GetDateTime("SystemModstamp");
            var link = links.GetValueOrDefault(record.Id!);
            // The overlap window reads some records again: the same (Id, SystemModstamp) was fully processed already.
            if (!run.Request.Full && link?.SalesforceModstamp is { } seen && seen == modstamp)
            {
                run.Unchanged++;
                continue;
            }
            // A dead letter retried at the start of this run shows up again among the changed records: once is enough.
            if (!run.Processed.Add((record.Id!, modstamp)))
            {
                continue;
            }
            var profile = ToProfile(record);
            run.Population[profile.Id] = new ScoredAccount(profile, configuration.TierAssigner.Score(profile));
            work.Add(new AccountWork(record, profile, modstamp, link));
        }

        var decisions = Decide(run);
        foreach (var item in work)
        {
            item.Decision = decisions[item.Profile.Id];
        }

        if (!run.Request.DryRun)
        {
            // Budget first, before anything of this page is written: at most one write-back call per 200 records,
            // and the next page's read.
            CheckBudget(salesforceCalls: 1 + (work.Count + SalesforceClient.CollectionBatchSize - 1) / SalesforceClient.CollectionBatchSize);
        }
        await LinkAsync(run, work, ct);
        await WriteHubSpotAsync(run, work, written, commit, ct);
        await WriteSalesforceAsync(run, work, commit, ct);

        foreach (var item in work)
        {
            if (item.HubSpotId is { } hubSpotId && item.Failure is null)
            {
                // The modstamp marks this version as done; a failed record keeps the old one so it is processed again.
                commit.Links.Add(new RecordLink(ObjectName, item.Profile.Id, hubSpotId, item.LinkReason ?? "linked-id", time.GetUtcNow(),
                    item.Failed ? null : item.Modstamp));
            }
            var decision = item.Decision!;
            var stored = ToStoredDecision(run, decision, item.Profile.OwnerId);
            commit.Decisions.Add(stored);
            run.Stored[decision.AccountId] = stored;
            if (item.Failure is null)
            {
                commit.Succeeded.Add((Side.HubSpot, item.Profile.Id));
            }
            if (!item.SalesforceFailed)
            {
                commit.Succeeded.Add((Side.Salesforce, item.Profile.Id));
            }
            if (!item.Failed && item.Unchanged)
            {
                run.Unchanged++;
            }
        }
        commit.Cursor = cursor;
        run.DeadLettered += commit.Failures.Count;
        if (!run.Request.DryRun)
        {
            await store.CommitPageAsync(commit);
        }
    }

    Dictionary<string, TierDecision> Decide(RunState run)
    {
        var population = run.Population.Values.ToList();
        var decisions = configuration.TierAssigner.Assign(population);
        var byId = new Dictionary<string, TierDecision>(decisions.Count, StringComparer.Ordinal);
        foreach (var d in decisions)
        {
            byId[d.AccountId] = d;
        }
        return byId;
    }

    Decision ToStoredDecision(RunState run, TierDecision decision, string? ownerId)
    {
        var hits = run.Population[decision.AccountId].Score.Hits;
        return new Decision(ObjectName, decision.AccountId, TierKind, decision.Tier, decision.Score, JsonSerializer.Serialize(hits),
            decision.Reason, ownerId, decision.Locked, run.Id, time.GetUtcNow());
    }

    /// <summary>
    /// Finds each unlinked account's HubSpot company: one carrying its Salesforce id, else the one company with its
    /// domain that no other account has claimed. Several candidates are ambiguous: flagged, never guessed.
    /// </summary>
    async Task LinkAsync(RunState run, List<AccountWork> work, CancellationToken ct)
    {
        if (work.All(w => w.Link is not null))
        {
            foreach (var item in work)
            {
                item.HubSpotId = item.Link!.HubSpotId;
            }
            return;
        }
        var index = await CompanyIndexAsync(run, ct);
        foreach (var item in work)
        {
            if (item.Link is not null)
            {
                item.HubSpotId = item.Link.HubSpotId;
                continue;
            }
            if (Mapping.Match.Contains(MatchKey.LinkedId) && index.BySalesforceId.TryGetValue(item.Profile.Id, out var carrying))
            {
                item.HubSpotId = carrying;
                item.LinkReason = "linked-id";
                item.NewlyLinked = true;
                continue;
            }
            if (Mapping.Match.Contains(MatchKey.Domain) && item.Profile.Domain is { } domain && index.ByDomain.TryGetValue(domain, out var candidates))
            {
                var free = candidates.Where(c => !index.Claimed.ContainsKey(c)).ToList();
                if (free.Count == 1)
                {
                    item.HubSpotId = free[0];
                    item.LinkReason = "domain";
                    item.NewlyLinked = true;
                    index.Claimed[free[0]] = item.Profile.Id;
                    continue;
                }
                if (free.Count > 1)
                {
                    item.Failure = new RecordFailure(Side.HubSpot, item.Profile.Id, "AMBIGUOUS_MATCH",
                        $"{free.Count} HubSpot companies have the domain {domain}: {string.Join(", ", free.Take(5))}. Link one by setting its abm_salesforce_id, or merge them.", []);
                    continue;
                }
            }
            item.LinkReason = "created";
        }
    }

    async Task<CompanyIndex> CompanyIndexAsync(RunState run, CancellationToken ct)
    {
        if (run.Companies is { } built)
        {
            return built;
        }
        var index = new CompanyIndex();
        foreach (var (hubSpotId, salesforceId) in await store.GetLinkedHubSpotIdsAsync(ObjectName))
        {
            index.Claimed[hubSpotId] = salesforceId;
        }
        await foreach (var page in hubSpot.ListAllAsync("companies", ["domain", AbmFields.HubSpotSalesforceId], ct))
        {
            foreach (var company in page.Results)
            {
                if (company[AbmFields.HubSpotSalesforceId] is { Length: > 0 } sfId)
                {
                    index.BySalesforceId.TryAdd(sfId, company.Id);
                    index.Claimed.TryAdd(company.Id, sfId);
                }
                if (DomainName.Normalize(company["domain"]) is { } domain)
                {
                    if (!index.ByDomain.TryGetValue(domain, out var list))
                    {
                        index.ByDomain[domain] = list = [];
                    }
                    list.Add(company.Id);
                }
            }
        }
        run.Companies = index;
        return index;
    }

    async Task WriteHubSpotAsync(RunState run, List<AccountWork> work, Dictionary<string, WrittenValues> written, PageCommit commit, CancellationToken ct)
    {
        var updates = new List<(AccountWork Item, HubSpotUpdateInput Input)>();
        var upserts = new List<(AccountWork Item, HubSpotUpsertInput Input)>();
        foreach (var item in work.Where(w => w.Failure is null))
        {
            var desired = FieldValues.ToHubSpot(Mapping, f => Value(item.Record, f), id => run.Owners!.HubSpotOwnerOf(id));
            FieldValues.ApplyConflictPolicies(Mapping, desired, twinExists: item.HubSpotId is not null);
            desired[AbmFields.HubSpotSalesforceId] = item.Profile.Id;
            desired[AbmFields.HubSpotTier] = item.Decision!.Tier;
            desired[AbmFields.HubSpotScore] = item.Decision.Score.ToString(CultureInfo.InvariantCulture);
            desired[AbmFields.HubSpotTierReason] = item.Decision.Reason;
            // A company just linked by domain has values its owners put there: compare with nothing we wrote.
            var previous = item.NewlyLinked || item.HubSpotId is null ? null : written.GetValueOrDefault(item.Profile.Id)?.Values;
            var changes = FieldValues.Changes(desired, previous);
            item.HubSpotValues = Merge(previous, changes);
            if (changes.Count == 0)
            {
                item.Unchanged = true;
                continue;
            }
            if (item.HubSpotId is { } id)
            {
                updates.Add((item, new HubSpotUpdateInput(id, changes.ToDictionary(c => c.Key, c => (string?)c.Value))));
            }
            else
            {
                upserts.Add((item, new HubSpotUpsertInput(item.Profile.Id, changes.ToDictionary(c => c.Key, c => (string?)c.Value))));
            }
            run.Writes.Add(new PlannedWrite("HubSpot", item.HubSpotId is null ? "create" : "update", item.Profile.Id, item.HubSpotId, changes));
        }

        if (!run.Request.DryRun && updates.Count > 0)
        {
            var result = await hubSpot.BatchUpdateAsync("companies", [.. updates.Select(u => u.Input)], ct);
            Record(result, updates.Select(u => u.Item).ToList(), created: false);
        }
        if (!run.Request.DryRun && upserts.Count > 0)
        {
            var result = await hubSpot.BatchUpsertAsync("companies", AbmFields.HubSpotSalesforceId, [.. upserts.Select(u => u.Input)], ct);
            Record(result, upserts.Select(u => u.Item).ToList(), created: true);
        }
        foreach (var item in work)
        {
            if (item.Failure is { } failure)
            {
                commit.Failures.Add(failure);
            }
            else if (item.HubSpotValues is { } values && !run.Request.DryRun)
            {
                commit.Written.Add((Side.HubSpot, item.Profile.Id, new WrittenValues(values, FieldValues.Hash(values))));
            }
        }

        void Record(HubSpotBatchResult result, List<AccountWork> items, bool created)
        {
            // Outcomes come back aligned with the inputs.
            for (var i = 0; i < items.Count; i++)
            {
                var outcome = result.Outcomes[i];
                var item = items[i];
                if (outcome.Error is { } error)
                {
                    item.Failure = new RecordFailure(Side.HubSpot, item.Profile.Id, error.Category, error.Message, []);
                    continue;
                }
                if (created)
                {
                    item.HubSpotId = outcome.Record!.Id;
                    if (outcome.IsNew == true)
                    {
                        run.HubSpotCreated++;
                    }
                    else
                    {
                        // The company existed with our id (a repeated page after a crash): an update, not a duplicate.
                        item.LinkReason = "linked-id";
                        run.HubSpotUpdated++;
                    }
                }
                else
                {
                    run.HubSpotUpdated++;
                }
                if (item.NewlyLinked || created)
                {
                    run.Linked++;
                }
            }
        }
    }

    async Task WriteSalesforceAsync(RunState run, List<AccountWork> work, PageCommit commit, CancellationToken ct)
    {
        var pending = new List<(AccountWork Item, SObjectRecord Update)>();
        foreach (var item in work)
        {
            var decision = item.Decision!;
            var desired = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [AbmFields.SalesforceScore] = decision.Score,
                [AbmFields.SalesforceTierReason] = decision.Reason,
            };
            if (!decision.Locked)
            {
                desired[AbmFields.SalesforceTier] = decision.Tier;
            }
            if (item.HubSpotId is { } hubSpotId && item.Failure is null)
            {
                desired[AbmFields.SalesforceHubSpotId] = hubSpotId;
            }
            var changes = desired.Where(d => !SameValue(item.Record.GetString(d.Key), d.Value)).ToList();
            if (changes.Count == 0)
            {
                continue;
            }
            item.Unchanged = false;
            pending.Add((item, SObjectRecord.Create("Account", item.Profile.Id, changes)));
            run.Writes.Add(new PlannedWrite("Salesforce", "update", item.Profile.Id, item.HubSpotId,
                changes.ToDictionary(c => c.Key, c => FieldValues.Format(c.Value) ?? "")));
        }
        if (run.Request.DryRun || pending.Count == 0)
        {
            return;
        }
        if (pending.Count > salesforceOptions.Value.BulkThreshold)
        {
            pending = await IngestSalesforceAsync(run, pending, commit, ct);
        }
        await UpdateSalesforceAsync(run, pending, commit, ct);
    }

    /// <summary>
    /// A write-back larger than <see cref="SalesforceOptions.BulkThreshold"/> goes as one Bulk API 2.0 ingest job.
    /// Results come back in no order and are matched to inputs by Id. Returns the records refused with a retryable
    /// error, for a later collections batch of the same run.
    /// </summary>
    async Task<List<(AccountWork Item, SObjectRecord Update)>> IngestSalesforceAsync(
        RunState run, List<(AccountWork Item, SObjectRecord Update)> pending, PageCommit commit, CancellationToken ct)
    {
        var result = await salesforce.BulkIngestAsync("Account", BulkOperation.Update, [.. pending.Select(p => p.Update)], ct: ct);
        var byId = pending.ToDictionary(p => p.Item.Profile.Id, StringComparer.Ordinal);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var again = new List<(AccountWork, SObjectRecord)>();
        foreach (var r in result.Results)
        {
            var id = r.Id is { Length: > 0 } ? r.Id : r.Fields.GetValueOrDefault("Id");
            if (id is null || !byId.TryGetValue(id, out var entry) || !answered.Add(id))
            {
                continue;
            }
            if (r.Success)
            {
                run.SalesforceUpdated++;
            }
            else if (r.ErrorCode == "UNABLE_TO_LOCK_ROW")
            {
                again.Add(entry);
            }
            else
            {
                entry.Item.SalesforceFailed = true;
                commit.Failures.Add(new RecordFailure(Side.Salesforce, id, r.ErrorCode ?? "UNKNOWN", r.Error ?? "Salesforce refused the record", []));
            }
        }
        // A record the job never answered for (unprocessed) is tried again through collections.
        again.AddRange(pending.Where(p => !answered.Contains(p.Item.Profile.Id)));
        return again;
    }

    /// <summary>
    /// Writes Salesforce updates; records refused with a retryable error (a row lock) go again in a later batch of the
    /// same run, at most <see cref="SyncOptions.RetryableResubmissions"/> times, then to the dead-letter table. The
    /// HTTP layer never retries them: one retry owner per failure type.
    /// </summary>
    async Task UpdateSalesforceAsync(RunState run, List<(AccountWork Item, SObjectRecord Update)> pending, PageCommit commit, CancellationToken ct)
    {
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            var results = await salesforce.UpdateAsync([.. pending.Select(p => p.Update)], ct);
            var again = new List<(AccountWork, SObjectRecord)>();
            for (var i = 0; i < pending.Count; i++)
            {
                var (item, update) = pending[i];
                var result = results[i];
                if (result.Success)
                {
                    run.SalesforceUpdated++;
                    continue;
                }
                if (result.IsRetryable && attempt < options.Value.RetryableResubmissions)
                {
                    again.Add((item, update));
                    continue;
                }
                var error = result.Errors.FirstOrDefault() ?? new SalesforceError("UNKNOWN", "Salesforce refused the record without a reason", []);
                item.SalesforceFailed = true;
                commit.Failures.Add(new RecordFailure(Side.Salesforce, item.Profile.Id, error.Code, error.Message, error.Fields));
            }
            pending = again;
        }
    }

    /// <summary>
    /// Caps make tiers depend on each other: an account read late in a run can push an earlier one down a tier. After
    /// the last page, every account whose final tier differs from what was written gets its tier rewritten.
    /// </summary>
    async Task RebalanceAsync(RunState run, CancellationToken ct)
    {
        if (run.Request.DryRun)
        {
            return;
        }
        var decisions = Decide(run);
        var moved = decisions.Values
            .Where(d => !d.Locked && run.Stored.TryGetValue(d.AccountId, out var stored) && stored.Value != d.Tier)
            .ToList();
        if (moved.Count == 0)
        {
            return;
        }
        var ids = moved.Select(d => d.AccountId).ToList();
        var links = await store.GetLinksAsync(ObjectName, ids);
        var written = await store.GetWrittenAsync(ObjectName, Side.HubSpot, ids);
        foreach (var chunk in moved.Chunk(SalesforceClient.CollectionBatchSize))
        {
            var commit = new PageCommit(ObjectName, run.Id);
            var updates = new List<(AccountWork, SObjectRecord)>();
            var hubSpotUpdates = new List<(TierDecision Decision, HubSpotUpdateInput Input, Dictionary<string, string> Values)>();
            foreach (var decision in chunk)
            {
                var profile = run.Population[decision.AccountId].Account;
                var item = new AccountWork(null!, profile, null, links.GetValueOrDefault(decision.AccountId)) { Decision = decision };
                updates.Add((item, SObjectRecord.Create("Account", decision.AccountId, new Dictionary<string, object?>
                {
                    [AbmFields.SalesforceTier] = decision.Tier,
                    [AbmFields.SalesforceTierReason] = decision.Reason,
                })));
                if (item.Link is { } link)
                {
                    var changes = new Dictionary<string, string>
                    {
                        [AbmFields.HubSpotTier] = decision.Tier ?? "",
                        [AbmFields.HubSpotTierReason] = decision.Reason,
                    };
                    var values = Merge(written.GetValueOrDefault(decision.AccountId)?.Values, changes);
                    hubSpotUpdates.Add((decision, new HubSpotUpdateInput(link.HubSpotId, changes.ToDictionary(c => c.Key, c => (string?)c.Value)), values));
                }
                var stored = ToStoredDecision(run, decision, profile.OwnerId);
                commit.Decisions.Add(stored);
                run.Stored[decision.AccountId] = stored;
                run.Writes.Add(new PlannedWrite("Salesforce", "update", decision.AccountId, item.Link?.HubSpotId,
                    new Dictionary<string, string> { [AbmFields.SalesforceTier] = decision.Tier ?? "" }));
            }
            await UpdateSalesforceAsync(run, updates, commit, ct);
            if (hubSpotUpdates.Count > 0)
            {
                var result = await hubSpot.BatchUpdateAsync("companies", [.. hubSpotUpdates.Select(u => u.Input)], ct);
                for (var i = 0; i < hubSpotUpdates.Count; i++)
                {
                    var (decision, _, values) = hubSpotUpdates[i];
                    if (result.Outcomes[i].Error is { } error)
                    {
                        commit.Failures.Add(new RecordFailure(Side.HubSpot, decision.AccountId, error.Category, error.Message, []));
                    }
                    else
                    {
                        run.HubSpotUpdated++;
                        commit.Written.Add((Side.HubSpot, decision.AccountId, new WrittenValues(values, FieldValues.Hash(values))));
                    }
                }
            }
            run.DeadLettered += commit.Failures.Count;
            await store.CommitPageAsync(commit);
        }
    }

    static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? previous, Dictionary<string, string> changes)
    {
        var merged = previous is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(previous, StringComparer.Ordinal);
        foreach (var (key, value) in changes)
        {
            merged[key] = value;
        }
        return merged;
    }

    static AccountProfile ToProfile(SObjectRecord record) => new()
    {
        Id = record.Id!,
        Name = record.GetString("Name"),
        Domain = DomainName.Normalize(record.GetString("Website")),
        Industry = record.GetString("Industry"),
        Employees = record.GetInt("NumberOfEmployees"),
        AnnualRevenue = record.GetDecimal("AnnualRevenue"),
        Country = record.GetString("BillingCountry"),
        City = record.GetString("BillingCity"),
        Type = record.GetString("Type"),
        OwnerId = record.GetString("OwnerId"),
        TierLocked = record.GetBool(AbmFields.SalesforceTierLocked) ?? false,
        CurrentTier = record.GetString(AbmFields.SalesforceTier),
    };

    /// <summary>A Salesforce field as a plain value for the core: text, number, boolean or null.</summary>
    static object? Value(SObjectRecord record, string field) => record.GetNode(field) switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<decimal>(out var d) => d,
        var other => other.ToJsonString(),
    };

    /// <summary>
    /// Compares a Salesforce value as read (REST JSON or Bulk CSV text) with the value we would write: text, with
    /// empty and null alike and numbers compared as numbers (a CSV says "42.0" where JSON says 42).
    /// </summary>
    static bool SameValue(string? current, object? desired)
    {
        var wanted = FieldValues.Format(desired);
        if (string.IsNullOrEmpty(current) || string.IsNullOrEmpty(wanted))
        {
            return string.IsNullOrEmpty(current) && string.IsNullOrEmpty(wanted);
        }
        if (current == wanted)
        {
            return true;
        }
        return desired is int or decimal
            && decimal.TryParse(current, NumberStyles.Number, CultureInfo.InvariantCulture, out var a)
            && decimal.TryParse(wanted, NumberStyles.Number, CultureInfo.InvariantCulture, out var b)
            && a == b;
    }

    SyncSummary Summary(RunState run, string status, TimeSpan elapsed, string? message, IReadOnlyList<string> created)
    {
        var perTier = Tiers.All.ToDictionary(t => t, _ => 0, StringComparer.Ordinal);
        var offList = 0;
        foreach (var d in run.Stored.Values)
        {
            if (d.Value is { } tier && perTier.ContainsKey(tier))
            {
                perTier[tier]++;
            }
            else
            {
                offList++;
            }
        }
        perTier["No tier"] = offList;
        // Owners are reported, never guessed: an account whose Salesforce owner has no HubSpot owner of the same
        // email keeps whatever owner HubSpot has, and the owner's email is listed for someone to fix.
        var ownerIds = run.Population.Values.Select(p => p.Account.OwnerId).Where(o => o is not null).Select(o => o!).ToList();
        var withOwner = ownerIds.Count(o => run.Owners?.HubSpotOwnerOf(o) is not null);
        var unmatched = ownerIds.Where(o => run.Owners?.HubSpotOwnerOf(o) is null).Distinct(StringComparer.Ordinal)
            .Select(o => run.Owners?.BySalesforceUserId.GetValueOrDefault(o)?.Email is { Length: > 0 } email ? email : o)
            .Order(StringComparer.Ordinal).ToList();
        return new SyncSummary(run.Id, status, run.Read, run.Unchanged, run.HubSpotCreated, run.HubSpotUpdated, run.SalesforceUpdated,
            run.DeadLettered, run.Linked, perTier, withOwner, ownerIds.Count - withOwner, unmatched, created, run.Writes, elapsed, message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The accounts run lease of {Holder} could not be renewed ({Reason}); stopping the run")]
    static partial void LogLeaseRenewalFailed(ILogger logger, string holder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The accounts run lease of {Holder} was lost; stopping the run")]
    static partial void LogLeaseLost(ILogger logger, string holder);

    [LoggerMessage(Level = LogLevel.Information, Message = "More than {Threshold} accounts to read: using a Bulk API 2.0 query job")]
    static partial void LogBulkRead(ILogger logger, int threshold);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accounts run {RunId} {Status}: read {Read}, HubSpot writes {HubSpotWrites}, Salesforce writes {SalesforceWrites}, dead-lettered {DeadLettered}")]
    static partial void LogRunFinished(ILogger logger, long runId, string status, int read, int hubSpotWrites, int salesforceWrites, int deadLettered);

    sealed class BudgetReachedException(string message) : Exception(message);

    sealed class RunState(long id, SyncRequest request)
    {
        public long Id { get; } = id;
        public SyncRequest Request { get; } = request;
        public OwnerMap? Owners { get; set; }
        public CompanyIndex? Companies { get; set; }
        /// <summary>Every known account with its score: the list tier caps are counted over.</summary>
        public Dictionary<string, ScoredAccount> Population { get; } = new(StringComparer.Ordinal);
        /// <summary>The tier decision last stored per account.</summary>
        public Dictionary<string, Decision> Stored { get; } = new(StringComparer.Ordinal);
        public List<PlannedWrite> Writes { get; } = [];
        /// <summary>Versions (Id, SystemModstamp) already processed in this run.</summary>
        public HashSet<(string, DateTimeOffset?)> Processed { get; } = [];
        public int Read { get; set; }
        public int Unchanged { get; set; }
        public int HubSpotCreated { get; set; }
        public int HubSpotUpdated { get; set; }
        public int SalesforceUpdated { get; set; }
        public int DeadLettered { get; set; }
        public int Linked { get; set; }
        public bool Finished { get; set; }
    }

    sealed class CompanyIndex
    {
        public Dictionary<string, string> BySalesforceId { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<string>> ByDomain { get; } = new(StringComparer.Ordinal);
        /// <summary>HubSpot company id → the Salesforce account it belongs to.</summary>
        public Dictionary<string, string> Claimed { get; } = new(StringComparer.Ordinal);
    }

    sealed class AccountWork(SObjectRecord record, AccountProfile profile, DateTimeOffset? modstamp, RecordLink? link)
    {
        public SObjectRecord Record { get; } = record;
        public AccountProfile Profile { get; } = profile;
        public DateTimeOffset? Modstamp { get; } = modstamp;
        public RecordLink? Link { get; } = link;
        public TierDecision? Decision { get; set; }
        public string? HubSpotId { get; set; }
        public string? LinkReason { get; set; }
        public bool NewlyLinked { get; set; }
        public Dictionary<string, string>? HubSpotValues { get; set; }
        public RecordFailure? Failure { get; set; }
        public bool SalesforceFailed { get; set; }
        public bool Unchanged { get; set; }
        public bool Failed => Failure is not null || SalesforceFailed;
    }
}
