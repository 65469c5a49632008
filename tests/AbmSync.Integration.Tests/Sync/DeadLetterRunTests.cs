using AbmSync.Sandbox;
using AbmSync.Worker;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Dead letters across real runs against the sandboxes: the runner reads a failed record again only once its backoff
/// is over, stops at the parking step, picks a retried letter up again and never a discarded one; a contact waiting for
/// its account is read every run without being charged, and goes through once the account is linked.
/// </summary>
public class DeadLetterRunTests
{
    [Fact]
    public async Task EveryWriteBackRefused_RecordsAreTriedAgainOnlyWhenDue_ParkedAtTheFifth_RetryReopens_DiscardIsNeverTried()
    {
        var clock = new ShiftedClock();
        // Every Salesforce write is refused with a row lock, so each letter fails on every attempt the runner makes;
        // the only thing that moves its attempts is whether the run read it again. No overlap window, so that the
        // cursor does not re-read records on its own (it still re-reads the newest one: its read is >=).
        await using var world = await ClockedWorld.StartAsync(clock, new SandboxOptions { Accounts = 30, Seed = 31, SalesforceFaults = "lock:1" },
            new Dictionary<string, string?>
            {
                ["Sync:CursorOverlap"] = "00:00:00",
                ["Sync:RetryableResubmissions"] = "0",
                ["Sync:DeadLetterBackoff:0"] = "00:01:00",
                ["Sync:DeadLetterBackoff:1"] = "00:05:00",
                ["Sync:DeadLetterBackoff:2"] = "00:15:00",
                ["Sync:DeadLetterBackoff:3"] = "01:00:00",
            });
        var store = world.Store;
        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1)], store.DeadLetterBackoff);

        await world.SyncAsync();
        var letters = await store.GetDeadLettersAsync(ObjectPairs.Accounts, null);
        Assert.True(letters.Count >= 10, $"only {letters.Count} dead letters: the lock fault did not bite");
        Assert.All(letters, l => Assert.Equal((Side.Salesforce, "UNABLE_TO_LOCK_ROW", 1, DeadLetterStatuses.Open), (l.Side, l.Code, l.Attempts, l.Status)));
        // Each letter keeps the writes that were refused: the tier write-back with the twin's id.
        Assert.All(letters, l => Assert.True(l.Payload?.ContainsKey("ABM_HubSpot_Id__c") == true, $"{l.RecordId}: no payload"));
        // The records the cursor itself reads again every run (the newest modstamp) are left out of what follows.
        var newest = await world.NewestAccountsAsync();
        var watched = letters.Select(l => l.RecordId).Where(id => !newest.Contains(id)).ToHashSet(StringComparer.Ordinal);
        Assert.True(watched.Count >= letters.Count - 2, "the cursor re-reads only the newest records");

        async Task<IReadOnlyList<DeadLetter>> Watched() =>
            [.. (await store.GetDeadLettersAsync(ObjectPairs.Accounts, null)).Where(l => watched.Contains(l.RecordId))];

        async Task ExpectAsync(int attempts, string status, string because)
        {
            var now = await Watched();
            Assert.Equal(watched.Count, now.Count);
            Assert.All(now, l => Assert.True((attempts, status) == (l.Attempts, l.Status), $"{because}: {l.RecordId} has {l.Attempts} attempts, {l.Status}"));
        }

        // (how far the clock moves before the run, the attempts and status every watched letter has after it)
        (TimeSpan Advance, int Attempts, string Status, string Because)[] steps =
        [
            (TimeSpan.Zero, 1, DeadLetterStatuses.Open, "at once: the first step is a minute"),
            (TimeSpan.FromMinutes(1), 2, DeadLetterStatuses.Open, "a minute on: due"),
            (TimeSpan.FromMinutes(4), 2, DeadLetterStatuses.Open, "four minutes into a five-minute wait"),
            (TimeSpan.FromMinutes(1), 3, DeadLetterStatuses.Open, "five minutes on: due"),
            (TimeSpan.FromMinutes(15), 4, DeadLetterStatuses.Open, "fifteen minutes on: due"),
            (TimeSpan.FromMinutes(59), 4, DeadLetterStatuses.Open, "59 minutes into an hour's wait"),
            (TimeSpan.FromMinutes(1), 5, DeadLetterStatuses.Parked, "the fifth failure parks"),
            (TimeSpan.FromDays(2), 5, DeadLetterStatuses.Parked, "parked letters are never read again"),
        ];
        foreach (var (advance, attempts, status, because) in steps)
        {
            clock.Advance(advance);
            Assert.Equal("succeeded", (await world.SyncAsync()).Status);
            await ExpectAsync(attempts, status, because);
        }
        Assert.All(await Watched(), l => Assert.Null(l.NextAttemptAt));

        // A person retries them all and discards one: the next run tries every other one, from attempt 1.
        var parked = await store.GetDeadLettersAsync(ObjectPairs.Accounts, DeadLetterStatuses.Parked);
        Assert.Superset(watched, parked.Select(l => l.RecordId).ToHashSet(StringComparer.Ordinal));
        Assert.Equal(parked.Count, (await store.RetryDeadLettersAsync(ObjectPairs.Accounts, id: null)).Reopened);
        var given = (await Watched())[0];
        Assert.True(await store.DiscardDeadLetterAsync(given.Id));
        await world.SyncAsync();
        var after = await Watched();
        var discarded = after.Single(l => l.Id == given.Id);
        Assert.Equal((DeadLetterStatuses.Discarded, 0, given.LastFailedAt), (discarded.Status, discarded.Attempts, discarded.LastFailedAt));
        Assert.All(after.Where(l => l.Id != given.Id), l => Assert.Equal((1, DeadLetterStatuses.Open), (l.Attempts, l.Status)));
        Assert.All(after.Where(l => l.Id != given.Id), l => Assert.Equal(l.LastFailedAt + TimeSpan.FromMinutes(1), l.NextAttemptAt));
        // Still never tried, even when everything else is due again.
        clock.Advance(TimeSpan.FromMinutes(1));
        await world.SyncAsync();
        var later = await Watched();
        Assert.Equal(given.LastFailedAt, later.Single(l => l.Id == given.Id).LastFailedAt);
        Assert.DoesNotContain(later, l => l.RecordId == given.RecordId && l.Id != given.Id);
        Assert.All(later.Where(l => l.Id != given.Id), l => Assert.Equal(2, l.Attempts));
    }

    [Fact]
    public async Task ContactWaitingForItsAccount_IsReadAgainByIdEveryRun_NeverCharged_NeverParked_ThenGoesThrough()
    {
        // No overlap window: once a newer record passes it, the cursor no longer reads the waiting contact, and only
        // its dead letter brings it back.
        await using var harness = await SyncHarness.StartAsync(accounts: 30, seed: 32, new Dictionary<string, string?> { ["Sync:CursorOverlap"] = "00:00:00" });
        foreach (var pair in ObjectPairs.All)
        {
            await harness.SyncAsync(new SyncRequest(Object: pair));
        }
        var account = await harness.Sandbox.CreateAsSalesRepAsync("Account", new { Name = "Patient Parent Inc", Website = "https://patient-parent.example", Type = "Prospect" });
        var contact = await harness.Sandbox.CreateAsSalesRepAsync("Contact", new { LastName = "Waiting", FirstName = "Wes", Email = "wes@patient-parent.example", AccountId = account });
        var linkedAccount = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First().SalesforceId;
        var newer = await harness.Sandbox.CreateAsSalesRepAsync("Contact", new { LastName = "Later", FirstName = "Lia", Email = "lia@later.example", AccountId = linkedAccount });

        var seen = new List<DateTimeOffset>();
        for (var run = 1; run <= harness.Store.MaxAttempts + 3; run++)
        {
            var summary = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));
            Assert.Equal(1, summary.DeadLettered);
            var waiting = Assert.Single(await harness.Store.GetDeadLettersAsync(ObjectPairs.Contacts, null));
            Assert.Equal((contact, DeadLetterCodes.WaitingForParent, 1, DeadLetterStatuses.Open, (DateTimeOffset?)null),
                (waiting.RecordId, waiting.Code, waiting.Attempts, waiting.Status, waiting.NextAttemptAt));
            seen.Add(waiting.LastFailedAt);
        }
        // Every run read it again and recorded the wait anew, long after the cursor passed it.
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Contains(newer, (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).Select(l => l.SalesforceId));

        await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
        await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));

        var resolved = Assert.Single(await harness.Store.GetDeadLettersAsync(ObjectPairs.Contacts, null));
        Assert.Equal(DeadLetterStatuses.Resolved, resolved.Status);
        Assert.Contains((await harness.HubSpotExportAsync())["contacts"]!.AsArray(), c => (string?)c!["properties"]!["abm_salesforce_id"] == contact);
    }
}

