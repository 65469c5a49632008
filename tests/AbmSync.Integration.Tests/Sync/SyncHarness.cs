using System.Text.Json;
using System.Text.Json.Nodes;
using AbmSync.Sandbox;
using AbmSync.Worker;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// The worker against both sandboxes over real HTTP on loopback, with its own SQLite state in a temporary directory.
/// Nothing in between is faked: the worker's connectors speak to the emulators exactly as to the real APIs.
/// </summary>
public sealed class SyncHarness : IAsyncDisposable
{
    readonly DirectoryInfo directory;

    SyncHarness(SandboxHost sandbox, IHost host, DirectoryInfo directory)
    {
        Sandbox = sandbox;
        Host = host;
        this.directory = directory;
    }

    public SandboxHost Sandbox { get; }
    public IHost Host { get; }
    public HttpClient Http { get; } = new();
    public StateStore Store => Host.Services.GetRequiredService<StateStore>();

    /// <param name="time">One clock for the sandboxes and the worker, where a test moves time.</param>
    public static async Task<SyncHarness> StartAsync(int accounts = 300, int seed = 7, IReadOnlyDictionary<string, string?>? settings = null, SandboxOptions? sandboxOptions = null,
        TimeProvider? time = null)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-test-");
        var sandbox = await SandboxHost.StartAsync(sandboxOptions ?? new SandboxOptions { Accounts = accounts, Seed = seed }, time);
        var configuration = sandbox.WorkerSettings();
        configuration["Storage:Provider"] = "Sqlite";
        configuration["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}";
        configuration["Mappings:Directory"] = Path.Combine(RepositoryRoot(), "mappings");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var host = AbmSyncServices.BuildCommandHost(configuration, time: time);
        await host.StartAsync();
        await host.Services.GetRequiredService<StateStore>().MigrateAsync();
        return new SyncHarness(sandbox, host, directory);
    }

    public Task<SyncSummary> SyncAsync(SyncRequest? request = null) =>
        Host.Services.GetRequiredService<SyncRunner>().RunAsync(request ?? new SyncRequest(), CancellationToken.None);

    /// <summary>
    /// Every pair as <c>sync --object all</c> runs them (accounts, contacts, leads, opportunities, together where they
    /// allow), each asserted to succeed.
    /// </summary>
    public async Task<IReadOnlyList<SyncSummary>> SyncAllAsync(bool full = false)
    {
        var summaries = PairSequence.SummariesOrThrow(await Host.Services.GetRequiredService<PairSequence>()
            .RunAsync(ObjectPairs.Everything, pair => new SyncRequest(Full: full, Object: pair), CancellationToken.None));
        foreach (var summary in summaries)
        {
            Assert.True(summary.Status == "succeeded", $"{summary.Object}: {summary.Status} {summary.Message}");
        }
        return summaries;
    }

    /// <summary>
    /// The accounts' and then the leads' runs after a first sync of every pair: what the first sync read after them
    /// (the contacts' counters and buying roles, the opportunities' pipeline) reaches their rules now, the tiers and
    /// the routing that follows them, then the leads' matches that tie-break on tier and pipeline. Each is asserted to
    /// write nothing but its rules' fields; the accounts' summary is returned.
    /// </summary>
    public async Task<SyncSummary> EngagementArrivesAsync()
    {
        var configuration = Host.Services.GetRequiredService<SyncConfiguration>();
        SyncSummary? accounts = null;
        foreach (var pair in new[] { ObjectPairs.Accounts, ObjectPairs.Leads })
        {
            var summary = await SyncAsync(new SyncRequest(Object: pair));
            Assert.Equal("succeeded", summary.Status);
            var rules = ObjectPairs.For(pair, configuration).Rules!;
            var owned = rules.SalesforceOutputs.Concat(rules.HubSpotProperties).ToHashSet(StringComparer.Ordinal);
            Assert.All(summary.Writes, w => Assert.All(w.Values.Keys, field => Assert.Contains(field, owned)));
            accounts ??= summary;
        }
        return accounts!;
    }

    /// <summary>A marketer's call to the HubSpot API (a person's token): the answer's body, or a failed assertion with it.</summary>
    public async Task<string> AsMarketerAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(Sandbox.HubSpotUrl, path)) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text;
    }

    public async Task<JsonObject> SalesforceExportAsync() =>
        (JsonObject)JsonNode.Parse(await Http.GetStringAsync(new Uri(Sandbox.SalesforceUrl, "/_sandbox/export")))!;

    public async Task<JsonObject> HubSpotExportAsync() =>
        (JsonObject)JsonNode.Parse(await Http.GetStringAsync(new Uri(Sandbox.HubSpotUrl, "/_sandbox/export")))!;

    public async Task<(long Calls, long Reads, long Writes)> StatsAsync(Uri baseUrl)
    {
        using var stats = JsonDocument.Parse(await Http.GetStringAsync(new Uri(baseUrl, "/_sandbox/stats")));
        var root = stats.RootElement;
        return (root.GetProperty("calls").GetInt64(), root.GetProperty("reads").GetInt64(), root.GetProperty("writes").GetInt64());
    }

    public async Task ResetStatsAsync()
    {
        (await Http.PostAsync(new Uri(Sandbox.SalesforceUrl, "/_sandbox/stats/reset"), null)).EnsureSuccessStatusCode();
        (await Http.PostAsync(new Uri(Sandbox.HubSpotUrl, "/_sandbox/stats/reset"), null)).EnsureSuccessStatusCode();
    }

    /// <summary>Edits an account the way a sales rep would: the rep's credentials, the public REST API.</summary>
    public Task EditAccountAsSalesRepAsync(string accountId, object fields) => Sandbox.EditAsSalesRepAsync("Account", accountId, fields);

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AbmSync.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("AbmSync.sln not found above the test directory");
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await Sandbox.DisposeAsync();
        Http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);
    }
}
