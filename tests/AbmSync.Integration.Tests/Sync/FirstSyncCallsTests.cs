using System.Text.Json;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// A pair's first sync makes the calls its work needs and no more: one listing of the HubSpot object serves as both
/// the match index and the change read, unless searching the keys (500 a call) and the included records is fewer
/// calls; the Salesforce creates from HubSpot fill their batches of 200 across HubSpot's pages of 100.
/// </summary>
public class FirstSyncCallsTests
{
    static async Task<Dictionary<string, long>> CallsAsync(SyncHarness harness, Uri sandbox)
    {
        using var stats = JsonDocument.Parse(await harness.Http.GetStringAsync(new Uri(sandbox, "/_sandbox/stats")));
        return stats.RootElement.GetProperty("byEndpoint").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }

    [Fact]
    public async Task FirstContactSync_ReadsHubSpotInNoMoreCallsThanOneListing_AndCreatesInSalesforce200ACall()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 600, seed: 64);
        Assert.Equal("succeeded", (await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts))).Status);
        var people = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Count(c => (bool?)c!["archived"] != true);
        await harness.ResetStatsAsync();

        var summary = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));

        Assert.Equal("succeeded", summary.Status);
        // HubSpot contacts under linked companies with no Salesforce twin, spread over the listing's many pages of 100.
        Assert.True(summary.SalesforceCreated > 50 && people > 1_000, $"{summary.SalesforceCreated} contacts created from {people} HubSpot contacts");
        var hubSpot = await CallsAsync(harness, harness.Sandbox.HubSpotUrl);
        var listed = hubSpot.GetValueOrDefault("GET /crm/v3/objects/{objectType}");
        var searched = hubSpot.GetValueOrDefault("POST /crm/v3/objects/{objectType}/search");
        // Either one listing (the match index and the change read at once) or searches for the keys and the included
        // records, whichever is fewer calls: never both, never more than the listing and the search for its size.
        Assert.True(listed == 0 || listed == (people + 99) / 100 && searched == 1, $"listed {listed}, searched {searched}");
        Assert.InRange(listed + searched, 1, (people + 99) / 100 + 1);
        var salesforce = await CallsAsync(harness, harness.Sandbox.SalesforceUrl);
        var upserts = salesforce.Where(c => c.Key.StartsWith("PATCH ", StringComparison.Ordinal) && c.Key.EndsWith("/composite/sobjects/{sobject}/{field}", StringComparison.Ordinal)).Sum(c => c.Value);
        // One more than the minimum at most: records naming their owner go apart from those the assignment rule routes.
        Assert.InRange(upserts, 1, (summary.SalesforceCreated + 199) / 200 + 1);
    }

    [Fact]
    public async Task FirstLeadSync_WithFewLeadsInABigPortal_SearchesTheirKeys_AndListsNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 600, seed: 65);
        Assert.Equal("succeeded", (await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts))).Status);
        Assert.Equal("succeeded", (await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts))).Status);
        var people = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Count(c => (bool?)c!["archived"] != true);
        await harness.ResetStatsAsync();

        var summary = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Leads));

        Assert.Equal("succeeded", summary.Status);
        Assert.True(summary.RecordsRead > 100, $"only {summary.RecordsRead} leads");
        var hubSpot = await CallsAsync(harness, harness.Sandbox.HubSpotUrl);
        Assert.Equal(0, hubSpot.GetValueOrDefault("GET /crm/v3/objects/{objectType}"));
        var searches = hubSpot.GetValueOrDefault("POST /crm/v3/objects/{objectType}/search");
        Assert.InRange(searches, 2, (people + 99) / 100 - 1);
        // The same twins a listing would find: every lead whose email HubSpot knows is linked to that contact.
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Leads)).Where(l => l.LinkReason == "email").ToList();
        Assert.NotEmpty(links);
    }
}
