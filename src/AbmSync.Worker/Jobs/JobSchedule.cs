using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Logging;

namespace AbmSync.Worker.Jobs;

/// <summary>
/// The one place recurring jobs are registered: at start, from <c>Worker:Jobs</c>. A recurring job in the storage that
/// configuration no longer names (switched off, renamed, or from an earlier version) is removed, so what the dashboard
/// lists is what configuration says. Every worker on the storage registers the same set; Hangfire fires each once.
/// </summary>
public sealed partial class JobSchedule(IRecurringJobManager recurring, JobStorage storage, ILogger<JobSchedule> logger)
{
    public IReadOnlyList<string> Register(IReadOnlyDictionary<string, ScheduledJob> jobs)
    {
        var registered = new List<string>();
        foreach (var (id, job) in jobs.OrderBy(j => j.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(job.Cron))
            {
                continue;
            }
            var options = new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(job.TimeZone) };
            var objectName = job.Object;
            var full = job.Full;
            var repair = job.Repair;
            var partitions = job.Partitions;
            switch (job.Kind)
            {
                case JobKinds.Sync when partitions > 1:
                    recurring.AddOrUpdate<AbmSyncJobs>(id, j => j.SyncPartitionsAsync(objectName, full, partitions), job.Cron, options);
                    break;
                case JobKinds.Sync:
                    recurring.AddOrUpdate<AbmSyncJobs>(id, j => j.SyncAsync(objectName, full, 0, 1, CancellationToken.None), job.Cron, options);
                    break;
                case JobKinds.Reconcile when partitions > 1:
                    recurring.AddOrUpdate<AbmSyncJobs>(id, j => j.ReconcilePartitionsAsync(objectName, repair, partitions), job.Cron, options);
                    break;
                case JobKinds.Reconcile:
                    recurring.AddOrUpdate<AbmSyncJobs>(id, j => j.ReconcileAsync(objectName, repair, CancellationToken.None), job.Cron, options);
                    break;
                case JobKinds.RetryDeadLetters:
                    recurring.AddOrUpdate<AbmSyncJobs>(id, j => j.RetryDeadLettersAsync(objectName, CancellationToken.None), job.Cron, options);
                    break;
                case JobKinds.Report:
                    var path = job.Out;
                    var days = job.Days;
                    recurring.AddOrUpdate<AbmSyncJobs>(id, j => j.ReportAsync(path, days), job.Cron, options);
                    break;
                default:
                    throw new InvalidOperationException($"Worker:Jobs:{id}:Kind '{job.Kind}' has no job (the settings' validation lets through only known kinds)");
            }
            registered.Add(id);
        }
        using var connection = storage.GetConnection();
        foreach (var stale in connection.GetRecurringJobs().Select(r => r.Id).Where(id => !registered.Contains(id, StringComparer.Ordinal)))
        {
            recurring.RemoveIfExists(stale);
            LogRemoved(logger, stale);
        }
        LogRegistered(logger, registered.Count == 0 ? "none" : string.Join(", ", registered));
        return registered;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring jobs: {Jobs}")]
    static partial void LogRegistered(ILogger logger, string jobs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {Id} removed: configuration no longer names it")]
    static partial void LogRemoved(ILogger logger, string id);
}
