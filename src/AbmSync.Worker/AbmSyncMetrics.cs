using System.Diagnostics.Metrics;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Worker;

/// <summary>
/// AbmSync's figures as <c>System.Diagnostics.Metrics</c> instruments on the meter <c>AbmSync</c>, served by the worker
/// in Prometheus text at <c>/metrics</c>, where the exporter prefixes each name with the meter's (<c>abmsync_records_read</c>).
/// API calls and 429s come from the connectors' counters (every call on the wire, retries
/// included); dead letters and budgets are refreshed from the state store before each scrape.
/// </summary>
public sealed class AbmSyncMetrics : IDisposable
{
    public const string MeterName = "AbmSync";
    readonly Meter meter = new(MeterName);
    readonly Counter<long> read;
    readonly Counter<long> written;
    readonly Counter<long> failed;
    readonly Histogram<double> duration;
    IReadOnlyDictionary<string, int> openDeadLetters = new Dictionary<string, int>();
    IReadOnlyList<Dashboard.ApiBudget> budgets = [];

    public AbmSyncMetrics(SalesforceCallCounter salesforceCalls, HubSpotCallCounter hubSpotCalls)
    {
        read = meter.CreateCounter<long>("records_read", description: "Records read, per object pair and side.");
        written = meter.CreateCounter<long>("records_written", description: "Records created or updated, per object pair and side written.");
        failed = meter.CreateCounter<long>("records_failed", description: "Records dead-lettered, per object pair.");
        duration = meter.CreateHistogram<double>("run_duration_seconds", "s", "How long a sync run took, per object pair and status.");
        meter.CreateObservableCounter("api_calls", () => new[]
        {
            new Measurement<long>(salesforceCalls.Calls, new KeyValuePair<string, object?>("system", Side.Salesforce)),
            new Measurement<long>(hubSpotCalls.Snapshot().Calls, new KeyValuePair<string, object?>("system", Side.HubSpot)),
        }, description: "API calls on the wire, retries included, per system.");
        meter.CreateObservableCounter("api_throttled", () => new[]
        {
            new Measurement<long>(salesforceCalls.Throttled, new KeyValuePair<string, object?>("system", Side.Salesforce)),
            new Measurement<long>(hubSpotCalls.Snapshot().Throttled, new KeyValuePair<string, object?>("system", Side.HubSpot)),
        }, description: "Answers of 429 (rate limited), per system.");
        meter.CreateObservableGauge("api_budget_left", () => budgets.Where(b => b.Left is not null)
            .Select(b => new Measurement<long>(b.Left!.Value, new KeyValuePair<string, object?>("system", b.System))),
            description: "Calls AbmSync may still make today within its share of the allocation, per system (absent until the allocation is known).");
        meter.CreateObservableGauge("dead_letters_open", () => ObjectPairs.All
            .Select(p => new Measurement<long>(openDeadLetters.GetValueOrDefault(p), new KeyValuePair<string, object?>("object", p))),
            description: "Dead letters waiting for a retry or a person (open and parked), per object pair.");
    }

    public void RecordRun(SyncSummary run)
    {
        var pair = new KeyValuePair<string, object?>("object", run.Object);
        read.Add(run.RecordsRead, pair, new("side", Side.Salesforce));
        read.Add(run.HubSpotRead, pair, new("side", Side.HubSpot));
        written.Add(run.HubSpotCreated + run.HubSpotUpdated, pair, new("side", Side.HubSpot));
        written.Add(run.SalesforceCreated + run.SalesforceUpdated, pair, new("side", Side.Salesforce));
        failed.Add(run.DeadLettered, pair);
        duration.Record(run.Elapsed.TotalSeconds, pair, new("status", run.Status));
    }

    /// <summary>Reads the figures that live in the state store; called before each scrape.</summary>
    public async Task RefreshAsync(StateStore store, Dashboard.ApiBudgets apiBudgets)
    {
        openDeadLetters = await store.UnresolvedDeadLettersAsync();
        budgets = await apiBudgets.TodayAsync();
    }

    public void Dispose() => meter.Dispose();
}
