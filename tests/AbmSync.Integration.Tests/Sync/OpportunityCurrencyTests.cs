using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AbmSync.Sandbox;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Where the org has multi-currency on, an opportunity's CurrencyIsoCode travels with its deal's deal_currency_code
/// (mappings/opportunities.yaml, <c>whenPresent: true</c>); where it does not, the pair syncs without the field and
/// never names it.
/// </summary>
public class OpportunityCurrencyTests
{
    static readonly string[] Currencies = ["USD", "EUR", "GBP"];

    static async Task SyncAllAsync(SyncHarness harness)
    {
        foreach (var pair in ObjectPairs.All)
        {
            var summary = await harness.SyncAsync(new SyncRequest(Object: pair));
            Assert.True(summary.Status == "succeeded", $"{pair}: {summary.Status} {summary.Message}");
        }
    }

    static string? Prop(JsonNode record, string name) => (string?)record["properties"]![name] is { Length: > 0 } v ? v : null;

    static async Task<(Dictionary<string, JsonNode> Opportunities, Dictionary<string, JsonNode> Deals)> ExportAsync(SyncHarness harness) => (
        (await harness.SalesforceExportAsync())["Opportunity"]!.AsArray().ToDictionary(o => (string)o!["Id"]!, o => o!),
        (await harness.HubSpotExportAsync())["deals"]!.AsArray().ToDictionary(d => (string)d!["id"]!, d => d!));

