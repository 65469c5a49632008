using System.Diagnostics;
using System.Text.Json.Nodes;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>
/// Parent row locks: a write in flight, its latency included, holds its records' rows and their parents'; an
/// overlapping write that needs one waits up to <see cref="SandboxOptions.RowLockWait"/>, then fails those records
/// with UNABLE_TO_LOCK_ROW. Each test sends its two writes on one client: two requests in flight take two
/// connections and are two transactions, as two workers' writes would be.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SalesforceRowLockTests
{
    // The first write holds its rows for the latency, far longer than the second waits: the second is refused with
    // room to spare on a slow machine.
    static readonly SandboxOptions Overlapping = new()
    {
        Accounts = 60,
        Seed = 3,
        Latency = TimeSpan.FromMilliseconds(800),
        RowLockWait = TimeSpan.FromMilliseconds(150),
    };

    static JsonObject Updates(string type, string field, string value, params string[] ids) => new()
    {
        ["allOrNone"] = false,
        ["records"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = type },
            ["id"] = id,
            [field] = value,
        })]),
    };

    static JsonObject ContactTitles(string title, params string[] ids) => Updates("Contact", "Title", title, ids);

    static Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> PatchCollectionAsync(HttpClient client, JsonObject body) =>
        SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", body);

    /// <summary>Accounts with at least <paramref name="contacts"/> contacts each, and those contacts' ids.</summary>
    static async Task<List<(string Account, string[] Contacts)>> AccountsWithContactsAsync(HttpClient client, int contacts)
    {
        var rows = (await QueryAsync(client, "SELECT Id, AccountId FROM Contact ORDER BY Id"))["records"]!.AsArray();
        return [.. rows
            .Where(r => r!["AccountId"] is JsonValue)
            .GroupBy(r => r!["AccountId"]!.GetValue<string>())
            .Where(g => g.Count() >= contacts)
            .Select(g => (g.Key, g.Select(r => r!["Id"]!.GetValue<string>()).ToArray()))];
    }

    /// <summary>Waits until a write in flight holds every one of <paramref name="rows"/> at once.</summary>
    static async Task WaitUntilHeldAsync(Org org, params string[] rows)
    {
        var clock = Stopwatch.StartNew();
        while (!rows.All(org.Emulator.Org.HeldRows.Contains))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"no write took {string.Join(", ", rows)} within 10 s");
            await Task.Delay(5);
        }
    }

    static async Task<JsonObject> StatsAsync(Org org) => (JsonObject)JsonNode.Parse(await org.Http.GetStringAsync("/_sandbox/stats"))!;

    static async Task<Dictionary<string, string?>> TitlesAsync(HttpClient client, IEnumerable<string> ids) =>
        (await QueryAsync(client, $"SELECT Id, Title FROM Contact WHERE Id IN ({string.Join(", ", ids.Select(i => $"'{i}'"))})"))["records"]!.AsArray()
            .ToDictionary(r => r!["Id"]!.GetValue<string>(), r => r!["Title"] is JsonValue t ? t.GetValue<string>() : null);

    static void AssertAllSucceeded(int status, JsonNode? body, int count)
    {
        Assert.Equal(200, status);
        Assert.Equal(count, body!.AsArray().Count);
        Assert.All(body.AsArray(), r => Assert.True(r!["success"]!.GetValue<bool>(), r.ToJsonString()));
    }

    [Fact]
    public async Task OverlappingUpdates_OfContactsUnderOneAccount_RefuseTheSecondsRecordsAfterTheWait_AndCountThem()
    {
        await using var org = await StartAsync(Overlapping);
        using var client = await org.LoginAsRepAsync();
        var (account, contacts) = (await AccountsWithContactsAsync(client, 3))[0];
        await org.Http.PostAsync("/_sandbox/stats/reset", null);

        var running = PatchCollectionAsync(client, ContactTitles("First writer", contacts[0]));
        await WaitUntilHeldAsync(org, account);
        var clock = Stopwatch.StartNew();
        var (status, body, _) = await PatchCollectionAsync(client, ContactTitles("Second writer", contacts[1], contacts[2]));
        var secondTook = clock.Elapsed;
        var (firstStatus, firstBody, _) = await running;

        AssertAllSucceeded(firstStatus, firstBody, 1);
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.Equal(2, results.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.False(results[i]!["success"]!.GetValue<bool>());
            Assert.Equal(contacts[i + 1], results[i]!["id"]!.GetValue<string>());
            var error = results[i]!["errors"]![0]!;
            Assert.Equal("UNABLE_TO_LOCK_ROW", error["statusCode"]!.GetValue<string>());
            Assert.Equal($"unable to obtain exclusive access to this record or 1 records: {account}", error["message"]!.GetValue<string>());
        }
        // It waited for the row before giving up, then took its own latency: not a refusal on sight.
        Assert.True(secondTook >= Overlapping.RowLockWait + Overlapping.Latency - TimeSpan.FromMilliseconds(10), $"the second write answered after {secondTook}");

        var titles = await TitlesAsync(client, contacts[..3]);
        Assert.Equal("First writer", titles[contacts[0]]);
        Assert.NotEqual("Second writer", titles[contacts[1]]);
        Assert.NotEqual("Second writer", titles[contacts[2]]);

        var stats = await StatsAsync(org);
        Assert.Equal(2, stats["rowLocks"]!.GetValue<long>());
        Assert.Equal(2, stats["writes"]!.GetValue<long>());
        Assert.Equal(0, stats["throttled"]!.GetValue<long>());
        var reset = (JsonObject)JsonNode.Parse(await (await org.Http.PostAsync("/_sandbox/stats/reset", null)).Content.ReadAsStringAsync())!;
        Assert.Equal(0, reset["rowLocks"]!.GetValue<long>());
        Assert.Empty(org.Emulator.Org.HeldRows);
    }

    [Fact]
    public async Task OverlappingUpdates_OfContactsUnderDifferentAccounts_BothSucceed()
    {
        await using var org = await StartAsync(Overlapping);
        using var client = await org.LoginAsRepAsync();
        var accounts = await AccountsWithContactsAsync(client, 1);
        var (one, oneContacts) = accounts[0];
        var (other, otherContacts) = accounts[1];

        var running = PatchCollectionAsync(client, ContactTitles("First writer", oneContacts[0]));
        await WaitUntilHeldAsync(org, one);
        var overlapping = PatchCollectionAsync(client, ContactTitles("Second writer", otherContacts[0]));
        // Both writes hold their accounts at the same moment: they really overlapped.
        await WaitUntilHeldAsync(org, one, other);
        var (status, body, _) = await overlapping;
        var (firstStatus, firstBody, _) = await running;

        AssertAllSucceeded(firstStatus, firstBody, 1);
        AssertAllSucceeded(status, body, 1);
        var titles = await TitlesAsync(client, [oneContacts[0], otherContacts[0]]);
        Assert.Equal("First writer", titles[oneContacts[0]]);
        Assert.Equal("Second writer", titles[otherContacts[0]]);
        Assert.Equal(0, (await StatsAsync(org))["rowLocks"]!.GetValue<long>());
    }

    [Fact]
    public async Task SequentialUpdates_OfContactsUnderOneAccount_BothSucceed()
    {
        await using var org = await StartAsync(Overlapping with { Latency = TimeSpan.FromMilliseconds(200) });
        using var client = await org.LoginAsRepAsync();
        var (account, contacts) = (await AccountsWithContactsAsync(client, 2))[0];

        var (firstStatus, firstBody, _) = await PatchCollectionAsync(client, ContactTitles("First writer", contacts[0]));
        // The first answered, so it released the account; a lock it kept would refuse the second after 150 ms.
        Assert.DoesNotContain(account, org.Emulator.Org.HeldRows);
        var (status, body, _) = await PatchCollectionAsync(client, ContactTitles("Second writer", contacts[1]));

        AssertAllSucceeded(firstStatus, firstBody, 1);
        AssertAllSucceeded(status, body, 1);
        var titles = await TitlesAsync(client, contacts[..2]);
        Assert.Equal("First writer", titles[contacts[0]]);
        Assert.Equal("Second writer", titles[contacts[1]]);
        Assert.Equal(0, (await StatsAsync(org))["rowLocks"]!.GetValue<long>());
    }

    [Fact]
    public async Task OverlappingUpdate_UnderAHeldAccount_WaitsForItAndSucceedsWhenReleasedInTime()
    {
        var options = Overlapping with { Latency = TimeSpan.FromMilliseconds(400), RowLockWait = TimeSpan.FromSeconds(5) };
        await using var org = await StartAsync(options);
        using var client = await org.LoginAsRepAsync();
        var (account, contacts) = (await AccountsWithContactsAsync(client, 2))[0];

        var running = PatchCollectionAsync(client, ContactTitles("First writer", contacts[0]));
        await WaitUntilHeldAsync(org, account);
        var clock = Stopwatch.StartNew();
        var (status, body, _) = await PatchCollectionAsync(client, ContactTitles("Second writer", contacts[1]));
        var secondTook = clock.Elapsed;
        var (firstStatus, firstBody, _) = await running;

        AssertAllSucceeded(firstStatus, firstBody, 1);
        AssertAllSucceeded(status, body, 1);
        // Most of the first write's latency spent waiting for the account, then its own latency.
        Assert.True(secondTook >= options.Latency * 1.5, $"the second write answered after {secondTook}, as if it had not waited");
        Assert.Equal(0, (await StatsAsync(org))["rowLocks"]!.GetValue<long>());
    }

    [Fact]
    public async Task OverlappingUpdates_OfOneAccount_Conflict_WhileAnotherAccountIsFree()
    {
        await using var org = await StartAsync(Overlapping);
        using var client = await org.LoginAsRepAsync();
        var ids = (await QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 2"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToArray();

        var running = PatchCollectionAsync(client, Updates("Account", "BillingCity", "First writer", ids[0]));
        await WaitUntilHeldAsync(org, ids[0]);
        var (status, body, _) = await PatchCollectionAsync(client, Updates("Account", "BillingCity", "Second writer", ids[0], ids[1]));
        var (firstStatus, firstBody, _) = await running;

        AssertAllSucceeded(firstStatus, firstBody, 1);
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.Equal("UNABLE_TO_LOCK_ROW", results[0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.EndsWith(ids[0], results[0]!["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        // allOrNone false: the record whose row was free is saved.
        Assert.True(results[1]!["success"]!.GetValue<bool>(), results[1]!.ToJsonString());
        Assert.Equal(1, (await StatsAsync(org))["rowLocks"]!.GetValue<long>());
    }

    [Fact]
    public async Task SingleRecordWrites_AContactRoleNeedsItsOpportunity_WhichAnOpportunityUpdateHolds()
    {
        await using var org = await StartAsync(Overlapping);
        using var client = await org.LoginAsRepAsync();
        var opportunity = (await QueryAsync(client, "SELECT Id, AccountId FROM Opportunity ORDER BY Id LIMIT 1"))["records"]![0]!;
        var opportunityId = opportunity["Id"]!.GetValue<string>();
        var contact = (await QueryAsync(client, "SELECT Id FROM Contact ORDER BY Id LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        var roles = $"SELECT Id FROM OpportunityContactRole WHERE OpportunityId = '{opportunityId}' AND ContactId = '{contact}'";
        var rolesBefore = (await QueryAsync(client, roles))["totalSize"]!.GetValue<int>();

        var running = SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Opportunity/{opportunityId}", new JsonObject { ["Name"] = "First writer" });
        // An opportunity locks itself and its account.
        await WaitUntilHeldAsync(org, opportunityId, opportunity["AccountId"]!.GetValue<string>());
        var (status, body, _) = await SendAsync(client, HttpMethod.Post, $"/services/data/{V}/sobjects/OpportunityContactRole",
            new JsonObject { ["OpportunityId"] = opportunityId, ["ContactId"] = contact, ["Role"] = "Influencer" });
        var (firstStatus, _, _) = await running;

        Assert.Equal(204, firstStatus);
        Assert.Equal(400, status);
        Assert.Equal("UNABLE_TO_LOCK_ROW", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal($"unable to obtain exclusive access to this record or 1 records: {opportunityId}", body[0]!["message"]!.GetValue<string>());
        Assert.Equal(rolesBefore, (await QueryAsync(client, roles))["totalSize"]!.GetValue<int>());
        Assert.Equal(1, (await StatsAsync(org))["rowLocks"]!.GetValue<long>());

        // The same role once the opportunity is free: it was the lock that refused it, not the role.
        var (retried, _, _) = await SendAsync(client, HttpMethod.Post, $"/services/data/{V}/sobjects/OpportunityContactRole",
            new JsonObject { ["OpportunityId"] = opportunityId, ["ContactId"] = contact, ["Role"] = "Influencer" });
        Assert.Equal(201, retried);
    }
}
