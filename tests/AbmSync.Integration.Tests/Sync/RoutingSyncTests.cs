using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AbmSync.Core.Routing;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Routing in the real sync against both sandboxes: inactive owners replaced within the pod on both sides with the
/// reason on the record, a person's owner change after ours held, a job that died after its write landed
/// replayed by the next delivery (not assigned again), a further delivery changing nothing.
/// </summary>
public class RoutingSyncTests
{
    // 480 accounts give the world twelve reps, the eleventh of whom has left: enough for inactive owners to replace.
    static async Task<IReadOnlyDictionary<string, LedgerEntry>> RoutingAsync(SyncHarness harness) =>
        (await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, AccountRouting.Kind)).ToDictionary(e => e.RecordId, StringComparer.Ordinal);

    static Dictionary<string, JsonNode> ById(JsonObject export, string sObject) =>
        export[sObject]!.AsArray().ToDictionary(r => (string)r!["Id"]!, r => r!, StringComparer.Ordinal);

    [Fact]
    public async Task InactiveOwners_AreReassignedToActiveAesOfThePod_OnBothSides_WithTheReasonOnTheRecord()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 480, seed: 41);
        var seeded = await harness.SalesforceExportAsync();
        var users = ById(seeded, "User");
        var ownersBefore = ById(seeded, "Account").ToDictionary(a => a.Key, a => (string?)a.Value["OwnerId"], StringComparer.Ordinal);

        await harness.SyncAllAsync();

        var routing = await RoutingAsync(harness);
        var assigned = routing.Values.Where(e => e.RuleId == RoutingRulesIds.Assigned).ToList();
        Assert.NotEmpty(assigned);
        var accounts = ById(await harness.SalesforceExportAsync(), "Account");
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray()
            .ToDictionary(c => (string)c!["id"]!, c => c!["properties"]!, StringComparer.Ordinal);
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).ToDictionary(l => l.SalesforceId, l => l.HubSpotId, StringComparer.Ordinal);
        var owners = await harness.Host.Services.GetRequiredService<OwnerDirectory>().GetAsync(CancellationToken.None);
        foreach (var entry in assigned)
        {
            var facts = AccountRouting.Facts(entry)!;
            var before = ownersBefore[entry.RecordId];
            // Replaced because the owner read was missing or inactive, by an active user of the account's pod.
            Assert.True(before is null || users[before]["IsActive"]!.GetValue<bool>() == false, $"{entry.RecordId}: {before} was active");
            Assert.Equal(before, facts.ReplacedOwner);
            Assert.True(users[entry.Value!]["IsActive"]!.GetValue<bool>(), $"{entry.RecordId}: assigned to an inactive user");
            Assert.NotNull(facts.Pod);
            Assert.Equal(entry.Value, (string?)accounts[entry.RecordId]["OwnerId"]);
            Assert.Equal(entry.Reason, (string?)accounts[entry.RecordId][AbmFields.SalesforceRoutingReason]);
            Assert.Contains("inactive", entry.Reason, StringComparison.Ordinal);
            Assert.Equal(owners.HubSpotOwnerOf(entry.Value!), (string?)companies[links[entry.RecordId]][AbmFields.HubSpotOwner]);
        }
        // People whose account keeps an inactive owner (no tier, so not routed) are not given to that user, which
        // Salesforce refuses: they are flagged, and nothing is dead-lettered for it.
        Assert.DoesNotContain(await harness.Store.GetDeadLettersAsync(null, null), d => d.Code == "INVALID_CROSS_REFERENCE_KEY");
        var flaggedForInactive = 0;
        foreach (var pair in new[] { ObjectPairs.Contacts, ObjectPairs.Leads })
        {
            flaggedForInactive += (await harness.Store.CurrentDecisionsAsync(pair, OwnerAlignmentRules.Kind))
                .Count(e => e.Reason.Contains("the account owner is an inactive Salesforce user", StringComparison.Ordinal));
        }
        Assert.True(flaggedForInactive > 0, "no person of an inactive owner's account in this world");
        // Every other account keeps the owner it was read with.
        Assert.All(routing.Values.Where(e => e.RuleId != RoutingRulesIds.Assigned && e.RuleId != RoutingRulesIds.Replay),
            e => Assert.Equal(ownersBefore[e.RecordId], (string?)accounts[e.RecordId]["OwnerId"]));
    }

    [Fact]
    public async Task APersonsOwnerChangeAfterOurAssignment_IsHeld_AndTheNextRunsLeaveIt()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 480, seed: 42);
        // Twice: the first sync's late arrivals (engagement, pipeline, people waiting for their account) settle.
        await harness.SyncAllAsync();
        await harness.SyncAllAsync();
        var routing = await RoutingAsync(harness);
        var entry = routing.Values.Where(e => e.RuleId == RoutingRulesIds.Assigned).OrderBy(e => e.RecordId, StringComparer.Ordinal).First();
        // A rep hands the account to another active user, one routing would not have chosen.
        var users = ById(await harness.SalesforceExportAsync(), "User");
        var other = users.Values.Where(u => u["IsActive"]!.GetValue<bool>() && (string)u["Id"]! != entry.Value)
            .Select(u => (string)u["Id"]!).Order(StringComparer.Ordinal).First();
        await harness.EditAccountAsSalesRepAsync(entry.RecordId, new { OwnerId = other });

        var summary = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));

        Assert.Equal("succeeded", summary.Status);
        Assert.DoesNotContain(summary.Writes, w => w.SalesforceId == entry.RecordId && w.System == "Salesforce" && w.Values.ContainsKey(AbmFields.SalesforceOwner));
        Assert.Equal(other, (string?)ById(await harness.SalesforceExportAsync(), "Account")[entry.RecordId]["OwnerId"]);
        var held = (await RoutingAsync(harness))[entry.RecordId];
        Assert.Equal(RoutingRulesIds.Hold, held.RuleId);
        Assert.Equal(other, held.Value);

        await harness.ResetStatsAsync();
        var again = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
        Assert.Equal("succeeded", again.Status);
        Assert.DoesNotContain(again.Writes, w => w.SalesforceId == entry.RecordId);
        Assert.Equal(other, (string?)ById(await harness.SalesforceExportAsync(), "Account")[entry.RecordId]["OwnerId"]);
    }

    [Fact]
    public async Task AJobThatDiesAfterItsWriteLanded_IsReplayedByTheNextDelivery_NotAssignedAgain_AndAThirdChangesNothing()
    {
        // The reference: the same world routed by one run that is never interrupted.
        IReadOnlyDictionary<string, string?> reference;
        await using (var uninterrupted = await SyncHarness.StartAsync(accounts: 480, seed: 43))
        {
            Assert.Equal("succeeded", (await uninterrupted.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts))).Status);
            reference = (await RoutingAsync(uninterrupted)).ToDictionary(e => e.Key, e => e.Value.Value, StringComparer.Ordinal);
        }
        Assert.Contains(reference.Values, owner => owner is not null);

        await using var harness = await SyncHarness.StartAsync(accounts: 480, seed: 43);
        // The first Salesforce write (a batch of accounts with their new owners) is applied, and its answer withheld:
        // the job dies there, as a worker killed in the middle of a write, before it commits the page.
        using var http = new HttpClient();
        (await http.PostAsync(new Uri(harness.Sandbox.SalesforceUrl, "/_sandbox/hold"), JsonContent.Create(new { afterWrites = 1 }))).EnsureSuccessStatusCode();
        using var dies = new CancellationTokenSource();
        var first = harness.Host.Services.GetRequiredService<SyncRunner>().RunAsync(new SyncRequest(Object: ObjectPairs.Accounts), dies.Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(bool)(await http.GetFromJsonAsync<JsonObject>(new Uri(harness.Sandbox.SalesforceUrl, "/_sandbox/hold")))!["held"]!)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first Salesforce write never came");
            await Task.Delay(50);
        }
        var landed = ById(await harness.SalesforceExportAsync(), "Account");
        var decided = await RoutingAsync(harness);
        var assignedBeforeDeath = decided.Values.Where(e => e.RuleId == RoutingRulesIds.Assigned && (string?)landed[e.RecordId]["OwnerId"] == e.Value).ToList();
        Assert.NotEmpty(assignedBeforeDeath);
        await dies.CancelAsync();
        (await http.DeleteAsync(new Uri(harness.Sandbox.SalesforceUrl, "/_sandbox/hold"))).EnsureSuccessStatusCode();
        try
        {
            await first;
        }
        catch (OperationCanceledException)
        {
        }

        var second = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));

        Assert.Equal("succeeded", second.Status);
        var routed = await RoutingAsync(harness);
        // Every owner is the uninterrupted run's: the assignments that had landed were replayed, none assigned again.
        Assert.Equal(reference, routed.ToDictionary(e => e.Key, e => e.Value.Value, StringComparer.Ordinal));
        var accounts = ById(await harness.SalesforceExportAsync(), "Account");
        Assert.All(routed.Values, e => Assert.Equal(e.Value, (string?)accounts[e.RecordId]["OwnerId"]));
        foreach (var entry in assignedBeforeDeath)
        {
            var history = (await harness.Store.DecisionHistoryAsync(ObjectPairs.Accounts, entry.RecordId)).Where(h => h.Kind == AccountRouting.Kind).ToList();
            Assert.All(history, h => Assert.Equal(entry.Value, h.Value));
            // Still the assignment (replayed from the ledger's entry made before the write), not an owner found and kept.
            Assert.Contains(routed[entry.RecordId].RuleId, new[] { RoutingRulesIds.Assigned, RoutingRulesIds.Replay });
            Assert.Equal(AccountRouting.Facts(entry)!.ReplacedOwner, AccountRouting.Facts(routed[entry.RecordId])!.ReplacedOwner);
        }

        // Delivered once more: nothing to write, and no new routing decision.
        var entries = (await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, AccountRouting.Kind)).Max(e => e.Id);
        await harness.ResetStatsAsync();
        var third = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
        Assert.Equal("succeeded", third.Status);
        Assert.DoesNotContain(third.Writes, w => w.Values.ContainsKey(AbmFields.SalesforceOwner) || w.Values.ContainsKey(AbmFields.SalesforceSdr));
        Assert.Equal(entries, (await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, AccountRouting.Kind)).Max(e => e.Id));
    }
}
