using System.Diagnostics;
using AbmSync.Connectors.HubSpot;
using AbmSync.Worker.State;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>
/// <c>sync --object engagement</c>: HubSpot's logged activities read into signals, under their own run, lease and
/// cursors. It writes to neither system: the accounts run that follows it (in <c>all</c>, or on its own) decides
/// every account's engagement from the signals and writes what changed.
/// </summary>
public sealed class EngagementSync(EngagementReader reader, StateStore store, HubSpotCallCounter hubSpotCalls, TimeProvider time, IOptions<SyncOptions> options)
{
    const string LeaseDirection = "read";

    public async Task<SyncSummary> RunAsync(SyncRequest request, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        using var hubSpotScope = hubSpotCalls.BeginScope();
        var mode = request.DryRun ? "dry-run" : request.Full ? "full" : "incremental";
        var runId = await store.StartRunAsync(EngagementReader.Object, LeaseDirection, mode);
        var holder = RunLease.Holder(runId);
        var status = "failed";
        string? message = null;
        var read = new EngagementReader.ActivityRead(0, 0, new Dictionary<string, int>());
        try
        {
            var (acquired, other, until) = await store.TryAcquireLeaseAsync(EngagementReader.Object, LeaseDirection, holder, options.Value.LeaseDuration);
            if (!acquired && other is not null && RunLease.IsDeadLocalHolder(other))
            {
                (acquired, other, until) = await store.TryAcquireLeaseAsync(EngagementReader.Object, LeaseDirection, holder, options.Value.LeaseDuration, deadHolder: other);
            }
            if (!acquired)
            {
                status = "skipped";
                message = $"another run holds the engagement lease ({other}, until {until:u}); this one did nothing";
                return Summary();
            }
            read = await reader.ReadActivitiesAsync(runId, request.Full, request.DryRun, ct);
            var (prunedLedger, prunedSignals) = request.DryRun ? (0, 0) : await PruneAsync();
            status = "succeeded";
            message = $"{read.NewSignals} new signals from {read.Activities} activities ({string.Join(", ", read.PerType.Select(t => $"{t.Key} {t.Value}"))})"
                + (prunedLedger + prunedSignals > 0 ? $"; retention pruned {prunedLedger} replaced ledger entries and {prunedSignals} signals" : "");
            return Summary();
        }
        catch (OperationCanceledException)
        {
            status = "stopped";
            message = "stopped before the end; the next run reads again from the last stored page";
            throw;
        }
        catch (Exception e)
        {
            message = e.Message;
            throw;
        }
        finally
        {
            if (status != "skipped")
            {
                await store.ReleaseLeaseAsync(EngagementReader.Object, LeaseDirection, holder);
            }
            var calls = (int)hubSpotScope.Calls;
            if (!request.DryRun && status != "skipped")
            {
                await store.AddApiUsageAsync(Side.HubSpot, calls);
            }
            await store.FinishRunAsync(runId, status, new RunCounts(read.Activities, 0, 0, 0, 0, calls), message);
        }

        async Task<(int Ledger, int Signals)> PruneAsync()
        {
            var now = time.GetUtcNow();
            return (await store.PruneLedgerAsync(now - options.Value.LedgerRetention), await store.PruneSignalsAsync(now - options.Value.SignalRetention));
        }

        SyncSummary Summary() => new(runId, EngagementReader.Object, status, 0, 0, 0, 0, 0, 0, 0, new Dictionary<string, int>(), 0, 0, [], [], [],
            stopwatch.Elapsed, message)
        {
            HubSpotRead = read.Activities,
            SignalsAdded = read.NewSignals,
        };
    }
}