    [Fact]
    public async Task MultiCurrencyOrg_TheCurrencyCrossesOnCreate_AndBothWays_ThenNothingMoves()
    {
        await using var harness = await SyncHarness.StartAsync(sandboxOptions: new SandboxOptions { Accounts = 80, Seed = 41, Currencies = Currencies });

        await SyncAllAsync(harness);

        // Created in HubSpot from opportunities: each deal is in its opportunity's currency, not only the portal's.
        var links = await harness.Store.AllLinksAsync(ObjectPairs.Opportunities);
        Assert.NotEmpty(links);
        var (opportunities, deals) = await ExportAsync(harness);
        foreach (var link in links)
        {
            Assert.Equal((string?)opportunities[link.SalesforceId]["CurrencyIsoCode"], Prop(deals[link.HubSpotId], "deal_currency_code"));
        }
        var inEuros = links.Where(l => (string?)opportunities[l.SalesforceId]["CurrencyIsoCode"] == "EUR").ToList();
        Assert.NotEmpty(inEuros);
        Assert.Contains(links, l => (string?)opportunities[l.SalesforceId]["CurrencyIsoCode"] == "USD");

        // A rep moves one opportunity to pounds, a marketer another deal to euros: each crosses to its twin.
        var usd = links.First(l => (string?)opportunities[l.SalesforceId]["CurrencyIsoCode"] == "USD");
        await harness.Sandbox.EditAsSalesRepAsync("Opportunity", inEuros[0].SalesforceId, new { CurrencyIsoCode = "GBP" });
        await harness.Sandbox.EditAsMarketerAsync("deals", usd.HubSpotId, new Dictionary<string, string> { ["deal_currency_code"] = "EUR" });
        await SyncAllAsync(harness);
        (opportunities, deals) = await ExportAsync(harness);
        Assert.Equal("GBP", Prop(deals[inEuros[0].HubSpotId], "deal_currency_code"));
        Assert.Equal("GBP", (string?)opportunities[inEuros[0].SalesforceId]["CurrencyIsoCode"]);
        Assert.Equal("EUR", (string?)opportunities[usd.SalesforceId]["CurrencyIsoCode"]);
        Assert.Equal("EUR", Prop(deals[usd.HubSpotId], "deal_currency_code"));

        // A deal created in HubSpot in pounds on a linked company becomes an opportunity in pounds.
        var account = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var dealId = await CreateDealAsync(harness, account.HubSpotId, "GBP");
        await SyncAllAsync(harness);
        (opportunities, _) = await ExportAsync(harness);
        var created = opportunities.Values.Single(o => (string?)o["ABM_HubSpot_Id__c"] == dealId);
        Assert.Equal(("GBP", account.SalesforceId), ((string?)created["CurrencyIsoCode"], (string?)created["AccountId"]));

        // On the pairs' next run the new opportunity gets its marketing influence (its creation date is known once it
        // is read) and its account the stage and open pipeline it gives; the run after that writes nothing.
        await SyncAllAsync(harness);
        await harness.ResetStatsAsync();
        await SyncAllAsync(harness);
        Assert.Equal(0L, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes + (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
    }

    [Fact]
    public async Task OrgCurrencyThePortalLacks_IsDeadLetteredWithHubSpotsReason_TheOthersSync()
    {
        // JPY is active in the org, not in the portal (USD, EUR, GBP): opportunities of Japanese accounts are in yen.
        await using var harness = await SyncHarness.StartAsync(sandboxOptions: new SandboxOptions { Accounts = 120, Seed = 42, Currencies = [.. Currencies, "JPY"] });

        await SyncAllAsync(harness);

        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Opportunities)).ToDictionary(l => l.SalesforceId, StringComparer.Ordinal);
        var (opportunities, deals) = await ExportAsync(harness);
        var deadLetters = (await harness.Store.GetDeadLettersAsync(ObjectPairs.Opportunities, DeadLetterStatuses.Open)).ToDictionary(d => d.RecordId, StringComparer.Ordinal);
        var inYen = opportunities.Values.Where(o => (string?)o["CurrencyIsoCode"] == "JPY").Select(o => (string)o["Id"]!).Where(deadLetters.ContainsKey).ToList();
        Assert.NotEmpty(inYen);
        foreach (var id in inYen)
        {
            Assert.False(links.ContainsKey(id), $"{id} in yen got a deal");
            Assert.Contains("\"JPY\" is not a part of the current effective currency codes", deadLetters[id].Message, StringComparison.Ordinal);
            Assert.Contains("deal_currency_code", deadLetters[id].Message, StringComparison.Ordinal);
            Assert.Equal("JPY", deadLetters[id].Payload!["deal_currency_code"]);
        }
        Assert.DoesNotContain(deals.Values, d => inYen.Contains(Prop(d, "abm_salesforce_id") ?? ""));
        Assert.NotEmpty(links);
        Assert.All(links.Values, l => Assert.Equal((string?)opportunities[l.SalesforceId]["CurrencyIsoCode"], Prop(deals[l.HubSpotId], "deal_currency_code")));

        // A linked opportunity moved to yen: refused by HubSpot, dead-lettered; its deal keeps the currency it had.
        var linked = links.Values.OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var before = Prop(deals[linked.HubSpotId], "deal_currency_code");
        await harness.Sandbox.EditAsSalesRepAsync("Opportunity", linked.SalesforceId, new { CurrencyIsoCode = "JPY" });
        await SyncAllAsync(harness);
        (_, deals) = await ExportAsync(harness);
        Assert.Equal(before, Prop(deals[linked.HubSpotId], "deal_currency_code"));
        var refused = (await harness.Store.GetDeadLettersAsync(ObjectPairs.Opportunities, DeadLetterStatuses.Open)).Single(d => d.RecordId == linked.SalesforceId);
        Assert.Contains("JPY", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleCurrencyOrg_OpportunitiesStillSync_AndNoCallNamesCurrencyIsoCode()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 43);
        var salesforceCalls = new ConcurrentQueue<Uri>();
        using var recording = RecordRequests(harness.Sandbox.SalesforceUrl, salesforceCalls);

        await SyncAllAsync(harness);
        var account = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var dealId = await CreateDealAsync(harness, account.HubSpotId, "EUR");
        await SyncAllAsync(harness);

        var links = await harness.Store.AllLinksAsync(ObjectPairs.Opportunities);
        Assert.NotEmpty(links);
        var (opportunities, deals) = await ExportAsync(harness);
        Assert.All(links, l => Assert.Equal((string?)opportunities[l.SalesforceId]["Name"], Prop(deals[l.HubSpotId], "dealname")));
        Assert.Contains(opportunities.Values, o => (string?)o["ABM_HubSpot_Id__c"] == dealId);
        // The deal's currency stays in HubSpot: the org has nowhere to hold it.
        Assert.Equal("EUR", Prop(deals[dealId], "deal_currency_code"));
        Assert.DoesNotContain(opportunities.Values, o => o.AsObject().ContainsKey("CurrencyIsoCode"));

        // Every SOQL went in a URL (no Bulk query job), opportunities were queried, and none named the field.
        var calls = salesforceCalls.Select(u => Uri.UnescapeDataString(u.PathAndQuery)).ToList();
        Assert.DoesNotContain(calls, c => c.Contains("/jobs/query", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Contains("FROM Opportunity", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(calls, c => c.Contains("CurrencyIsoCode", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SingleCurrencyOrg_TheCurrencyMappedWithoutWhenPresent_StillStopsTheRunAtStart()
    {
        var mappings = Directory.CreateTempSubdirectory("abmsync-mappings-");
        try
        {
            foreach (var file in Directory.GetFiles(Path.Combine(SyncHarness.RepositoryRoot(), "mappings")))
            {
                File.Copy(file, Path.Combine(mappings.FullName, Path.GetFileName(file)));
            }
            var opportunities = Path.Combine(mappings.FullName, "opportunities.yaml");
            var yaml = await File.ReadAllTextAsync(opportunities);
            Assert.Contains(", whenPresent: true }", yaml, StringComparison.Ordinal);
            await File.WriteAllTextAsync(opportunities, yaml.Replace(", whenPresent: true }", " }", StringComparison.Ordinal));
            await using var harness = await SyncHarness.StartAsync(accounts: 30, seed: 44, settings: new Dictionary<string, string?> { ["Mappings:Directory"] = mappings.FullName });
            var line = yaml.Split('\n').ToList().FindIndex(l => l.Contains("CurrencyIsoCode", StringComparison.Ordinal) && l.TrimStart().StartsWith('-')) + 1;

            var error = await Assert.ThrowsAsync<Core.Mapping.ConfigurationFileException>(() => harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Opportunities)));

            var problem = Assert.Single(error.Problems);
            Assert.Equal(line, problem.Line);
            Assert.Contains("has no field 'CurrencyIsoCode'", problem.Reason, StringComparison.Ordinal);
        }
        finally
        {
            mappings.Delete(recursive: true);
        }
    }

    static async Task<string> CreateDealAsync(SyncHarness harness, string companyId, string currency)
    {
        using var http = new HttpClient();
        using var create = new HttpRequestMessage(HttpMethod.Post, new Uri(harness.Sandbox.HubSpotUrl, "/crm/v3/objects/deals"))
        {
            Content = JsonContent.Create(new
            {
                properties = new Dictionary<string, string>
                {
                    ["dealname"] = $"Expansion in {currency}",
                    ["amount"] = "42000",
                    ["dealstage"] = "qualifiedtobuy",
                    ["pipeline"] = "default",
                    ["closedate"] = "2027-02-15T12:00:00.000Z",
                    ["deal_currency_code"] = currency,
                },
                associations = new[]
                {
                    new { to = new { id = companyId }, types = new[] { new { associationCategory = "HUBSPOT_DEFINED", associationTypeId = 5 } } },
                },
            }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
        using var created = await http.SendAsync(create);
        created.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
    }

    /// <summary>
    /// Records the URL of every request this process sends to <paramref name="target"/> (HttpClient's diagnostic
    /// events): the worker's SOQL travels in <c>?q=</c>. Other tests' sandboxes listen on other ports.
    /// </summary>
    static IDisposable RecordRequests(Uri target, ConcurrentQueue<Uri> into)
    {
        var observer = new RequestObserver(target, into);
        return DiagnosticListener.AllListeners.Subscribe(observer);
    }

    sealed class RequestObserver(Uri target, ConcurrentQueue<Uri> into) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "HttpHandlerDiagnosticListener")
            {
                listener.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> e)
        {
            if (e.Key == "System.Net.Http.HttpRequestOut.Start"
                && e.Value?.GetType().GetProperty("Request")?.GetValue(e.Value) is HttpRequestMessage { RequestUri: { } uri }
                && uri.Port == target.Port && uri.Host == target.Host)
            {
                into.Enqueue(uri);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
