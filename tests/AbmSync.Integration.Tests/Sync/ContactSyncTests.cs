using System.Text.Json.Nodes;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Contacts on the same engine as accounts: matched by email, their account carried as the primary company
/// association, people's edits on both sides crossing once, and a contact whose account is not linked yet waiting.
/// </summary>
public class ContactSyncTests
{
    static Task<SyncSummary> SyncContactsAsync(SyncHarness harness) => harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));

    static async Task SyncAllAsync(SyncHarness harness)
    {
        foreach (var pair in ObjectPairs.All)
        {
            Assert.Equal("succeeded", (await harness.SyncAsync(new SyncRequest(Object: pair))).Status);
        }
    }

    /// <summary>HubSpot contact id → the company ids it has as primary (the portal keeps company → contact type 2).</summary>
    static Dictionary<string, List<string>> PrimaryCompanies(JsonObject hubSpot) => hubSpot["associations"]!.AsArray()
        .Where(a => (string)a!["from"]! == "companies" && (string)a["to"]! == "contacts" && (int)a["typeId"]! == 2)
        .GroupBy(a => (string)a!["toId"]!)
        .ToDictionary(g => g.Key, g => g.Select(a => (string)a!["fromId"]!).ToList());

    [Fact]
    public async Task FirstSync_EachIncludedContactHasOneTwin_ReusedByEmail_ItsPrimaryCompanyIsItsAccountsTwin_SecondWritesNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 150, seed: 19);
        var before = (await harness.HubSpotExportAsync())["contacts"]!.AsArray()
            .Where(c => (string?)c!["properties"]!["email"] is { Length: > 0 })
            .ToDictionary(c => ((string)c!["properties"]!["email"]!).ToLowerInvariant(), c => (string)c!["id"]!);

        await SyncAllAsync(harness);
        var second = await SyncContactsAsync(harness);

        var salesforce = await harness.SalesforceExportAsync();
        var accounts = salesforce["Account"]!.AsArray().ToDictionary(a => (string)a!["Id"]!, a => a!.AsObject());
        var included = salesforce["Contact"]!.AsArray().Select(c => c!.AsObject())
            .Where(c => (string?)c["AccountId"] is { } account && (string?)accounts[account]["Type"] is not ("Partner" or "Competitor")).ToList();
        var hubSpot = await harness.HubSpotExportAsync();
        var twins = hubSpot["contacts"]!.AsArray().Where(c => (string?)c!["properties"]!["abm_salesforce_id"] is not null)
            .GroupBy(c => (string)c!["properties"]!["abm_salesforce_id"]!).ToDictionary(g => g.Key, g => g.ToList());
        var companyOf = hubSpot["companies"]!.AsArray().Where(c => (string?)c!["properties"]!["abm_salesforce_id"] is not null)
            .ToDictionary(c => (string)c!["properties"]!["abm_salesforce_id"]!, c => (string)c!["id"]!);
        var primary = PrimaryCompanies(hubSpot);
        var reused = 0;
        Assert.NotEmpty(included);
        foreach (var contact in included)
        {
            var twin = Assert.Single(twins[(string)contact["Id"]!]);
            var twinId = (string)twin!["id"]!;
            Assert.Equal(twinId, (string?)contact["ABM_HubSpot_Id__c"]);
            Assert.Equal([companyOf[(string)contact["AccountId"]!]], primary[twinId]);
            if ((string?)contact["Email"] is { } email && before.TryGetValue(email.Trim().ToLowerInvariant(), out var existing))
            {
                Assert.Equal(existing, twinId);
                reused++;
            }
        }
        Assert.True(reused > 0, "some contacts should have been linked to the HubSpot contact with their email");
        Assert.Equal(included.Count, twins.Count);
        Assert.Equal(0, second.HubSpotUpdated + second.HubSpotCreated + second.SalesforceUpdated);
    }

    [Fact]
    public async Task OneEditEachSide_TenCycles_FirstCarriesThem_LaterCyclesWriteNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 20);
        await SyncAllAsync(harness);
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (salesforceEdited, hubSpotEdited) = (links[0], links[1]);
        await harness.Sandbox.EditAsSalesRepAsync("Contact", salesforceEdited.SalesforceId, new { Title = "VP Revenue Operations" });
        await harness.Sandbox.EditAsMarketerAsync("contacts", hubSpotEdited.HubSpotId, new Dictionary<string, string> { ["phone"] = "+1 555 0100" });

        var writes = new List<(int Salesforce, int HubSpot)>();
        for (var cycle = 1; cycle <= 10; cycle++)
        {
            var summary = await SyncContactsAsync(harness);
            Assert.Equal("succeeded", summary.Status);
            writes.Add((summary.SalesforceUpdated, summary.HubSpotUpdated + summary.HubSpotCreated));
        }

        // Salesforce: the phone, and the buying role the rep's new title gives ("VP Revenue Operations": a champion);
        // HubSpot: the title with that role, in one write.
        Assert.Equal((2, 1), writes[0]);
        Assert.All(writes.Skip(1), w => Assert.Equal((0, 0), w));
        var contacts = (await harness.SalesforceExportAsync())["Contact"]!.AsArray();
        var people = (await harness.HubSpotExportAsync())["contacts"]!.AsArray();
        Assert.Equal("VP Revenue Operations", (string?)people.Single(p => (string)p!["id"]! == salesforceEdited.HubSpotId)!["properties"]!["jobtitle"]);
        Assert.Equal("+1 555 0100", (string?)contacts.Single(c => (string)c!["Id"]! == hubSpotEdited.SalesforceId)!["Phone"]);
    }

    [Fact]
    public async Task ContactWhoseAccountIsNotLinkedYet_Waits_Recorded_ThenGoesThroughOnceItIs()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 40, seed: 21);
        await SyncAllAsync(harness);
        var account = await harness.Sandbox.CreateAsSalesRepAsync("Account", new { Name = "Brand New Prospect", Website = "https://brand-new-prospect.example", Type = "Prospect" });
        var contact = await harness.Sandbox.CreateAsSalesRepAsync("Contact", new { LastName = "Newcomer", FirstName = "Nia", Email = "nia@brand-new-prospect.example", AccountId = account });

        var early = await SyncContactsAsync(harness);

        Assert.Equal(1, early.DeadLettered);
        var waiting = Assert.Single(await harness.Store.GetDeadLettersAsync(ObjectPairs.Contacts, "open"));
        Assert.Equal((contact, "WAITING_FOR_PARENT"), (waiting.RecordId, waiting.Code));
        Assert.DoesNotContain((await harness.HubSpotExportAsync())["contacts"]!.AsArray(), c => (string?)c!["properties"]!["abm_salesforce_id"] == contact);

        await SyncAllAsync(harness);

        Assert.Empty(await harness.Store.GetDeadLettersAsync(ObjectPairs.Contacts, "open"));
        var hubSpot = await harness.HubSpotExportAsync();
        var twin = Assert.Single(hubSpot["contacts"]!.AsArray(), c => (string?)c!["properties"]!["abm_salesforce_id"] == contact)!;
        var company = Assert.Single(hubSpot["companies"]!.AsArray(), c => (string?)c!["properties"]!["abm_salesforce_id"] == account)!;
        Assert.Equal([(string)company["id"]!], PrimaryCompanies(hubSpot)[(string)twin["id"]!]);
    }
}
