using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Hangfire;
using Microsoft.Extensions.Logging;

namespace AbmSync.Worker.Jobs;

/// <summary>
/// What the recurring jobs run: sync, reconcile and dead-letter retry, for one pair or all. Hangfire delivers at least
/// once and any worker on the same storage may pick a job up, so correctness comes from the engine: each run takes its
/// pair's lease (a second run of the same pair, here or in another process, is skipped and logged, not queued behind
/// it), checkpoints every page and writes idempotently. Arguments are names and numbers only: the dashboard shows them.
/// </summary>
public sealed partial class AbmSyncJobs(PairSequence pairs, Reconciler reconciler, StateStore store, IBackgroundJobClient jobs,
    Report.AbmScorecard scorecard, TimeProvider time, ILogger<AbmSyncJobs> logger)
{
    static IReadOnlyList<string> Pairs(string objectName) => objectName == "all" ? ObjectPairs.Everything : [objectName];

    /// <summary>A sync of one pair or all; with a partition, only the records whose Salesforce id hashes to it.</summary>
    // Two job-level retries for a run that failed as a whole; per-record failures are the dead-letter table's.
    [AutomaticRetry(Attempts = 2)]
    [JobDisplayName("sync {0} (full: {1}, partition {2} of {3})")]
    public async Task SyncAsync(string objectName, bool full, int partition, int partitions, CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        var share = partitions <= 1 ? Partition.All : new Partition(partition, partitions);
        var outcomes = await pairs.RunAsync(Pairs(objectName), name => new SyncRequest(full, false, name) { Partition = share }, cancellationToken);
        foreach (var summary in outcomes.Where(o => o.Summary is not null).Select(o => o.Summary!))
        {
            if (summary.Status == "skipped")
            {
                LogSkipped(logger, summary.Object, share.ToString(), summary.Message ?? "");
            }
            else
            {
                LogDone(logger, summary.Object, summary.RunId, summary.Status, summary.RecordsRead,
                    summary.HubSpotCreated + summary.HubSpotUpdated, summary.SalesforceUpdated, summary.DeadLettered);
            }
        }
        // A failed pair fails the job (Hangfire retries it and lists it under Failed); the others' work is committed.
        PairSequence.SummariesOrThrow(outcomes);
    }

    /// <summary>
    /// A sync of one large pair split into partition jobs, which any worker on the storage may take: the job itself only
    /// queues them. Each partition has its own cursor and lease (<see cref="Partition.Key"/>).
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("sync {0} in {2} partitions (full: {1})")]
    public Task SyncPartitionsAsync(string objectName, bool full, int partitions)
    {
        for (var i = 0; i < partitions; i++)
        {
            var index = i;
            jobs.Enqueue<AbmSyncJobs>(j => j.SyncAsync(objectName, full, index, partitions, CancellationToken.None));
        }
        LogPartitioned(logger, "sync", objectName, partitions);
        return Task.CompletedTask;
    }

    /// <summary>A reconciliation, repairing or reporting; its drift is kept for the status page.</summary>
    // A failed reconcile waits for its next turn: retrying a full read of both systems at once would spend the
    // API allocation the scheduled syncs need.
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("reconcile {0} (repair: {1})")]
    public Task ReconcileAsync(string objectName, bool repair, CancellationToken cancellationToken) =>
        ReconcileAsync(objectName, repair, 0, 1, cancellationToken);

    /// <summary>One partition's reconciliation: both sides read in full, this partition's findings reported and repaired.</summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("reconcile {0} (repair: {1}, partition {2} of {3})")]
    public async Task ReconcileAsync(string objectName, bool repair, int partition, int partitions, CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        var share = partitions <= 1 ? Partition.All : new Partition(partition, partitions);
        var objects = objectName == "all" ? ObjectPairs.All : [objectName];
        DriftReport final;
        if (repair)
        {
            var outcome = await reconciler.RepairAsync(objects, share, cancellationToken);
            LogReport(outcome.Before, "before repair", share);
            foreach (var left in outcome.Left)
            {
                LogLeft(logger, left.Object, left.Category, left.Id, left.Why);
            }
            final = outcome.After;
            LogReport(final, "after repair", share);
        }
        else
        {
            final = await reconciler.ReportAsync(objects, share, cancellationToken);
            LogReport(final, "report only", share);
        }
        foreach (var pair in final.Pairs)
        {
            await store.SaveReconcileAsync(share.Key(pair.Object), repair, DriftCategories.All.ToDictionary(c => c, pair.Count), time.GetUtcNow());
        }
        if (!final.IsClean)
        {
            LogDrift(logger, string.Join(", ", DriftCategories.All.Where(c => final.Count(c) > 0).Select(c => $"{c} {final.Count(c)}")));
        }
    }

    /// <summary>
    /// A reconcile of one large pair split into partition jobs for any worker to take. Each partition still reads
    /// both sides in full (findings need the whole of the other side), so partitions buy parallel comparison and
    /// repair writes, at the price of the reads once per partition.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("reconcile {0} in {2} partitions (repair: {1})")]
    public Task ReconcilePartitionsAsync(string objectName, bool repair, int partitions)
    {
        for (var i = 0; i < partitions; i++)
        {
            var index = i;
            jobs.Enqueue<AbmSyncJobs>(j => j.ReconcileAsync(objectName, repair, index, partitions, CancellationToken.None));
        }
        LogPartitioned(logger, "reconcile", objectName, partitions);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs the pairs that have dead letters due now, so that a failed record is tried again when its backoff ends,
    /// not when its pair's next sync comes round. A pair with nothing due is not read at all.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("retry dead letters of {0}")]
    public async Task RetryDeadLettersAsync(string objectName, CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        var now = time.GetUtcNow();
        var due = new List<string>();
        foreach (var name in objectName == "all" ? ObjectPairs.All : [objectName])
        {
            if ((await store.GetDueDeadLettersAsync(name, now)).Count > 0)
            {
                due.Add(name);
            }
        }
        LogRetrying(logger, due.Count == 0 ? "none" : string.Join(", ", due));
        if (due.Count > 0)
        {
            var outcomes = await pairs.RunAsync(due, name => new SyncRequest(false, false, name), cancellationToken);
            PairSequence.SummariesOrThrow(outcomes);
        }
    }

    /// <summary>Writes the ABM scorecard page for the weekly review (a file RevOps mails or serves; /report shows it live).</summary>
    [AutomaticRetry(Attempts = 1)]
    [JobDisplayName("ABM scorecard to {0} ({1} days)")]
    public async Task ReportAsync(string path, int days)
    {
        await store.MigrateAsync(CancellationToken.None);
        var file = Path.GetFullPath(path.Replace("{date}", time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        // Written beside and moved into place: a reader never sees half a page.
        var partial = file + ".partial";
        await File.WriteAllTextAsync(partial, await scorecard.RenderPageAsync(days));
        File.Move(partial, file, overwrite: true);
        LogScorecard(logger, file);
    }

    void LogReport(DriftReport report, string stage, Partition share)
    {
        foreach (var pair in report.Pairs)
        {
            LogPair(logger, share.Key(pair.Object), stage, string.Join(", ", DriftCategories.All.Select(c => $"{c} {pair.Count(c)}")));
        }
        LogCalls(logger, stage, report.SalesforceCalls, report.HubSpotCalls);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync {Object} partition {Partition} skipped: {Why}")]
    static partial void LogSkipped(ILogger logger, string @object, string partition, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync {Object} run {RunId} {Status}: read {Read}, HubSpot writes {HubSpot}, Salesforce writes {Salesforce}, dead-lettered {DeadLettered}")]
    static partial void LogDone(ILogger logger, string @object, long runId, string status, int read, int hubSpot, int salesforce, int deadLettered);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} {Object} queued as {Partitions} partition jobs")]
    static partial void LogPartitioned(ILogger logger, string kind, string @object, int partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "ABM scorecard written to {File}")]
    static partial void LogScorecard(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dead letters due: {Pairs}")]
    static partial void LogRetrying(ILogger logger, string pairs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile {Object} ({Stage}): {Categories}")]
    static partial void LogPair(ILogger logger, string @object, string stage, string categories);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile ({Stage}) used Salesforce {SalesforceCalls} calls, HubSpot {HubSpotCalls}")]
    static partial void LogCalls(ILogger logger, string stage, long salesforceCalls, long hubSpotCalls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile left {Object} {Category} {Id}: {Why}")]
    static partial void LogLeft(ILogger logger, string @object, string category, string id, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile found drift that is still there: {Categories}")]
    static partial void LogDrift(ILogger logger, string categories);
}