/// <summary>The real clock, moved forward on demand: time still passes (rate limiters wait on it), and a test jumps hours.</summary>
sealed class ShiftedClock : TimeProvider
{
    TimeSpan offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;

    public void Advance(TimeSpan by) => offset += by;
}

/// <summary>The worker against both sandboxes, like <see cref="SyncHarness"/>, on a clock of the test's.</summary>
sealed class ClockedWorld : IAsyncDisposable
{
    readonly SandboxHost sandbox;
    readonly IHost host;
    readonly DirectoryInfo directory;
    readonly HttpClient http = new();

    ClockedWorld(SandboxHost sandbox, IHost host, DirectoryInfo directory)
    {
        this.sandbox = sandbox;
        this.host = host;
        this.directory = directory;
    }

    public StateStore Store => host.Services.GetRequiredService<StateStore>();

    public static async Task<ClockedWorld> StartAsync(TimeProvider clock, SandboxOptions options, IReadOnlyDictionary<string, string?> settings)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-dead-letter-runs-");
        var sandbox = await SandboxHost.StartAsync(options);
        var configuration = sandbox.WorkerSettings();
        configuration["Storage:Provider"] = "Sqlite";
        configuration["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}";
        configuration["Mappings:Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = directory.FullName, Args = [] });
        builder.Configuration.AddAbmSyncConfiguration(configuration);
        builder.Logging.AddAbmSyncLogging(verbose: false);
        // Registered first: AddAbmSync and the connectors only add the system clock when there is none.
        builder.Services.AddSingleton(clock);
        builder.Services.AddAbmSync();
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<StateStore>().MigrateAsync();
        return new ClockedWorld(sandbox, host, directory);
    }

    public Task<SyncSummary> SyncAsync() => host.Services.GetRequiredService<SyncRunner>().RunAsync(new SyncRequest(), CancellationToken.None);

    /// <summary>The accounts with the newest SystemModstamp: an incremental read (SystemModstamp >= cursor) returns them every time.</summary>
    public async Task<HashSet<string>> NewestAccountsAsync()
    {
        var export = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(sandbox.SalesforceUrl, "/_sandbox/export")))!;
        var accounts = export["Account"]!.AsArray().Select(a => (Id: (string)a!["Id"]!, Modstamp: DateTimeOffset.Parse((string)a["SystemModstamp"]!, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var newest = accounts.Max(a => a.Modstamp);
        return accounts.Where(a => a.Modstamp == newest).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        await sandbox.DisposeAsync();
        http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);
    }
}
