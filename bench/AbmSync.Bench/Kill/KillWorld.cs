using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AbmSync.Bench.Kill;

/// <summary>What <c>GET /_sandbox/hold</c> answers: armed, whether a write call's response is being withheld, which call.</summary>
public sealed record HoldState(bool Armed, bool Held, string? HeldCall, long? Remaining)
{
    /// <summary>The TCP port the held call came from (the process owning that socket made it); null when none is held.</summary>
    public int? ClientPort { get; init; }
}

/// <summary>
/// One sandbox (both emulators) as the kill harness drives it: its URLs, the environment a worker process needs
/// for it, and the sandbox's own <c>/_sandbox</c> endpoints (export, stats, hold). Knows nothing of how the sandbox
/// runs, so that the bench (child process or in process) and the integration test (in process) share it.
/// </summary>
public sealed class KillWorld(string name, Uri salesforceUrl, Uri hubSpotUrl, IReadOnlyDictionary<string, string> workerEnvironment) : IDisposable
{
    // Exports of a 5,000-account world are tens of megabytes; the emulators build them under their lock.
    readonly HttpClient http = new() { Timeout = TimeSpan.FromMinutes(5) };

    public string Name => name;
    public IReadOnlyDictionary<string, string> WorkerEnvironment => workerEnvironment;

    public Uri Url(Api api) => api == Api.Salesforce ? salesforceUrl : hubSpotUrl;

    public async Task<JsonObject> ExportAsync(Api api, CancellationToken ct)
    {
        await using var stream = await http.GetStreamAsync(new Uri(Url(api), "/_sandbox/export"), ct);
        return (JsonObject)(await JsonNode.ParseAsync(stream, cancellationToken: ct))!;
    }

    public async Task ResetStatsAsync(CancellationToken ct)
    {
        foreach (var api in new[] { Api.Salesforce, Api.HubSpot })
        {
            using var response = await http.PostAsync(new Uri(Url(api), "/_sandbox/stats/reset"), null, ct);
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Calls and writes counted since the last reset.</summary>
    public async Task<CallCount> StatsAsync(Api api, CancellationToken ct)
    {
        var stats = JsonNode.Parse(await http.GetStringAsync(new Uri(Url(api), "/_sandbox/stats"), ct))!;
        var bulk = stats["byEndpoint"] is JsonObject endpoints
            ? endpoints.Where(e => e.Key.Contains("/jobs/", StringComparison.Ordinal)).Sum(e => (long)e.Value!)
            : 0;
        return new CallCount((long)stats["calls"]!, (long)stats["writes"]!, bulk);
    }

    public async Task<WorldCalls> BothStatsAsync(CancellationToken ct) => new(await StatsAsync(Api.Salesforce, ct), await StatsAsync(Api.HubSpot, ct));

    /// <summary>True when the emulator has the hold hook (a sandbox from before it answers 404).</summary>
    public async Task<bool> HasHoldAsync(Api api, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri(Url(api), "/_sandbox/hold"), ct);
        return response.StatusCode != HttpStatusCode.NotFound && response.StatusCode != HttpStatusCode.MethodNotAllowed;
    }

    /// <summary>Arms the hold: the <paramref name="afterWrites"/>-th write call from now is applied and its answer withheld.</summary>
    public async Task ArmHoldAsync(Api api, int afterWrites, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(new Uri(Url(api), "/_sandbox/hold"), new { afterWrites }, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{name}: POST /_sandbox/hold on {api} answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    public async Task<HoldState> HoldAsync(Api api, CancellationToken ct)
    {
        var state = JsonNode.Parse(await http.GetStringAsync(new Uri(Url(api), "/_sandbox/hold"), ct))!;
        return new HoldState(
            Bool(state["armed"]),
            Bool(state["held"]),
            state["heldCall"] switch
            {
                null => null,
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                var other => other.ToJsonString(),
            },
            state["remaining"] is JsonValue r && r.TryGetValue<long>(out var remaining) ? remaining : null)
        {
            ClientPort = state["heldClientPort"] is JsonValue p && p.TryGetValue<int>(out var port) ? port : null,
        };
    }

    public async Task DisarmHoldAsync(Api api, CancellationToken ct)
    {
        using var response = await http.DeleteAsync(new Uri(Url(api), "/_sandbox/hold"), ct);
        response.EnsureSuccessStatusCode();
    }

    static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public void Dispose() => http.Dispose();
}

/// <summary>Calls, writes among them, and Bulk API 2.0 job calls among them.</summary>
public readonly record struct CallCount(long Calls, long Writes, long Bulk)
{
    public static CallCount operator +(CallCount a, CallCount b) => new(a.Calls + b.Calls, a.Writes + b.Writes, a.Bulk + b.Bulk);

    public override string ToString() => $"{Report.N(Calls)} ({Report.N(Writes)} writes{(Bulk > 0 ? $", {Report.N(Bulk)} bulk" : "")})";
}

/// <summary>Calls counted by each emulator over one step.</summary>
public readonly record struct WorldCalls(CallCount Salesforce, CallCount HubSpot)
{
    public long Writes => Salesforce.Writes + HubSpot.Writes;

    public static WorldCalls operator +(WorldCalls a, WorldCalls b) => new(a.Salesforce + b.Salesforce, a.HubSpot + b.HubSpot);

    public override string ToString() =>
        $"SF {Salesforce}, HS {HubSpot}";
}
