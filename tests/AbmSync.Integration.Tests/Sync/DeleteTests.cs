using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Deletes on either side: the mapping's onDelete decides the twin's fate, the link stays as a tombstone, and nothing
/// deleted is ever created again by a later sync.
/// </summary>
public class DeleteTests
{
    static Task SyncAllAsync(SyncHarness harness) => harness.SyncAllAsync();

    static Task ArchiveAsMarketerAsync(SyncHarness harness, string objectType, string id) =>
        harness.AsMarketerAsync(HttpMethod.Delete, $"/crm/v3/objects/{objectType}/{id}");

    /// <summary>Live (not archived, not deleted) people on one side.</summary>
    static async Task<int> LiveAsync(SyncHarness harness, bool hubSpot) => hubSpot
        ? (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Count(c => (bool?)c!["archived"] != true)
        : (await harness.SalesforceExportAsync())["Contact"]!.AsArray().Count(c => (bool?)c!["IsDeleted"] != true);

    static async Task<SyncHarness> StartWithAsync(int seed, Func<string, string, string>? edit = null)
    {
        var mappings = Directory.CreateTempSubdirectory("abmsync-mappings-");
        foreach (var file in Directory.GetFiles(Path.Combine(SyncHarness.RepositoryRoot(), "mappings"), "*.yaml"))
        {
            var text = File.ReadAllText(file);
            File.WriteAllText(Path.Combine(mappings.FullName, Path.GetFileName(file)), edit?.Invoke(Path.GetFileName(file), text) ?? text);
        }
        return await SyncHarness.StartAsync(accounts: 60, seed: seed, settings: new Dictionary<string, string?> { ["Mappings:Directory"] = mappings.FullName });
    }

    [Fact]
    public async Task DeletedOnEitherSide_Unlink_TheLinkIsATombstone_AndNothingIsCreatedAgain()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 41);
        await SyncAllAsync(harness);
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (deletedInSalesforce, deletedInHubSpot) = (links[0], links[1]);
        var peopleBefore = await LiveAsync(harness, hubSpot: true);
        var contactsBefore = await LiveAsync(harness, hubSpot: false);

        await harness.Sandbox.DeleteAsSalesRepAsync("Contact", deletedInSalesforce.SalesforceId);
        await ArchiveAsMarketerAsync(harness, "contacts", deletedInHubSpot.HubSpotId);
        await SyncAllAsync(harness);

