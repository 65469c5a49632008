using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AbmSync.Sandbox;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// The (modified time, id) cursor with its overlap window: records that share one timestamp across a page boundary,
/// and records a person commits while a run is reading, are each carried once, neither skipped nor doubled.
/// </summary>
public class IncrementalCursorTests
{
    [Fact]
    public async Task SameTimestampAcrossPageBoundaries_AndEditsDuringARead_EachCarriedExactlyOnce()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 900, seed: 16, settings: new Dictionary<string, string?>
        {
            ["Salesforce:QueryBatchSize"] = "200",
        }, sandboxOptions: new SandboxOptions { Accounts = 900, Seed = 16, Latency = TimeSpan.FromMilliseconds(15) });
        await harness.SyncAsync();
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        using var rep = await SalesRep.SignInAsync(harness.Sandbox);

        // 150 accounts per sObject Collections call: one transaction, one timestamp; pages of 200 split the ties.
        var sameInstant = links.Take(500).ToList();
        foreach (var chunk in sameInstant.Chunk(150))
        {
            await rep.UpdateAsync(chunk.Select(l => (l.SalesforceId, $"Same Instant {l.SalesforceId}")));
        }
        var stamps = (await harness.SalesforceExportAsync())["Account"]!.AsArray()
            .Where(a => sameInstant.Any(l => l.SalesforceId == (string)a!["Id"]!)).Select(a => (string)a!["SystemModstamp"]!).Distinct().Count();
        Assert.True(stamps <= 4, $"the collection calls should share timestamps, saw {stamps}");

        // While the next run reads, a person keeps editing other accounts, one at a time.
        var duringRead = links.Skip(500).Take(40).ToList();
        var run = harness.SyncAsync();
        foreach (var link in duringRead)
        {
            await rep.UpdateAsync([(link.SalesforceId, $"During Read {link.SalesforceId}")]);
        }
        var first = await run;
        var second = await harness.SyncAsync();
        var third = await harness.SyncAsync();

        Assert.Equal(sameInstant.Count + duringRead.Count, first.HubSpotUpdated + second.HubSpotUpdated + third.HubSpotUpdated);
        Assert.Equal(0, third.HubSpotUpdated);
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => (string?)c!["properties"]!["city"]);
        Assert.All(sameInstant, l => Assert.Equal($"Same Instant {l.SalesforceId}", companies[l.HubSpotId]));
        Assert.All(duringRead, l => Assert.Equal($"During Read {l.SalesforceId}", companies[l.HubSpotId]));
    }

    /// <summary>A sales rep's session: their own token, sObject Collections updates of BillingCity.</summary>
    sealed class SalesRep(HttpClient http, Uri instance) : IDisposable
    {
        public static async Task<SalesRep> SignInAsync(SandboxHost sandbox)
        {
            var http = new HttpClient();
            using var token = await http.PostAsync(new Uri(sandbox.SalesforceUrl, "/services/oauth2/token"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = SandboxCredentials.SalesforceHumanClientId,
                ["client_secret"] = SandboxCredentials.SalesforceHumanClientSecret,
            }));
            var answer = await token.Content.ReadFromJsonAsync<JsonElement>();
            http.DefaultRequestHeaders.Authorization = new("Bearer", answer.GetProperty("access_token").GetString());
            return new SalesRep(http, new Uri(answer.GetProperty("instance_url").GetString()!));
        }

        public async Task UpdateAsync(IEnumerable<(string Id, string City)> updates)
        {
            var body = new JsonObject
            {
                ["allOrNone"] = true,
                ["records"] = new JsonArray([.. updates.Select(u => (JsonNode)new JsonObject
                {
                    ["attributes"] = new JsonObject { ["type"] = "Account" },
                    ["id"] = u.Id,
                    ["BillingCity"] = u.City,
                })]),
            };
            using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(instance, "/services/data/v66.0/composite/sobjects")) { Content = JsonContent.Create(body) };
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }

        public void Dispose() => http.Dispose();
    }
}
