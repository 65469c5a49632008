using System.Data.Common;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// The dead-letter lifecycle in the state store, on SQLite and on PostgreSQL through the same SQL: backoff after each
/// failure, parked after the last step, a record waiting for its parent never charged, retry, discard, the payload.
/// The clock is a <see cref="ManualClock"/>, so every "due" below is decided by the schedule and not by the machine.
/// </summary>
public class DeadLetterStoreTests
{
    static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    // The brief's example schedule rather than the default, so that the first wait is not zero and shows.
    static readonly TimeSpan[] Schedule = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1)];

    const string Record = "001000000000001AAA";

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Failures_WaitTheirBackoffStep_AreDueOnlyOnceItPasses_AndTheFifthParks(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider, Schedule);
        var (store, clock) = (state.Store, state.Clock);
        Assert.Equal(5, store.MaxAttempts);

        var waits = new List<TimeSpan?>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await state.FailAsync(Record, "UNABLE_TO_LOCK_ROW", $"locked (attempt {attempt})");
            var letter = Assert.Single(await store.GetDeadLettersAsync(ObjectPairs.Accounts, null));
            Assert.Equal(attempt, letter.Attempts);
            Assert.Equal($"locked (attempt {attempt})", letter.Message);
            Assert.Equal(clock.GetUtcNow(), letter.LastFailedAt);
            waits.Add(letter.NextAttemptAt - clock.GetUtcNow());
            if (attempt < 5)
            {
                Assert.Equal(DeadLetterStatuses.Open, letter.Status);
                // Not due a moment before its step ends; due at the end of it.
                clock.Advance(Schedule[attempt - 1] - TimeSpan.FromSeconds(1));
                Assert.Empty(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow()));
                clock.Advance(TimeSpan.FromSeconds(1));
                Assert.Equal(letter.Id, Assert.Single(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow())).Id);
            }
            else
            {
                Assert.Equal(DeadLetterStatuses.Parked, letter.Status);
            }
        }

        Assert.Equal(new TimeSpan?[] { Schedule[0], Schedule[1], Schedule[2], Schedule[3], null }, waits);
        // Parked: never due again, however long the runs go on, until a person retries it.
        clock.Advance(TimeSpan.FromDays(30));
        Assert.Empty(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow()));
        Assert.Equal(Start, (await store.GetDeadLettersAsync(ObjectPairs.Accounts, DeadLetterStatuses.Parked)).Single().FirstFailedAt);
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task WaitingForParent_IsDueEveryRun_CostsNoAttempt_NeverParks_AndItsFirstRealFailureIsAttemptOne(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider, Schedule);
        var (store, clock) = (state.Store, state.Clock);

        for (var run = 1; run <= 12; run++)
        {
            await state.FailAsync(Record, DeadLetterCodes.WaitingForParent, $"waiting for its accounts record (run {run})", ObjectPairs.Contacts, Side.HubSpot);
            var letter = Assert.Single(await store.GetDueDeadLettersAsync(ObjectPairs.Contacts, clock.GetUtcNow()));
            Assert.Equal((1, DeadLetterStatuses.Open, (DateTimeOffset?)null), (letter.Attempts, letter.Status, letter.NextAttemptAt));
            Assert.Equal($"waiting for its accounts record (run {run})", letter.Message);
            Assert.Equal(clock.GetUtcNow(), letter.LastFailedAt);
            clock.Advance(TimeSpan.FromSeconds(30));
        }

        // The parent is linked and the write itself fails: the first failure of the record, backing off from step one.
        await state.FailAsync(Record, "INVALID_EMAIL_ADDRESS", "email: invalid", ObjectPairs.Contacts, Side.HubSpot);
        var failed = Assert.Single(await store.GetDeadLettersAsync(ObjectPairs.Contacts, null));
        Assert.Equal((1, DeadLetterStatuses.Open, "INVALID_EMAIL_ADDRESS"), (failed.Attempts, failed.Status, failed.Code));
        Assert.Equal(clock.GetUtcNow() + Schedule[0], failed.NextAttemptAt);
        Assert.Empty(await store.GetDueDeadLettersAsync(ObjectPairs.Contacts, clock.GetUtcNow()));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task TwoFailuresOfOneRecordAndSideInOnePage_AreOneAttempt_KeptAsTheLast(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider, Schedule);
        var page = new PageCommit(ObjectPairs.Accounts, await state.Store.StartRunAsync(ObjectPairs.Accounts, "two-way", "incremental"));
        page.Failures.Add(new RecordFailure(Side.Salesforce, Record, "UNABLE_TO_LOCK_ROW", "the update was locked", []));
        page.Failures.Add(new RecordFailure(Side.Salesforce, Record, "FIELD_INTEGRITY_EXCEPTION", "the twin id was refused", [AbmFields.SalesforceHubSpotId]));
        page.Failures.Add(new RecordFailure(Side.HubSpot, Record, "VALIDATION_ERROR", "the company was refused", []));

        await state.Store.CommitPageAsync(page);

        var letters = (await state.Store.GetDeadLettersAsync(ObjectPairs.Accounts, null)).ToDictionary(d => d.Side);
        Assert.Equal(2, letters.Count);
        Assert.Equal((1, "FIELD_INTEGRITY_EXCEPTION", state.Clock.GetUtcNow() + Schedule[0]),
            (letters[Side.Salesforce].Attempts, letters[Side.Salesforce].Code, letters[Side.Salesforce].NextAttemptAt));
        Assert.Equal(1, letters[Side.HubSpot].Attempts);
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Retry_ReopensParkedAndCutsBackoffShort_LeavesDiscardedAndResolvedAlone(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider, Schedule);
        var (store, clock) = (state.Store, state.Clock);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await state.FailAsync("001PARKED", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "refused");
        }
        await state.FailAsync("001BACKINGOFF", "UNABLE_TO_LOCK_ROW", "locked");
        await state.FailAsync("001DISCARDED", "UNABLE_TO_LOCK_ROW", "locked");
        await state.FailAsync("001RESOLVED", "UNABLE_TO_LOCK_ROW", "locked");
        await state.SucceedAsync("001RESOLVED");
        var discarded = (await store.GetDeadLettersAsync(ObjectPairs.Accounts, null)).Single(d => d.RecordId == "001DISCARDED");
        Assert.True(await store.DiscardDeadLetterAsync(discarded.Id));
        Assert.Empty(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow()));

        var retried = await store.RetryDeadLettersAsync(ObjectPairs.Accounts, id: null);

        Assert.Equal((1, 1), (retried.Reopened, retried.MadeDue));
        var due = await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow());
        Assert.Equal(["001BACKINGOFF", "001PARKED"], due.Select(d => d.RecordId).Order(StringComparer.Ordinal));
        var reopened = due.Single(d => d.RecordId == "001PARKED");
        Assert.Equal((DeadLetterStatuses.Open, 0, (DateTimeOffset?)null), (reopened.Status, reopened.Attempts, reopened.NextAttemptAt));
        var all = (await store.GetDeadLettersAsync(ObjectPairs.Accounts, null)).ToDictionary(d => d.RecordId);
        Assert.Equal(DeadLetterStatuses.Discarded, all["001DISCARDED"].Status);
        Assert.Equal(DeadLetterStatuses.Resolved, all["001RESOLVED"].Status);
        // A re-opened letter gets the whole schedule again: its next failure is attempt 1, with the first wait.
        await state.FailAsync("001PARKED", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "refused again");
        var again = (await store.GetDeadLettersAsync(ObjectPairs.Accounts, DeadLetterStatuses.Open)).Single(d => d.RecordId == "001PARKED");
        Assert.Equal((1, clock.GetUtcNow() + Schedule[0]), (again.Attempts, again.NextAttemptAt));
        // By id, and only within the object named.
        Assert.Equal(0, (await store.RetryDeadLettersAsync(ObjectPairs.Contacts, again.Id)).Queued);
        Assert.DoesNotContain(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow()), d => d.Id == again.Id);
        var byId = await store.RetryDeadLettersAsync(ObjectPairs.Accounts, again.Id);
        Assert.Equal((0, 1), (byId.Reopened, byId.MadeDue));
        Assert.Contains(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow()), d => d.Id == again.Id);
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Discarded_IsNeverDue_NotResolvedBySuccess_AndALaterFailureOfTheRecordIsANewLetter(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider, Schedule);
        var (store, clock) = (state.Store, state.Clock);
        await state.FailAsync(Record, "UNABLE_TO_LOCK_ROW", "locked");
        var letter = Assert.Single(await store.GetDeadLettersAsync(ObjectPairs.Accounts, null));

        Assert.True(await store.DiscardDeadLetterAsync(letter.Id));
        Assert.False(await store.DiscardDeadLetterAsync(letter.Id));
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, clock.GetUtcNow()));
        Assert.Equal(0, (await store.RetryDeadLettersAsync(null, letter.Id)).Queued);
        await state.SucceedAsync(Record);
        Assert.Equal(DeadLetterStatuses.Discarded, (await store.GetDeadLetterAsync(letter.Id))!.Status);

        // The record changed and fails anew: a new letter, and the discarded one stays as it was.
        await state.FailAsync(Record, "FIELD_INTEGRITY_EXCEPTION", "bad value");
        var letters = await store.GetDeadLettersAsync(ObjectPairs.Accounts, null);
        Assert.Equal(2, letters.Count);
        var kept = letters.Single(d => d.Id == letter.Id);
        Assert.Equal((DeadLetterStatuses.Discarded, "UNABLE_TO_LOCK_ROW", 1), (kept.Status, kept.Code, kept.Attempts));
        var fresh = letters.Single(d => d.Id != letter.Id);
        Assert.Equal((DeadLetterStatuses.Open, "FIELD_INTEGRITY_EXCEPTION", 1), (fresh.Status, fresh.Code, fresh.Attempts));
        Assert.False(await store.DiscardDeadLetterAsync(long.MaxValue));
        Assert.Null(await store.GetDeadLetterAsync(long.MaxValue));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Payload_IsStoredWithTheLetter_ReplacedByTheLatestAttempt_AndASuccessResolves(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider, Schedule);
        var store = state.Store;
        await state.FailAsync(Record, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Industry: bad value", payload: new Dictionary<string, string?>
        {
            ["Industry"] = "Über-Tech \"quoted\"",
            ["ABM_Tier__c"] = "Tier 1",
            ["Description"] = null,
        });
        await state.FailAsync("001NOPAYLOAD", "UNABLE_TO_LOCK_ROW", "locked");

        var letters = (await store.GetDeadLettersAsync(ObjectPairs.Accounts, null)).ToDictionary(d => d.RecordId);
        Assert.Equal(new Dictionary<string, string?> { ["Industry"] = "Über-Tech \"quoted\"", ["ABM_Tier__c"] = "Tier 1", ["Description"] = null }, letters[Record].Payload);
        Assert.Null(letters["001NOPAYLOAD"].Payload);

        await state.FailAsync(Record, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Industry: bad value", payload: new Dictionary<string, string?> { ["Industry"] = "Tech" });
        Assert.Equal(new Dictionary<string, string?> { ["Industry"] = "Tech" }, (await store.GetDeadLettersAsync(ObjectPairs.Accounts, DeadLetterStatuses.Open)).Single(d => d.RecordId == Record).Payload);

        await state.SucceedAsync(Record);
        var resolved = Assert.Single(await store.GetDeadLettersAsync(ObjectPairs.Accounts, DeadLetterStatuses.Resolved));
        Assert.Equal((Record, (DateTimeOffset?)null), (resolved.RecordId, resolved.NextAttemptAt));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Migration6_OverAStoreAtVersion5_KeepsItsLetters_OpenOnesDueAtOnce(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider, Schedule, migrate: false);
        await using (var connection = state.OpenRaw())
        {
            // Versions 1 to 5 as a store released before this migration applied them, with a letter of its own.
            foreach (var (version, name, sql) in ReleasedMigrations(provider).Where(m => m.Version <= 5))
            {
                await connection.ExecuteAsync(sql);
                await connection.ExecuteAsync("INSERT INTO schema_migration (version, name, applied_at) VALUES (@version, @name, 'x')", new { version, name });
            }
            await connection.ExecuteAsync("""
                INSERT INTO dead_letter (object, side, record_id, code, message, fields, attempts, status, first_failed_at, last_failed_at, last_run_id)
                VALUES ('accounts', 'salesforce', '001OLD', 'UNABLE_TO_LOCK_ROW', 'locked', NULL, 2, 'open', '2026-11-30T08:00:00.0000000Z', '2026-11-30T08:00:00.0000000Z', NULL)
                """);
        }

        await state.Store.MigrateAsync();

        Assert.Equal(state.Store.LatestSchemaVersion, await state.Store.SchemaVersionAsync());
        var old = Assert.Single(await state.Store.GetDueDeadLettersAsync(ObjectPairs.Accounts, state.Clock.GetUtcNow()));
        Assert.Equal(("001OLD", 2, (DateTimeOffset?)null, (IReadOnlyDictionary<string, string?>?)null), (old.RecordId, old.Attempts, old.NextAttemptAt, old.Payload));
        // Its next failure bumps the same letter, which the new unique index still keys by (object, side, record id).
        await state.FailAsync("001OLD", "UNABLE_TO_LOCK_ROW", "locked again");
        var bumped = Assert.Single(await state.Store.GetDeadLettersAsync(ObjectPairs.Accounts, null));
        Assert.Equal((old.Id, 3, state.Clock.GetUtcNow() + Schedule[2]), (bumped.Id, bumped.Attempts, bumped.NextAttemptAt));
    }

    /// <summary>The migrations as shipped in the worker, with <c>{identity}</c> written out the way the store does it.</summary>
    static IEnumerable<(long Version, string Name, string Sql)> ReleasedMigrations(string provider)
    {
        var assembly = typeof(StateStore).Assembly;
        const string prefix = "AbmSync.Worker.State.Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..];
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (long.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), name,
                reader.ReadToEnd().Replace("{identity}", provider == "Postgres" ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal));
        }
    }
}

