using System.Text.Json.Nodes;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Merges as the APIs make them today, on both sides, with deletes in the same runs: HubSpot merges contacts and
/// companies into a new record with a new id; Salesforce deletes the losers with their MasterRecordId. After the next
/// sync the link follows the surviving record, nothing merged or deleted is created again, and no Salesforce record
/// points at a merged-away HubSpot id.
/// </summary>
public class MergeTests
{
    static async Task<string> MergeAsMarketerAsync(SyncHarness harness, string objectType, string primary, string merged) =>
        (string)JsonNode.Parse(await harness.AsMarketerAsync(HttpMethod.Post, $"/crm/v3/objects/{objectType}/merge", new { primaryObjectId = primary, objectIdToMerge = merged }))!["id"]!;

    static Task ArchiveAsMarketerAsync(SyncHarness harness, string objectType, string id) =>
        harness.AsMarketerAsync(HttpMethod.Delete, $"/crm/v3/objects/{objectType}/{id}");

    static IEnumerable<JsonNode> Live(JsonObject export, string type, string deletedFlag) =>
        export[type]!.AsArray().Where(r => (bool?)r![deletedFlag] != true).Select(r => r!);

    [Fact]
    public async Task MergesOnBothSides_AndADeleteOnEach_ThreeSyncs_LeaveWhatAPersonExpects()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 53);
        await harness.SyncAllAsync();

        var salesforce = await harness.SalesforceExportAsync();
        var contacts = Live(salesforce, "Contact", "IsDeleted").ToList();
        var accountLinks = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).Where(l => l.Status == LinkStatuses.Active).ToDictionary(l => l.SalesforceId);
        var contactLinks = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).Where(l => l.Status == LinkStatuses.Active).ToDictionary(l => l.SalesforceId);
        // Linked accounts that each have linked contacts, so that the children's moves can be seen too.
        var withPeople = accountLinks.Keys.Order(StringComparer.Ordinal)
            .Where(a => contacts.Count(c => (string?)c["AccountId"] == a && contactLinks.ContainsKey((string)c["Id"]!)) >= 2).ToList();
        Assert.True(withPeople.Count >= 4, $"only {withPeople.Count} linked accounts with two linked contacts");
        var (hsPrimaryAccount, hsMergedAccount, sfMaster, sfLoser) = (withPeople[0], withPeople[1], withPeople[2], withPeople[3]);
        var peopleOf = (string account) => contacts.Where(c => (string?)c["AccountId"] == account).Select(c => (string)c["Id"]!).Where(contactLinks.ContainsKey).Order(StringComparer.Ordinal).ToList();
        var (hsPrimaryContact, hsMergedContact) = (peopleOf(hsPrimaryAccount)[0], peopleOf(hsPrimaryAccount)[1]);
        var deletedInSalesforce = peopleOf(sfMaster)[0];
        var archivedInHubSpot = peopleOf(hsMergedAccount)[0];
        var companiesBefore = Live(await harness.HubSpotExportAsync(), "companies", "archived").Count();
        var mergedAway = new[]
        {
            accountLinks[hsPrimaryAccount].HubSpotId, accountLinks[hsMergedAccount].HubSpotId, accountLinks[sfMaster].HubSpotId, accountLinks[sfLoser].HubSpotId,
            contactLinks[hsPrimaryContact].HubSpotId, contactLinks[hsMergedContact].HubSpotId,
        };

        // A marketer merges two companies and two people; a rep merges two accounts; each side deletes a contact.
        var mergedCompany = await MergeAsMarketerAsync(harness, "companies", accountLinks[hsPrimaryAccount].HubSpotId, accountLinks[hsMergedAccount].HubSpotId);
        var mergedPerson = await MergeAsMarketerAsync(harness, "contacts", contactLinks[hsPrimaryContact].HubSpotId, contactLinks[hsMergedContact].HubSpotId);
        var sfMerge = await harness.Sandbox.MergeAsSalesRepAsync("Account", sfMaster, [sfLoser]);
        await harness.Sandbox.DeleteAsSalesRepAsync("Contact", deletedInSalesforce);
        await ArchiveAsMarketerAsync(harness, "contacts", contactLinks[archivedInHubSpot].HubSpotId);

        await harness.SyncAllAsync();
        await harness.SyncAllAsync();
        var third = await harness.SyncAllAsync();

        var accountsAfter = await harness.Store.GetLinksAsync(ObjectPairs.Accounts, [hsPrimaryAccount, hsMergedAccount, sfMaster, sfLoser]);
        var contactsAfter = await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [hsPrimaryContact, hsMergedContact, deletedInSalesforce, archivedInHubSpot]);
        var hubSpot = await harness.HubSpotExportAsync();
        salesforce = await harness.SalesforceExportAsync();
        var liveCompanies = Live(hubSpot, "companies", "archived").ToDictionary(c => (string)c["id"]!);
        var livePeople = Live(hubSpot, "contacts", "archived").ToDictionary(c => (string)c["id"]!);

        // HubSpot's company merge: the primary's account follows the new record; the other keeps no twin and gets none.
        Assert.Equal(mergedCompany, accountsAfter[hsPrimaryAccount].HubSpotId);
        Assert.Equal(LinkStatuses.Active, accountsAfter[hsPrimaryAccount].Status);
        Assert.Equal(LinkStatuses.HubSpotMerged, accountsAfter[hsMergedAccount].Status);
        Assert.Equal(mergedCompany, accountsAfter[hsMergedAccount].MergedInto);
        Assert.Equal(hsPrimaryAccount, (string?)liveCompanies[mergedCompany]["properties"]!["abm_salesforce_id"]);
        // The same for people.
        Assert.Equal(mergedPerson, contactsAfter[hsPrimaryContact].HubSpotId);
        Assert.Equal(LinkStatuses.HubSpotMerged, contactsAfter[hsMergedContact].Status);
        // The rep's account merge: the loser's company went into the master's, as a new record the master links to.
        var masterTwin = accountsAfter[sfMaster].HubSpotId;
        Assert.DoesNotContain(masterTwin, mergedAway);
        Assert.True(liveCompanies.ContainsKey(masterTwin), $"the master's twin {masterTwin} is not a live company");
        Assert.Equal(sfMaster, (string?)liveCompanies[masterTwin]["properties"]!["abm_salesforce_id"]);
        Assert.Equal(LinkStatuses.SalesforceMerged, accountsAfter[sfLoser].Status);
        Assert.Contains(accountLinks[sfLoser].HubSpotId, hubSpot["merges"]!["companies"]!.AsObject().Select(m => m.Key));
        // Two merges, two companies fewer; nothing created for the accounts that lost their twins.
        Assert.Equal(companiesBefore - 2, liveCompanies.Count);

        // No live Salesforce record points at a merged-away or missing HubSpot record.
        foreach (var (type, live) in new[] { ("Account", liveCompanies), ("Contact", livePeople) })
        {
            foreach (var record in Live(salesforce, type, "IsDeleted"))
            {
                if ((string?)record["ABM_HubSpot_Id__c"] is { Length: > 0 } twin)
                {
                    Assert.True(live.ContainsKey(twin), $"{type} {(string)record["Id"]!} points at {twin}, which is no live HubSpot record (merged away: {mergedAway.Contains(twin)}, archived: {hubSpot[type == "Account" ? "companies" : "contacts"]!.AsArray().Any(r => (string)r!["id"]! == twin)})");
                }
            }
        }
        var accounts = Live(salesforce, "Account", "IsDeleted").ToDictionary(a => (string)a["Id"]!);
        Assert.Equal(mergedCompany, (string?)accounts[hsPrimaryAccount]["ABM_HubSpot_Id__c"]);
        Assert.Null((string?)accounts[hsMergedAccount]["ABM_HubSpot_Id__c"]);
        Assert.Equal(masterTwin, (string?)accounts[sfMaster]["ABM_HubSpot_Id__c"]);

        // The loser's contacts moved to the master in Salesforce and to the master's twin in HubSpot.
        foreach (var moved in sfMerge.UpdatedRelatedIds.Where(id => id.StartsWith("003", StringComparison.Ordinal) && contactLinks.ContainsKey(id)))
        {
            var twin = (await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [moved]))[moved].HubSpotId;
            Assert.Equal(masterTwin, (string?)livePeople[twin]["properties"]!["associatedcompanyid"]);
        }

        // The deletes: each link is a tombstone, the twin left where it was (onDelete: unlink), nothing re-created.
        Assert.Equal(LinkStatuses.SalesforceDeleted, contactsAfter[deletedInSalesforce].Status);
        Assert.True(livePeople.ContainsKey(contactLinks[deletedInSalesforce].HubSpotId));
        Assert.Equal(LinkStatuses.HubSpotDeleted, contactsAfter[archivedInHubSpot].Status);
        Assert.DoesNotContain(livePeople.Values, p => (string?)p["properties"]!["abm_salesforce_id"] == archivedInHubSpot);

        // The third pass has nothing left to do.
        Assert.All(third, s => Assert.True(s.HubSpotCreated + s.HubSpotUpdated + s.SalesforceCreated + s.SalesforceUpdated == 0,
            $"{s.Object}: HubSpot {s.HubSpotCreated}/{s.HubSpotUpdated}, Salesforce {s.SalesforceCreated}/{s.SalesforceUpdated}: {string.Join("; ", s.Writes.Take(5).Select(w => $"{w.System} {w.Operation} {w.SalesforceId} {string.Join(",", w.Values.Keys)}"))}"));
    }

    [Fact]
    public async Task ASalesforceMasterWithoutALink_TakesTheLosersTwin_NoSecondCompany()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 54);
        await harness.SyncAllAsync();
        var loser = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).Where(l => l.Status == LinkStatuses.Active).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var companies = Live(await harness.HubSpotExportAsync(), "companies", "archived").Count();

        // A rep enters the company again, then merges the synced account into the new one before any sync sees it.
        var master = await harness.Sandbox.CreateAsSalesRepAsync("Account", new { Name = "Merged Master Co", Type = "Prospect" });
        await harness.Sandbox.MergeAsSalesRepAsync("Account", master, [loser.SalesforceId]);
        await harness.SyncAllAsync();
        var second = await harness.SyncAllAsync();

        var links = await harness.Store.GetLinksAsync(ObjectPairs.Accounts, [master, loser.SalesforceId]);
        Assert.Equal((loser.HubSpotId, LinkStatuses.Active), (links[master].HubSpotId, links[master].Status));
        Assert.False(links.ContainsKey(loser.SalesforceId));
        var hubSpot = await harness.HubSpotExportAsync();
        Assert.Equal(companies, Live(hubSpot, "companies", "archived").Count());
        Assert.Equal(master, (string?)Live(hubSpot, "companies", "archived").Single(c => (string)c["id"]! == loser.HubSpotId)["properties"]!["abm_salesforce_id"]);
        Assert.Equal(loser.HubSpotId, (string?)Live(await harness.SalesforceExportAsync(), "Account", "IsDeleted").Single(a => (string)a["Id"]! == master)["ABM_HubSpot_Id__c"]);
        Assert.Equal(0, second.Single(s => s.Object == ObjectPairs.Accounts).HubSpotCreated);
    }

    [Fact]
    public async Task OnMergeUnlink_LeavesTheLosersTwinInHubSpot_AndTheMasterKeepsItsOwn()
    {
        var mappings = Directory.CreateTempSubdirectory("abmsync-mappings-");
        foreach (var file in Directory.GetFiles(Path.Combine(SyncHarness.RepositoryRoot(), "mappings"), "*.yaml"))
        {
            File.WriteAllText(Path.Combine(mappings.FullName, Path.GetFileName(file)), File.ReadAllText(file).Replace("onMerge: merge-twins", "onMerge: unlink"));
        }
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 55, settings: new Dictionary<string, string?> { ["Mappings:Directory"] = mappings.FullName });
        await harness.SyncAllAsync();
        var linked = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).Where(l => l.Status == LinkStatuses.Active).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (master, loser) = (linked[0], linked[1]);

        await harness.Sandbox.MergeAsSalesRepAsync("Account", master.SalesforceId, [loser.SalesforceId]);
        await harness.SyncAllAsync();

        var links = await harness.Store.GetLinksAsync(ObjectPairs.Accounts, [master.SalesforceId, loser.SalesforceId]);
        Assert.Equal(master.HubSpotId, links[master.SalesforceId].HubSpotId);
        Assert.Equal(LinkStatuses.SalesforceMerged, links[loser.SalesforceId].Status);
        var live = Live(await harness.HubSpotExportAsync(), "companies", "archived").Select(c => (string)c["id"]!).ToHashSet();
        Assert.Contains(master.HubSpotId, live);
        Assert.Contains(loser.HubSpotId, live);
        Assert.DoesNotContain((await harness.HubSpotExportAsync())["merges"]!["companies"]!.AsObject(), m => m.Key == loser.HubSpotId || m.Key == master.HubSpotId);
    }

    [Fact]
    public async Task ADealMerge_KeepsThePrimarysId_ItsOpportunityKeepsTheLink_TheOtherLosesItsTwinId()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 56);
        await harness.SyncAllAsync();
        var deals = (await harness.Store.AllLinksAsync(ObjectPairs.Opportunities)).Where(l => l.Status == LinkStatuses.Active).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (primary, merged) = (deals[0], deals[1]);

        var result = await MergeAsMarketerAsync(harness, "deals", primary.HubSpotId, merged.HubSpotId);
        Assert.Equal(primary.HubSpotId, result);
        await harness.SyncAllAsync();
        var second = await harness.SyncAllAsync();

        var links = await harness.Store.GetLinksAsync(ObjectPairs.Opportunities, [primary.SalesforceId, merged.SalesforceId]);
        Assert.Equal((LinkStatuses.Active, primary.HubSpotId), (links[primary.SalesforceId].Status, links[primary.SalesforceId].HubSpotId));
        Assert.Equal((LinkStatuses.HubSpotMerged, primary.HubSpotId), (links[merged.SalesforceId].Status, links[merged.SalesforceId].MergedInto));
        var opportunities = Live(await harness.SalesforceExportAsync(), "Opportunity", "IsDeleted").ToDictionary(o => (string)o["Id"]!);
        Assert.Equal(primary.HubSpotId, (string?)opportunities[primary.SalesforceId]["ABM_HubSpot_Id__c"]);
        Assert.Null((string?)opportunities[merged.SalesforceId]["ABM_HubSpot_Id__c"]);
        // Nothing is created for the opportunity that lost its deal.
        Assert.Equal(0, second.Single(s => s.Object == ObjectPairs.Opportunities).HubSpotCreated);
    }
}
