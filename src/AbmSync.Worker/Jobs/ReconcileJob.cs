using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Jobs;

/// <summary>
/// The nightly reconciliation: <c>abmsync reconcile</c>, repairing by default (<c>Reconcile:Repair</c>), with
/// each pair's categories in the log. A second delivery of the job is harmless: the report reads only, and the repair
/// goes through sync runs, which take the pair's lease and write idempotently.
/// </summary>
public sealed partial class ReconcileJob(Reconciler reconciler, StateStore store, IOptions<ReconcileOptions> options, ILogger<ReconcileJob> logger)
{
    public const string RecurringJobId = "reconcile";

    // A failed reconcile waits for the next night: retrying a full read of both systems at once would spend the
    // API allocation the scheduled syncs need.
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        var settings = options.Value;
        IReadOnlyList<string> objects = settings.Object == "all" ? ObjectPairs.All : [settings.Object];
        DriftReport final;
        if (settings.Repair)
        {
            var outcome = await reconciler.RepairAsync(objects, cancellationToken);
            Log(outcome.Before, "before repair");
            foreach (var left in outcome.Left)
            {
                LogLeft(logger, left.Object, left.Category, left.Id, left.Why);
            }
            final = outcome.After;
            Log(final, "after repair");
        }
        else
        {
            final = await reconciler.ReportAsync(objects, cancellationToken);
            Log(final, "report only");
        }
        if (!final.IsClean)
        {
            LogDrift(logger, string.Join(", ", DriftCategories.All.Where(c => final.Count(c) > 0).Select(c => $"{c} {final.Count(c)}")));
        }
    }

    void Log(DriftReport report, string stage)
    {
        foreach (var pair in report.Pairs)
        {
            LogPair(logger, pair.Object, stage, string.Join(", ", DriftCategories.All.Select(c => $"{c} {pair.Count(c)}")));
        }
        LogCalls(logger, stage, report.SalesforceCalls, report.HubSpotCalls);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile {Object} ({Stage}): {Categories}")]
    static partial void LogPair(ILogger logger, string @object, string stage, string categories);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile ({Stage}) used Salesforce {SalesforceCalls} calls, HubSpot {HubSpotCalls}")]
    static partial void LogCalls(ILogger logger, string stage, long salesforceCalls, long hubSpotCalls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile left {Object} {Category} {Id}: {Why}")]
    static partial void LogLeft(ILogger logger, string @object, string category, string id, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile found drift that is still there: {Categories}")]
    static partial void LogDrift(ILogger logger, string categories);
}
