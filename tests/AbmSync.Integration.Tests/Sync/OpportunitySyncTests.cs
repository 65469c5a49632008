using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AbmSync.Sandbox;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Opportunities and deals on the same engine: matched by linked id only, the account as the deal's primary company,
/// the stage through the pipeline's map, the close date as a day in the portal's time zone.
/// </summary>
public class OpportunitySyncTests
{
    static readonly TimeZoneInfo Portal = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    static async Task SyncAllAsync(SyncHarness harness)
    {
        foreach (var pair in ObjectPairs.All)
        {
            var summary = await harness.SyncAsync(new SyncRequest(Object: pair));
            Assert.True(summary.Status == "succeeded", $"{pair}: {summary.Status} {summary.Message}");
        }
    }

    static string? Prop(JsonNode record, string name) => (string?)record["properties"]![name] is { Length: > 0 } v ? v : null;

    static string Day(string hubSpotDateTime) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(
        DateTimeOffset.Parse(hubSpotDateTime, CultureInfo.InvariantCulture), Portal).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task FirstSync_EachIncludedOpportunityHasOneDeal_NeverMatchedByName_ExistingDealsNotCopied_SecondWritesNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 120, seed: 31);
        var dealsBefore = (await harness.HubSpotExportAsync())["deals"]!.AsArray().Select(d => (string)d!["id"]!).ToHashSet(StringComparer.Ordinal);
        var opportunitiesBefore = (await harness.SalesforceExportAsync())["Opportunity"]!.AsArray().Count;

        await SyncAllAsync(harness);
        await harness.EngagementArrivesAsync();
        await harness.ResetStatsAsync();
        await SyncAllAsync(harness);

        Assert.Equal(0L, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes + (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        var salesforce = await harness.SalesforceExportAsync();
        var hubSpot = await harness.HubSpotExportAsync();
        var accounts = salesforce["Account"]!.AsArray().ToDictionary(a => (string)a!["Id"]!, a => a!);
        var deals = hubSpot["deals"]!.AsArray().ToDictionary(d => (string)d!["id"]!, d => d!);
        // The export lists each association once, from the type that sorts first: company → deal, type 6 (primary's inverse).
        var primaryCompany = hubSpot["associations"]!.AsArray()
            .Where(a => (string)a!["from"]! == "companies" && (string)a["to"]! == "deals" && (int)a["typeId"]! == 6)
            .ToDictionary(a => (string)a!["toId"]!, a => (string)a!["fromId"]!);
        var included = salesforce["Opportunity"]!.AsArray()
            .Where(o => (string?)o!["AccountId"] is { } account && (string?)accounts[account]["Type"] is not ("Partner" or "Competitor")).ToList();
        Assert.NotEmpty(included);
        Assert.Equal(opportunitiesBefore, salesforce["Opportunity"]!.AsArray().Count);
        foreach (var opportunity in included)
        {
            var twin = (string)opportunity!["ABM_HubSpot_Id__c"]!;
            Assert.DoesNotContain(twin, dealsBefore);
            var deal = deals[twin];
            Assert.Equal((string)opportunity["Id"]!, Prop(deal, "abm_salesforce_id"));
            Assert.Equal((string?)opportunity["Name"], Prop(deal, "dealname"));
            Assert.Equal((decimal?)opportunity["Amount"], Prop(deal, "amount") is { } amount ? decimal.Parse(amount, CultureInfo.InvariantCulture) : null);
            Assert.Equal((string?)opportunity["CloseDate"], Day(Prop(deal, "closedate")!));
            Assert.Equal("default", Prop(deal, "pipeline"));
            Assert.Equal(HubSpotStage((string)opportunity["StageName"]!), Prop(deal, "dealstage"));
            Assert.Equal((string?)accounts[(string)opportunity["AccountId"]!]["ABM_HubSpot_Id__c"], primaryCompany[twin]);
        }
        // The portal's own deals stay as they were: none became a twin (not even one with an opportunity's name).
        Assert.All(dealsBefore, id => Assert.Null(Prop(deals[id], "abm_salesforce_id")));
    }

    static string HubSpotStage(string stage) => stage switch
    {
        "Prospecting" => "appointmentscheduled",
        "Qualification" or "Needs Analysis" => "qualifiedtobuy",
        "Value Proposition" or "Id. Decision Makers" => "presentationscheduled",
        "Perception Analysis" => "decisionmakerboughtin",
        "Proposal/Price Quote" or "Negotiation/Review" => "contractsent",
        "Closed Won" => "closedwon",
        _ => "closedlost",
    };

    [Fact]
    public async Task DealCreatedInHubSpotOnALinkedCompany_BecomesAnOpportunityOnItsAccount_AndStageMovesCrossBack()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 32);
        await SyncAllAsync(harness);
        var account = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        // A marketer creates a deal late in the portal's evening of 30 January: Salesforce must get that day.
        var close = TimeZoneInfo.ConvertTimeToUtc(new DateTime(2027, 1, 30, 22, 45, 0, DateTimeKind.Unspecified), Portal);
        using var http = new HttpClient();
        using var create = new HttpRequestMessage(HttpMethod.Post, new Uri(harness.Sandbox.HubSpotUrl, "/crm/v3/objects/deals"))
        {
            Content = JsonContent.Create(new
            {
                properties = new Dictionary<string, string>
                {
                    ["dealname"] = "Expansion from marketing",
                    ["amount"] = "42000",
                    ["dealstage"] = "qualifiedtobuy",
                    ["pipeline"] = "default",
                    ["closedate"] = new DateTimeOffset(close, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                },
                associations = new[]
                {
                    new { to = new { id = account.HubSpotId }, types = new[] { new { associationCategory = "HUBSPOT_DEFINED", associationTypeId = 5 } } },
                },
            }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
        using var created = await http.SendAsync(create);
        created.EnsureSuccessStatusCode();
        var dealId = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        await SyncAllAsync(harness);

        var opportunity = (await harness.SalesforceExportAsync())["Opportunity"]!.AsArray().Single(o => (string?)o!["ABM_HubSpot_Id__c"] == dealId)!;
        Assert.Equal(account.SalesforceId, (string?)opportunity["AccountId"]);
        Assert.Equal("Expansion from marketing", (string?)opportunity["Name"]);
        Assert.Equal(42000m, (decimal?)opportunity["Amount"]);
        Assert.Equal("2027-01-30", (string?)opportunity["CloseDate"]);
        Assert.Equal("Qualification", (string?)opportunity["StageName"]);
        var deal = (await harness.HubSpotExportAsync())["deals"]!.AsArray().Single(d => (string)d!["id"]! == dealId)!;
        Assert.Equal((string)opportunity["Id"]!, Prop(deal, "abm_salesforce_id"));

        // The marketer closes the deal as won: the opportunity follows; a pass later nothing moves back.
        await harness.Sandbox.EditAsMarketerAsync("deals", dealId, new Dictionary<string, string> { ["dealstage"] = "closedwon" });
        await SyncAllAsync(harness);
        await harness.ResetStatsAsync();
        await SyncAllAsync(harness);
        opportunity = (await harness.SalesforceExportAsync())["Opportunity"]!.AsArray().Single(o => (string?)o!["ABM_HubSpot_Id__c"] == dealId)!;
        Assert.Equal(("Closed Won", "2027-01-30"), ((string?)opportunity["StageName"], (string?)opportunity["CloseDate"]));
        Assert.Equal(0L, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes + (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
    }

    [Fact]
    public async Task NeedsAnalysis_SharesItsHubSpotStage_ARepsLaterEditsNeverTurnItIntoQualification()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 80, seed: 33);
        await SyncAllAsync(harness);
        var link = (await harness.Store.AllLinksAsync(ObjectPairs.Opportunities)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        await harness.Sandbox.EditAsSalesRepAsync("Opportunity", link.SalesforceId, new { StageName = "Needs Analysis" });
        await SyncAllAsync(harness);
        await harness.Sandbox.EditAsSalesRepAsync("Opportunity", link.SalesforceId, new { Amount = 12345 });

        await SyncAllAsync(harness);
        await SyncAllAsync(harness);

        var opportunity = (await harness.SalesforceExportAsync())["Opportunity"]!.AsArray().Single(o => (string)o!["Id"]! == link.SalesforceId)!;
        var deal = (await harness.HubSpotExportAsync())["deals"]!.AsArray().Single(d => (string)d!["id"]! == link.HubSpotId)!;
        Assert.Equal("Needs Analysis", (string?)opportunity["StageName"]);
        Assert.Equal("qualifiedtobuy", Prop(deal, "dealstage"));
        Assert.Equal("12345", Prop(deal, "amount"));
    }
}
