using AbmSync.Worker;
using AbmSync.Worker.Jobs;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>What <see cref="JobSchedule"/> leaves in Hangfire's storage for a configuration: one recurring job per configured id.</summary>
public sealed class JobScheduleTests
{
    [Fact]
    public void Register_OneRecurringJobPerConfiguredId_WithItsCronAndTimeZone_SkippingSwitchedOffOnes_RemovingStaleOnes()
    {
        using var storage = new InMemoryStorage();
        var recurring = new RecurringJobManager(storage);
        // Left by an earlier version, and by a job configuration no longer names.
        recurring.AddOrUpdate("sync-accounts", () => Console.WriteLine("old"), "*/5 * * * *");
        var jobs = new WorkerOptions().Jobs;
        jobs["sync_all"].Cron = "";
        jobs["contacts_split"] = new ScheduledJob { Object = "contacts", Cron = "*/10 * * * *", Partitions = 3 };
        jobs["leads_berlin"] = new ScheduledJob { Object = "leads", Cron = "0 6 * * 1-5", TimeZone = "Europe/Berlin", Full = true };
        jobs["reconcile_split"] = new ScheduledJob { Kind = JobKinds.Reconcile, Object = "accounts", Cron = "0 4 * * 0", Partitions = 6, Repair = false };

        var registered = new JobSchedule(recurring, storage, NullLogger<JobSchedule>.Instance).Register(jobs);

        Assert.Equal(["contacts_split", "leads_berlin", "reconcile", "reconcile_split", "retry_dead_letters", "weekly_report"], registered);
        using var connection = storage.GetConnection();
        var stored = connection.GetRecurringJobs().ToDictionary(j => j.Id);
        Assert.Equal(registered, stored.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(("0 6 * * 1-5", "Europe/Berlin", nameof(AbmSyncJobs.SyncAsync)), (stored["leads_berlin"].Cron, stored["leads_berlin"].TimeZoneId, stored["leads_berlin"].Job.Method.Name));
        Assert.Equal(["leads", true, 0, 1], stored["leads_berlin"].Job.Args.Take(4).ToArray());
        Assert.Equal(nameof(AbmSyncJobs.SyncPartitionsAsync), stored["contacts_split"].Job.Method.Name);
        Assert.Equal(["contacts", false, 3], stored["contacts_split"].Job.Args.ToArray());
        Assert.Equal(nameof(AbmSyncJobs.ReconcileAsync), stored["reconcile"].Job.Method.Name);
        Assert.Equal(nameof(AbmSyncJobs.ReconcilePartitionsAsync), stored["reconcile_split"].Job.Method.Name);
        Assert.Equal(["accounts", false, 6], stored["reconcile_split"].Job.Args.ToArray());
        Assert.Equal("UTC", stored["reconcile"].TimeZoneId);
        Assert.Equal(nameof(AbmSyncJobs.RetryDeadLettersAsync), stored["retry_dead_letters"].Job.Method.Name);
        Assert.Equal(nameof(AbmSyncJobs.ReportAsync), stored["weekly_report"].Job.Method.Name);
        // A job's arguments are names and numbers: nothing the dashboard shows could be a secret.
        Assert.All(stored.Values.SelectMany(j => j.Job.Args), a => Assert.True(a is string or bool or int or CancellationToken or null, $"{a?.GetType()}"));
    }

    [Fact]
    public async Task SyncPartitions_QueuesOneSyncJobPerPartition_ForAnyWorkerToTake()
    {
        using var storage = new InMemoryStorage();
        var client = new BackgroundJobClient(storage);
        var jobs = new AbmSyncJobs(null!, null!, null!, client, null!, TimeProvider.System, NullLogger<AbmSyncJobs>.Instance);

        await jobs.SyncPartitionsAsync("contacts", true, 4);

        var enqueued = storage.GetMonitoringApi().EnqueuedJobs("default", 0, 10).Select(j => j.Value.Job).ToList();
        Assert.Equal(4, enqueued.Count);
        Assert.All(enqueued, j => Assert.Equal(nameof(AbmSyncJobs.SyncAsync), j.Method.Name));
        Assert.Equal([0, 1, 2, 3], enqueued.Select(j => (int)j.Args[2]).Order().ToArray());
        Assert.All(enqueued, j => Assert.Equal(["contacts", true], j.Args.Take(2).ToArray()));
        Assert.All(enqueued, j => Assert.Equal(4, (int)j.Args[3]));
    }

    [Fact]
    public async Task ReconcilePartitions_QueuesOneReconcileJobPerPartition_EachWithItsShare()
    {
        using var storage = new InMemoryStorage();
        var client = new BackgroundJobClient(storage);
        var jobs = new AbmSyncJobs(null!, null!, null!, client, null!, TimeProvider.System, NullLogger<AbmSyncJobs>.Instance);

        await jobs.ReconcilePartitionsAsync("accounts", true, 3);

        var enqueued = storage.GetMonitoringApi().EnqueuedJobs("default", 0, 10).Select(j => j.Value.Job).ToList();
        Assert.Equal(3, enqueued.Count);
        Assert.All(enqueued, j => Assert.Equal(nameof(AbmSyncJobs.ReconcileAsync), j.Method.Name));
        Assert.All(enqueued, j => Assert.Equal(["accounts", true], j.Args.Take(2).ToArray()));
        Assert.Equal([0, 1, 2], enqueued.Select(j => (int)j.Args[2]).Order().ToArray());
        Assert.All(enqueued, j => Assert.Equal(3, (int)j.Args[3]));
    }
}
