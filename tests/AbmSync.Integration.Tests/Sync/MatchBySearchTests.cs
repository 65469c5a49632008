using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// A few new Salesforce records in a big portal are matched by a search for their keys, not by listing every HubSpot
/// contact: the same twins are found, in a handful of calls.
/// </summary>
public class MatchBySearchTests
{
    static async Task<Dictionary<string, long>> HubSpotCallsAsync(SyncHarness harness)
    {
        using var stats = JsonDocument.Parse(await harness.Http.GetStringAsync(new Uri(harness.Sandbox.HubSpotUrl, "/_sandbox/stats")));
        return stats.RootElement.GetProperty("byEndpoint").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }

    [Fact]
    public async Task NewContactsInABigPortal_AreMatchedByEmailSearch_NotByListingThePortal()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 300, seed: 62);
        await harness.SyncAllAsync();
        var account = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).Where(l => l.Status == LinkStatuses.Active).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var people = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Count(c => (bool?)c!["archived"] != true);
        Assert.True(people > 500, $"the portal has only {people} contacts: listing it would be cheap anyway");

        // A person HubSpot already knows (a lead, so not created in Salesforce from HubSpot), entered by a rep too;
        // and one HubSpot does not know.
        var known = System.Text.Json.Nodes.JsonNode.Parse(await harness.AsMarketerAsync(HttpMethod.Post, "/crm/v3/objects/contacts",
            new { properties = new Dictionary<string, string> { ["email"] = "known.person@search-match.example", ["firstname"] = "Kim", ["lastname"] = "Known", ["lifecyclestage"] = "lead" } }))!["id"]!.ToString();
        var matched = await harness.Sandbox.CreateAsSalesRepAsync("Contact", new { LastName = "Known", Email = "Known.Person@search-match.example", AccountId = account.SalesforceId });
        var fresh = await harness.Sandbox.CreateAsSalesRepAsync("Contact", new { LastName = "Fresh", Email = "fresh.person@search-match.example", AccountId = account.SalesforceId });
        await harness.ResetStatsAsync();

        var summary = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));

        Assert.Equal("succeeded", summary.Status);
        var links = await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [matched, fresh]);
        Assert.Equal((known, "email"), (links[matched].HubSpotId, links[matched].LinkReason));
        Assert.Equal("created", links[fresh].LinkReason);
        Assert.Equal(people + 2, (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Count(c => (bool?)c!["archived"] != true));
        var calls = await HubSpotCallsAsync(harness);
        // Listing the portal would be one call per 100 contacts; the only list left is the archived records'.
        Assert.True(calls.GetValueOrDefault("GET /crm/v3/objects/{objectType}") <= 1, string.Join(", ", calls.Select(c => $"{c.Key} {c.Value}")));
        Assert.True(calls.GetValueOrDefault("POST /crm/v3/objects/{objectType}/search") >= 2);
    }

    [Fact]
    public async Task KeySearch_AsksFiveHundredKeysACall_AndReadsEveryPageOfWhatItFinds()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 300, seed: 63);
        var contacts = (await harness.HubSpotExportAsync())["contacts"]!.AsArray()
            .Where(c => (bool?)c!["archived"] != true && c!["properties"]?["email"]?.ToString() is { Length: > 0 })
            .Select(c => (Id: c!["id"]!.ToString(), Email: c["properties"]!["email"]!.ToString())).ToList();
        Assert.True(contacts.Count >= 450, $"only {contacts.Count} contacts with an email");
        // 450 emails HubSpot knows and 50 it does not: five filters of 100, one search, whose 450 results take three pages.
        var emails = contacts.Take(450).Select(c => c.Email).Concat(Enumerable.Range(0, 50).Select(i => $"nobody{i}@key-search.example")).ToList();
        var configuration = harness.Host.Services.GetRequiredService<SyncConfiguration>();
        await harness.ResetStatsAsync();

        var found = await harness.Host.Services.GetRequiredService<HubSpotAdapter>()
            .SearchByKeysAsync(ObjectPairs.For(ObjectPairs.Contacts, configuration), [("email", emails)], CancellationToken.None);

        Assert.Equal(contacts.Take(450).Select(c => c.Id).Order(StringComparer.Ordinal), found.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await HubSpotCallsAsync(harness)).GetValueOrDefault("POST /crm/v3/objects/{objectType}/search"));
        Assert.Equal(3, HubSpotAdapter.KeySearchCalls(0, emails.Count, 450));
    }
}