        var after = await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [deletedInSalesforce.SalesforceId, deletedInHubSpot.SalesforceId]);
        Assert.Equal(LinkStatuses.SalesforceDeleted, after[deletedInSalesforce.SalesforceId].Status);
        Assert.Equal(LinkStatuses.HubSpotDeleted, after[deletedInHubSpot.SalesforceId].Status);
        // onDelete: unlink leaves each twin where it is.
        Assert.Contains((await harness.HubSpotExportAsync())["contacts"]!.AsArray(), c => (string)c!["id"]! == deletedInSalesforce.HubSpotId);
        Assert.Contains((await harness.SalesforceExportAsync())["Contact"]!.AsArray(), c => (string)c!["Id"]! == deletedInHubSpot.SalesforceId);

        // People keep editing the twins left behind: neither deleted record comes back, and no error piles up.
        await harness.Sandbox.EditAsMarketerAsync("contacts", deletedInSalesforce.HubSpotId, new Dictionary<string, string> { ["lifecyclestage"] = "salesqualifiedlead", ["jobtitle"] = "Still here" });
        await harness.Sandbox.EditAsSalesRepAsync("Contact", deletedInHubSpot.SalesforceId, new { Title = "Still here too" });
        await SyncAllAsync(harness);
        await SyncAllAsync(harness);

        Assert.Equal(peopleBefore - 1, await LiveAsync(harness, hubSpot: true));
        Assert.Equal(contactsBefore - 1, await LiveAsync(harness, hubSpot: false));
        Assert.DoesNotContain(await harness.Store.GetDeadLettersAsync(ObjectPairs.Contacts, "open"),
            d => d.RecordId == deletedInSalesforce.SalesforceId || d.RecordId == deletedInHubSpot.SalesforceId);
    }

    [Fact]
    public async Task Propagate_ASalesforceDeleteArchivesTheTwin_ButAHubSpotDeleteNeverDeletesAnAccount()
    {
        await using var harness = await StartWithAsync(42, (file, text) => file is "contacts.yaml" or "accounts.yaml" ? text.Replace("onDelete: unlink", "onDelete: propagate") : text);
        await SyncAllAsync(harness);
        var contact = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var account = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).Last();

        await harness.Sandbox.DeleteAsSalesRepAsync("Contact", contact.SalesforceId);
        await ArchiveAsMarketerAsync(harness, "companies", account.HubSpotId);
        await SyncAllAsync(harness);

        Assert.DoesNotContain((await harness.HubSpotExportAsync())["contacts"]!.AsArray(), c => (string)c!["id"]! == contact.HubSpotId && (bool?)c["archived"] != true);
        Assert.Contains((await harness.SalesforceExportAsync())["Account"]!.AsArray(), a => (string)a!["Id"]! == account.SalesforceId && (bool?)a["IsDeleted"] != true);
        Assert.Equal(LinkStatuses.SalesforceDeleted, (await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [contact.SalesforceId]))[contact.SalesforceId].Status);
        Assert.Equal(LinkStatuses.HubSpotDeleted, (await harness.Store.GetLinksAsync(ObjectPairs.Accounts, [account.SalesforceId]))[account.SalesforceId].Status);
        // The account's next edit creates no second company.
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray().Count(c => (bool?)c!["archived"] != true);
        await harness.EditAccountAsSalesRepAsync(account.SalesforceId, new { NumberOfEmployees = 1234 });
        await SyncAllAsync(harness);
        Assert.Equal(companies, (await harness.HubSpotExportAsync())["companies"]!.AsArray().Count(c => (bool?)c!["archived"] != true));
    }

    [Fact]
    public async Task ACursorOlderThanTheDeletedRecordsWindow_IsAGap_AndTheIdSweepFindsTheDeletes()
    {
        var clock = new MovableClock();
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 43, time: clock);
        await SyncAllAsync(harness);
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (longAgo, lately) = (links[0], links[1]);

        // Deleted, then 31 days without a sync: the recycle bin was emptied after 15, and the deleted records reach back 30.
        await harness.Sandbox.DeleteAsSalesRepAsync("Contact", longAgo.SalesforceId);
        clock.Advance(TimeSpan.FromDays(31));
        var gap = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));
        Assert.Equal("succeeded", gap.Status);
        Assert.NotNull(gap.DeleteGap);
        Assert.Contains("30 days", gap.DeleteGap, StringComparison.Ordinal);
        Assert.Equal(LinkStatuses.SalesforceDeleted, (await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [longAgo.SalesforceId]))[longAgo.SalesforceId].Status);
        var twin = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Single(c => (string)c!["id"]! == longAgo.HubSpotId)!;
        Assert.True(string.IsNullOrEmpty((string?)twin["properties"]!["abm_salesforce_id"]), "the twin left behind still names the deleted contact");

        // Deleted 20 days before the next sync: out of the recycle bin, but the deleted call still reports it; no gap.
        await harness.Sandbox.DeleteAsSalesRepAsync("Contact", lately.SalesforceId);
        clock.Advance(TimeSpan.FromDays(20));
        var inWindow = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));
        Assert.Equal("succeeded", inWindow.Status);
        Assert.Null(inWindow.DeleteGap);
        Assert.Equal(1, inWindow.Deleted);
        Assert.Equal(LinkStatuses.SalesforceDeleted, (await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [lately.SalesforceId]))[lately.SalesforceId].Status);

        // Neither comes back, and a later pass finds nothing more to end.
        var after = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));
        Assert.Equal((0, 0), (after.Unlinked, after.HubSpotCreated));
    }

    [Fact]
    public async Task AGdprDeletedPerson_IsNeverCreatedAgain_NotEvenFromANewSalesforceLeadWithTheirEmail()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 44);
        await SyncAllAsync(harness);
        var link = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var contact = (await harness.SalesforceExportAsync())["Contact"]!.AsArray().Single(c => (string)c!["Id"]! == link.SalesforceId)!;
        var email = (string)contact["Email"]!;

        await harness.AsMarketerAsync(HttpMethod.Post, "/crm/v3/objects/contacts/gdpr-delete", new { objectId = link.HubSpotId });
        // The rep keeps editing the contact, and someone enters the person again under the same account.
        await harness.Sandbox.EditAsSalesRepAsync("Contact", link.SalesforceId, new { Title = "Edited after the GDPR delete" });
        await SyncAllAsync(harness);
        // (As a lead: the org's duplicate rule keeps a second contact with the email from being saved.)
        var again = await harness.Sandbox.CreateAsSalesRepAsync("Lead", new { LastName = "Again", Company = "Same person", Email = email.ToUpperInvariant() });
        await SyncAllAsync(harness);
        await SyncAllAsync(harness);

        Assert.Equal(LinkStatuses.HubSpotDeleted, (await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [link.SalesforceId]))[link.SalesforceId].Status);
        Assert.Empty(await harness.Store.GetLinksAsync(ObjectPairs.Leads, [again]));
        Assert.DoesNotContain((await harness.HubSpotExportAsync())["contacts"]!.AsArray(),
            c => string.Equals((string?)c!["properties"]!["email"], email, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(email, await harness.Store.ForgottenAsync([email]));
    }

    [Fact]
    public async Task AnUndeletedOrRestoredRecord_RelinksToItsSurvivingTwin_AndSyncsAgain()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 45);
        await SyncAllAsync(harness);
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (undeleted, restored) = (links[0], links[1]);
        await harness.Sandbox.DeleteAsSalesRepAsync("Contact", undeleted.SalesforceId);
        await ArchiveAsMarketerAsync(harness, "contacts", restored.HubSpotId);
        await SyncAllAsync(harness);
        var ended = await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [undeleted.SalesforceId, restored.SalesforceId]);
        Assert.Equal((LinkStatuses.SalesforceDeleted, LinkStatuses.HubSpotDeleted), (ended[undeleted.SalesforceId].Status, ended[restored.SalesforceId].Status));

        // Out of the recycle bins again: each pair is linked again and people's edits flow.
        await harness.Sandbox.UndeleteAsSalesRepAsync(undeleted.SalesforceId);
        await harness.Sandbox.RestoreAsMarketerAsync("contacts", restored.HubSpotId);
        await SyncAllAsync(harness);
        var back = await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [undeleted.SalesforceId, restored.SalesforceId]);
        Assert.Equal((LinkStatuses.Active, undeleted.HubSpotId), (back[undeleted.SalesforceId].Status, back[undeleted.SalesforceId].HubSpotId));
        Assert.Equal((LinkStatuses.Active, restored.HubSpotId), (back[restored.SalesforceId].Status, back[restored.SalesforceId].HubSpotId));

        await harness.Sandbox.EditAsSalesRepAsync("Contact", undeleted.SalesforceId, new { Title = "Back from the recycle bin" });
        await harness.Sandbox.EditAsSalesRepAsync("Contact", restored.SalesforceId, new { Title = "Restored in HubSpot" });
        await SyncAllAsync(harness);
        var people = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().ToDictionary(c => (string)c!["id"]!);
        Assert.Equal("Back from the recycle bin", (string?)people[undeleted.HubSpotId]!["properties"]!["jobtitle"]);
        Assert.Equal(undeleted.SalesforceId, (string?)people[undeleted.HubSpotId]!["properties"]!["abm_salesforce_id"]);
        Assert.Equal("Restored in HubSpot", (string?)people[restored.HubSpotId]!["properties"]!["jobtitle"]);
        var contacts = (await harness.SalesforceExportAsync())["Contact"]!.AsArray().ToDictionary(c => (string)c!["Id"]!);
        Assert.Equal(restored.HubSpotId, (string?)contacts[restored.SalesforceId]!["ABM_HubSpot_Id__c"]);
        Assert.NotNull((string?)contacts[restored.SalesforceId]!["AccountId"]);
    }
}