/// <summary>A migrated state store on a fresh SQLite file or PostgreSQL database, with a manual clock and page commits made short.</summary>
sealed class TestStore : IAsyncDisposable
{
    readonly DirectoryInfo? directory;
    readonly PostgresDatabase? database;
    readonly string provider;
    readonly string connectionString;
    long? runId;

    TestStore(string provider, string connectionString, DirectoryInfo? directory, PostgresDatabase? database, IReadOnlyList<TimeSpan>? backoff)
    {
        this.provider = provider;
        this.connectionString = connectionString;
        this.directory = directory;
        this.database = database;
        Store = new StateStore(provider, connectionString, Clock, backoff);
    }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    public StateStore Store { get; }

    public static async Task<TestStore> CreateAsync(string provider, IReadOnlyList<TimeSpan>? backoff = null, bool migrate = true)
    {
        TestStore state;
        if (provider == "Postgres")
        {
            var database = await PostgresDatabase.CreateAsync();
            state = new TestStore(provider, database.ConnectionString, null, database, backoff);
        }
        else
        {
            var directory = Directory.CreateTempSubdirectory("abmsync-dead-letters-");
            state = new TestStore(provider, $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}", directory, null, backoff);
        }
        if (migrate)
        {
            await state.Store.MigrateAsync();
        }
        else
        {
            await using var connection = state.OpenRaw();
            await connection.ExecuteAsync("CREATE TABLE schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        }
        return state;
    }

    public DbConnection OpenRaw()
    {
        DbConnection connection = provider == "Postgres" ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>One page of a run that failed this record on this side.</summary>
    public async Task FailAsync(string recordId, string code, string message, string objectName = ObjectPairs.Accounts, string side = Side.Salesforce,
        IReadOnlyDictionary<string, string?>? payload = null)
    {
        var page = new PageCommit(objectName, await RunIdAsync());
        page.Failures.Add(new RecordFailure(side, recordId, code, message, []) { Payload = payload });
        await Store.CommitPageAsync(page);
    }

    public async Task SucceedAsync(string recordId, string side = Side.Salesforce)
    {
        var page = new PageCommit(ObjectPairs.Accounts, await RunIdAsync());
        page.Succeeded.Add((side, recordId));
        await Store.CommitPageAsync(page);
    }

    async Task<long> RunIdAsync() => runId ??= await Store.StartRunAsync(ObjectPairs.Accounts, "two-way", "incremental");

    public async ValueTask DisposeAsync()
    {
        if (database is not null)
        {
            await database.DisposeAsync();
        }
        if (directory is not null)
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
