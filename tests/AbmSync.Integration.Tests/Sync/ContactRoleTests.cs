using System.Text.Json.Nodes;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// An opportunity's contact roles and its deal's contacts are one set, merged both ways among contacts linked on both
/// sides: an add or a remove on either side crosses, a contact not synced never does.
/// </summary>
public class ContactRoleTests
{
    static async Task<HashSet<string>> DealContactsAsync(SyncHarness harness, string dealId)
    {
        var body = JsonNode.Parse(await harness.AsMarketerAsync(HttpMethod.Get, $"/crm/v4/objects/deals/{dealId}/associations/contacts"))!;
        return [.. body["results"]!.AsArray().Select(r => r!["toObjectId"]!.ToString())];
    }

    static async Task<List<(string Id, string Contact)>> RolesAsync(SyncHarness harness, string opportunityId) =>
        [.. (await harness.SalesforceExportAsync())["OpportunityContactRole"]!.AsArray()
            .Where(r => (bool?)r!["IsDeleted"] != true && (string?)r["OpportunityId"] == opportunityId)
            .Select(r => ((string)r!["Id"]!, (string)r["ContactId"]!))];

    [Fact]
    public async Task RolesAndDealContacts_AreOneSet_AddsAndRemovesCrossBothWays_AmongLinkedContacts()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 61);
        await harness.SyncAllAsync();
        var salesforce = await harness.SalesforceExportAsync();
        var contactLinks = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).Where(l => l.Status == LinkStatuses.Active).ToDictionary(l => l.SalesforceId);
        var opportunityLinks = (await harness.Store.AllLinksAsync(ObjectPairs.Opportunities)).Where(l => l.Status == LinkStatuses.Active).ToList();
        var contacts = salesforce["Contact"]!.AsArray().Where(c => (bool?)c!["IsDeleted"] != true).ToList();
        // An opportunity whose account has at least three linked contacts.
        var (opportunity, deal, people) = opportunityLinks.OrderBy(l => l.SalesforceId, StringComparer.Ordinal)
            .Select(l => (Link: l, Account: (string?)salesforce["Opportunity"]!.AsArray().Single(o => (string)o!["Id"]! == l.SalesforceId)!["AccountId"]))
            .Select(x => (x.Link.SalesforceId, x.Link.HubSpotId, People: contacts.Where(c => (string?)c!["AccountId"] == x.Account).Select(c => (string)c!["Id"]!)
                .Where(contactLinks.ContainsKey).Order(StringComparer.Ordinal).ToList()))
            .First(x => x.People.Count >= 3);

        // After the first sync both sides hold the same linked contacts.
        var linkedRoles = (await RolesAsync(harness, opportunity)).Select(r => r.Contact).Where(contactLinks.ContainsKey).Select(c => contactLinks[c].HubSpotId).ToHashSet();
        var linkedDealContacts = (await DealContactsAsync(harness, deal)).Where(h => contactLinks.Values.Any(l => l.HubSpotId == h)).ToHashSet();
        Assert.Equal(linkedRoles.Order(), linkedDealContacts.Order());

        // A rep gives the opportunity a role for one person; a marketer adds another to the deal (and edits it).
        var (byRep, byMarketer) = (people.First(p => !linkedRoles.Contains(contactLinks[p].HubSpotId)), people.Last(p => !linkedRoles.Contains(contactLinks[p].HubSpotId)));
        Assert.NotEqual(byRep, byMarketer);
        await harness.Sandbox.CreateAsSalesRepAsync("OpportunityContactRole", new { OpportunityId = opportunity, ContactId = byRep, Role = "Decision Maker" });
        await harness.AsMarketerAsync(HttpMethod.Put, $"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contactLinks[byMarketer].HubSpotId}");
        await harness.Sandbox.EditAsMarketerAsync("deals", deal, new Dictionary<string, string> { ["description"] = "Buying committee grew" });
        var added = (await harness.SyncAllAsync()).Single(s => s.Object == ObjectPairs.Opportunities);

        Assert.Equal(2, added.LinkSetChanges);
        Assert.Contains(contactLinks[byRep].HubSpotId, await DealContactsAsync(harness, deal));
        Assert.Contains(byMarketer, (await RolesAsync(harness, opportunity)).Select(r => r.Contact));

        // The rep removes the role again: the role change alone (the opportunity is untouched) takes it off the deal.
        var role = (await RolesAsync(harness, opportunity)).First(r => r.Contact == byRep);
        await harness.Sandbox.DeleteAsSalesRepAsync("OpportunityContactRole", role.Id);
        var removed = (await harness.SyncAllAsync()).Single(s => s.Object == ObjectPairs.Opportunities);

        Assert.Equal(1, removed.LinkSetChanges);
        Assert.DoesNotContain(contactLinks[byRep].HubSpotId, await DealContactsAsync(harness, deal));
        Assert.Contains(byMarketer, (await RolesAsync(harness, opportunity)).Select(r => r.Contact));

        // Nothing left to do: no contact role or association written again.
        var quiet = (await harness.SyncAllAsync()).Single(s => s.Object == ObjectPairs.Opportunities);
        Assert.Equal(0, quiet.LinkSetChanges);
    }
}
