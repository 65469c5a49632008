using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Hangfire;
using Microsoft.Extensions.Logging;

namespace AbmSync.Worker.Jobs;

/// <summary>
/// The recurring accounts sync. Hangfire delivers at least once, so the job may run twice: correctness comes from the
/// run's checkpoints and idempotent upserts, not from the scheduler. Arguments are never secrets (the dashboard shows them).
/// </summary>
public sealed partial class SyncAccountsJob(SyncRunner sync, StateStore store, ILogger<SyncAccountsJob> logger)
{
    public const string RecurringJobId = "sync-accounts";

    // One accounts run at a time in this process; the PostgreSQL stage adds a lease shared by every worker.
    static readonly SemaphoreSlim Running = new(1, 1);

    // Two job-level retries for a run that failed as a whole; per-record failures are the dead-letter table's.
    [AutomaticRetry(Attempts = 2)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task RunAsync(bool full, CancellationToken cancellationToken)
    {
        if (!await Running.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            LogSkipped(logger);
            return;
        }
        try
        {
            await store.MigrateAsync(cancellationToken);
            var summary = await sync.RunAsync(new SyncRequest(Full: full), cancellationToken);
            LogDone(logger, summary.RunId, summary.RecordsRead, summary.HubSpotCreated + summary.HubSpotUpdated, summary.SalesforceUpdated, summary.DeadLettered);
        }
        finally
        {
            Running.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An accounts run is already in progress here; this one is skipped")]
    static partial void LogSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accounts run {RunId}: read {Read}, HubSpot writes {HubSpot}, Salesforce writes {Salesforce}, dead-lettered {DeadLettered}")]
    static partial void LogDone(ILogger logger, long runId, int read, int hubSpot, int salesforce, int deadLettered);
}
