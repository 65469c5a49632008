using System.Text.Json.Nodes;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Worker;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// <c>abmsync dead-letters list|retry|discard</c> through the real executable, over a state file seeded with one
/// letter of each kind: due, backing off, parked, waiting for its parent, resolved.
/// </summary>
public sealed class DeadLetterCliTests : IAsyncLifetime
{
    readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("abmsync-dead-letter-cli-");
    StateStore store = null!;
    Dictionary<string, string> environment = null!;
    Dictionary<string, long> ids = null!;

    public async Task InitializeAsync()
    {
        var connectionString = $"Data Source={Path.Combine(directory.FullName, "abmsync.db")}";
        environment = new Dictionary<string, string> { ["ABMSYNC__Storage__ConnectionString"] = connectionString };
        store = new StateStore("Sqlite", connectionString, TimeProvider.System);
        await store.MigrateAsync();
        var run = await store.StartRunAsync(ObjectPairs.Accounts, "two-way", "incremental");
        async Task FailAsync(string objectName, string recordId, string code, int times, IReadOnlyDictionary<string, string?>? payload = null)
        {
            for (var i = 0; i < times; i++)
            {
                var page = new PageCommit(objectName, run);
                page.Failures.Add(new RecordFailure(Side.Salesforce, recordId, code, $"{code} on {recordId}", []) { Payload = payload });
                await store.CommitPageAsync(page);
            }
        }
        await FailAsync(ObjectPairs.Accounts, "001DUE", "FIELD_CUSTOM_VALIDATION_EXCEPTION", 1,
            new Dictionary<string, string?> { ["Industry"] = "Aerospace", ["ABM_Tier__c"] = "Tier 1", ["Description"] = null });
        await FailAsync(ObjectPairs.Accounts, "001BACKOFF", "UNABLE_TO_LOCK_ROW", 2);
        await FailAsync(ObjectPairs.Accounts, "001PARKED", "UNABLE_TO_LOCK_ROW", store.MaxAttempts);
        await FailAsync(ObjectPairs.Contacts, "003WAITING", DeadLetterCodes.WaitingForParent, 3);
        await FailAsync(ObjectPairs.Accounts, "001RESOLVED", "UNABLE_TO_LOCK_ROW", 1);
        var success = new PageCommit(ObjectPairs.Accounts, run);
        success.Succeeded.Add((Side.Salesforce, "001RESOLVED"));
        await store.CommitPageAsync(success);
        ids = (await store.GetDeadLettersAsync(null, null)).ToDictionary(d => d.RecordId, d => d.Id);
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);
        return Task.CompletedTask;
    }

    Task<(int ExitCode, string Output, string Error)> CliAsync(params string[] args) =>
        CliProcess.RunAsync(environment, directory.FullName, ["dead-letters", .. args]);

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task List_IsATableWithWhatWasTriedAndWhenNext_FilteredByObjectAndStatus_AndJsonForScripts()
    {
        var all = await CliAsync("list");
        var accounts = await CliAsync("list", "--object", "accounts", "--status", "open");
        var json = await CliAsync("list", "--json");

        Assert.True(all.ExitCode == 0, all.Error);
        var lines = Lines(all.Output);
        Assert.StartsWith("ID", lines[0], StringComparison.Ordinal);
        Assert.Contains("NEXT ATTEMPT", lines[0], StringComparison.Ordinal);
        string Row(string record) => Assert.Single(lines, l => l.Contains(record, StringComparison.Ordinal));
        Assert.Matches($@"^#{ids["001DUE"]}\s+open\s+accounts\s+salesforce\s+001DUE\s+FIELD_CUSTOM_VALIDATION_EXCEPTION\s+1\s+next run\s", Row("001DUE"));
        Assert.Matches(@"\s2\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s", Row("001BACKOFF"));
        Assert.Matches(@"^#\d+\s+parked\s.*\s5\s+-\s", Row("001PARKED"));
        Assert.Matches(@"^#\d+\s+open\s+contacts\s.*WAITING_FOR_PARENT\s+1\s+next run\s", Row("003WAITING"));
        Assert.Matches(@"^#\d+\s+resolved\s", Row("001RESOLVED"));
        // What was tried, beneath its row: each field once, a cleared one as such.
        var tried = lines.SkipWhile(l => !l.Contains("001DUE", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.StartsWith("tried", StringComparison.Ordinal)).ToList();
        Assert.Equal(["tried ABM_Tier__c = Tier 1", "tried Description = (clear)", "tried Industry = Aerospace"], tried);
        Assert.Equal("5 dead letter(s): 3 open, 1 parked, 1 resolved.", lines[^1]);

        Assert.True(accounts.ExitCode == 0, accounts.Error);
        Assert.Equal(["001BACKOFF", "001DUE"], Lines(accounts.Output).Skip(1).Where(l => l.StartsWith('#')).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]).Order(StringComparer.Ordinal));

        Assert.True(json.ExitCode == 0, json.Error);
        var letters = JsonNode.Parse(json.Output)!.AsArray().ToDictionary(l => (string)l!["recordId"]!, l => l!.AsObject());
        Assert.Equal(5, letters.Count);
        var due = letters["001DUE"];
        Assert.Equal((ids["001DUE"], "accounts", "salesforce", "open", 1, true), ((long)due["id"]!, (string)due["object"]!, (string)due["side"]!, (string)due["status"]!, (int)due["attempts"]!, (bool)due["due"]!));
        Assert.Equal("Aerospace", (string?)due["payload"]!["Industry"]);
        Assert.Null(due["payload"]!["Description"]);
        Assert.Null(letters["001BACKOFF"]["payload"]);
        Assert.False((bool)letters["001BACKOFF"]["due"]!);
        Assert.True(DateTimeOffset.Parse((string)letters["001BACKOFF"]["nextAttemptAt"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        Assert.Equal(("parked", false), ((string)letters["001PARKED"]["status"]!, (bool)letters["001PARKED"]["due"]!));
        Assert.Equal((DeadLetterCodes.WaitingForParent, 1, true), ((string)letters["003WAITING"]["code"]!, (int)letters["003WAITING"]["attempts"]!, (bool)letters["003WAITING"]["due"]!));
    }

    [Fact]
    public async Task Retry_ReopensParkedById_ThenMakesTheRestDue_OneLineOrJson()
    {
        var byId = await CliAsync("retry", "--id", $"{ids["001PARKED"]}");
        var rest = await CliAsync("retry", "--object", "accounts", "--json");
        var again = await CliAsync("retry", "--id", $"{ids["001DUE"]}");

        Assert.True(byId.ExitCode == 0, byId.Error);
        Assert.Equal("1 dead letter(s) due on the next run: 1 parked re-opened, 0 no longer waiting for their backoff.", Assert.Single(Lines(byId.Output)));
        Assert.True(rest.ExitCode == 0, rest.Error);
        var answer = JsonNode.Parse(rest.Output)!;
        Assert.Equal((0, 1, 1), ((int)answer["reopened"]!, (int)answer["madeDue"]!, (int)answer["queued"]!));
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Equal($"Dead letter #{ids["001DUE"]} is already due: the next run tries it.", Assert.Single(Lines(again.Output)));
        var due = (await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, DateTimeOffset.UtcNow)).Select(d => d.RecordId).Order(StringComparer.Ordinal);
        Assert.Equal(["001BACKOFF", "001DUE", "001PARKED"], due);
        Assert.Equal(0, (await store.GetDeadLetterAsync(ids["001PARKED"]))!.Attempts);
    }

    [Fact]
    public async Task Discard_MarksItDiscarded_NeverDue_Repeatable_AndAnUnknownOrForeignIdIsOneLineExit2()
    {
        var id = ids["001BACKOFF"];
        var first = await CliAsync("discard", "--id", $"{id}");
        var second = await CliAsync("discard", "--id", $"{id}", "--json");
        var retried = await CliAsync("retry", "--id", $"{id}");
        var unknown = await CliAsync("discard", "--id", "987654");
        var foreign = await CliAsync("discard", "--object", "accounts", "--id", $"{ids["003WAITING"]}");
        var resolved = await CliAsync("discard", "--id", $"{ids["001RESOLVED"]}");
        var missing = await CliAsync("discard");
        var listed = await CliAsync("list", "--status", "discarded");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal($"Discarded dead letter #{id} (accounts 001BACKOFF → salesforce: UNABLE_TO_LOCK_ROW): no run retries it; it stays listed.", Assert.Single(Lines(first.Output)));
        Assert.True(second.ExitCode == 0, second.Error);
        var answer = JsonNode.Parse(second.Output)!;
        Assert.Equal((id, "discarded", false), ((long)answer["id"]!, (string)answer["status"]!, (bool)answer["changed"]!));
        Assert.Equal((2, $"dead letter #{id} is discarded: a discarded dead letter is never retried."), (retried.ExitCode, Assert.Single(Lines(retried.Error))));
        Assert.Equal((2, "no dead letter #987654 (abmsync dead-letters list shows their ids)"), (unknown.ExitCode, Assert.Single(Lines(unknown.Error))));
        Assert.Equal((2, $"dead letter #{ids["003WAITING"]} is one of contacts, not of accounts"), (foreign.ExitCode, Assert.Single(Lines(foreign.Error))));
        Assert.Equal(2, resolved.ExitCode);
        Assert.Contains("is resolved", Assert.Single(Lines(resolved.Error)), StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--id", missing.Error, StringComparison.Ordinal);
        foreach (var output in new[] { unknown, foreign, resolved, missing }.Select(r => r.Output + r.Error))
        {
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }

        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.Matches($@"^#{id}\s+discarded\s+accounts\s.*001BACKOFF", Lines(listed.Output)[1]);
        Assert.Equal("1 dead letter(s): 1 discarded.", Lines(listed.Output)[^1]);
        Assert.DoesNotContain(await store.GetDueDeadLettersAsync(ObjectPairs.Accounts, DateTimeOffset.UtcNow.AddDays(30)), d => d.Id == id);
        Assert.Equal(DeadLetterStatuses.Resolved, (await store.GetDeadLetterAsync(ids["001RESOLVED"]))!.Status);
    }

    [Fact]
    public async Task Backoff_FromSettings_ReplacesTheDefault_AndAShrinkingOneIsASettingsProblemExit2()
    {
        using (var host = AbmSyncServices.BuildCommandHost(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = environment["ABMSYNC__Storage__ConnectionString"],
            ["Sync:DeadLetterBackoff:0"] = "00:02:00",
            ["Sync:DeadLetterBackoff:1"] = "00:30:00",
        }))
        {
            var configured = host.Services.GetRequiredService<StateStore>();
            Assert.Equal([TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(30)], configured.DeadLetterBackoff);
            Assert.Equal(3, configured.MaxAttempts);
        }
        Assert.Equal(SyncOptions.DefaultDeadLetterBackoff, store.DeadLetterBackoff);

        environment["ABMSYNC__Sync__DeadLetterBackoff__0"] = "01:00:00";
        environment["ABMSYNC__Sync__DeadLetterBackoff__1"] = "00:05:00";
        var (exit, output, error) = await CliAsync("list");

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("settings:", line, StringComparison.Ordinal);
        Assert.Contains("Sync:DeadLetterBackoff:1 must be at least as long as the step before it", line, StringComparison.Ordinal);
    }
}
