using System.Text.Json.Nodes;
using AbmSync.Core.Accounts;
using AbmSync.Core.Rules;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Integration.Tests.Sync;

public class AccountSyncEndToEndTests
{
    static readonly string[] Excluded = ["Partner", "Competitor"];

    [Fact]
    public async Task FullSync_TiersEveryIncludedAccount_LinksEachToExactlyOneCompany_ReusesExisting()
    {
        await using var harness = await SyncHarness.StartAsync();
        var companiesBefore = (await harness.HubSpotExportAsync())["companies"]!.AsArray();
        var idsByDomainBefore = companiesBefore
            .Where(c => DomainName.Normalize((string?)c!["properties"]!["domain"]) is not null)
            .GroupBy(c => DomainName.Normalize((string?)c!["properties"]!["domain"])!)
            .ToDictionary(g => g.Key, g => g.Select(c => (string)c!["id"]!).ToList());

        var summary = await harness.SyncAsync();

        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray().Select(a => a!.AsObject()).ToList();
        var included = accounts.Where(a => !Excluded.Contains((string?)a["Type"])).ToList();
        var excluded = accounts.Except(included).ToList();
        Assert.NotEmpty(excluded);
        Assert.Equal("succeeded", summary.Status);
        Assert.Equal(0, summary.DeadLettered);
        // Every account is read (so that one leaving the filter is seen leaving); the excluded ones are only counted.
        Assert.Equal(accounts.Count, summary.RecordsRead);
        Assert.Equal(excluded.Count, summary.Excluded);

        // Tiers: what the rules in mappings/rules.yaml give for the exported values.
        var rules = RulesLoader.LoadFile(Path.Combine(SyncHarness.RepositoryRoot(), "mappings", "rules.yaml"));
        var expected = new TierAssigner(rules.Tiering).Assign([.. included.Select(Profile)]).ToDictionary(d => d.AccountId);
        foreach (var account in included)
        {
            var decision = expected[(string)account["Id"]!];
            Assert.Equal(decision.Tier, (string?)account["ABM_Tier__c"]);
            Assert.Equal(decision.Score, (int)(decimal)account["ABM_Score__c"]!);
            Assert.Equal(decision.Reason, (string?)account["ABM_Tier_Reason__c"]);
        }
        Assert.Contains(included, a => (string?)a["ABM_Tier__c"] == "Tier 1");
        Assert.Contains(included, a => (string?)a["ABM_Tier__c"] is null);
        Assert.All(excluded, a => Assert.Null((string?)a["ABM_Tier__c"]));

        // Links: exactly one company per included account, pre-existing ones reused by domain, none duplicated.
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray().Select(c => c!.AsObject()).ToList();
        var bySalesforceId = companies
            .Where(c => c["properties"]!["abm_salesforce_id"] is not null)
            .GroupBy(c => (string)c["properties"]!["abm_salesforce_id"]!)
            .ToDictionary(g => g.Key, g => g.ToList());
        var reused = 0;
        foreach (var account in included)
        {
            var id = (string)account["Id"]!;
            var twin = Assert.Single(bySalesforceId[id]);
            Assert.Equal((string)twin["id"]!, (string?)account["ABM_HubSpot_Id__c"]);
            Assert.Equal((string?)account["ABM_Tier__c"], (string?)twin["properties"]!["abm_tier"]);
            var domain = DomainName.Normalize((string?)account["Website"]);
            if (domain is not null && idsByDomainBefore.TryGetValue(domain, out var existing) && existing.Count == 1)
            {
                Assert.Equal(existing[0], (string)twin["id"]!);
                reused++;
            }
        }
        Assert.True(reused > included.Count / 2, $"only {reused} of {included.Count} accounts reused their existing company");
        Assert.Equal(companiesBefore.Count + summary.HubSpotCreated, companies.Count);
        Assert.Equal(included.Count - reused, summary.HubSpotCreated);
        Assert.DoesNotContain(excluded, a => bySalesforceId.ContainsKey((string)a["Id"]!));
    }

    [Fact]
    public async Task SecondSync_WritesNothing_ThenAnEditRewritesExactlyThatAccount()
    {
        await using var harness = await SyncHarness.StartAsync();
        await harness.SyncAsync();

        await harness.ResetStatsAsync();
        var second = await harness.SyncAsync();

        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        Assert.Equal(0, second.HubSpotCreated + second.HubSpotUpdated + second.SalesforceUpdated);
        // The run log keeps each run's API calls, as the sandboxes counted them.
        var logged = (await harness.Store.RecentRunsAsync(1)).Single();
        Assert.Equal((await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Calls, logged.SalesforceCalls);
        Assert.Equal((await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Calls, logged.HubSpotCalls);

        // A rep edits one account with no tier so that it climbs into Tier 3 (uncapped): nothing else moves.
        var decisions = await harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, "tier");
        var account = decisions.First(d => d.Value is null && d.Score <= 19 && d.Detail?.Contains("mid-market-up", StringComparison.Ordinal) == false).RecordId;
        await harness.EditAccountAsSalesRepAsync(account, new { NumberOfEmployees = 1000 });
        await harness.ResetStatsAsync();

        var third = await harness.SyncAsync();

        Assert.Equal(1, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes);
        Assert.Equal(1, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        Assert.Equal(1, third.SalesforceUpdated);
        Assert.Equal(1, third.HubSpotUpdated);
        var written = Assert.Single(third.Writes, w => w.System == "HubSpot");
        Assert.Equal(account, written.SalesforceId);
        Assert.Equal("1000", written.Values["numberofemployees"]);
        var exported = (await harness.SalesforceExportAsync())["Account"]!.AsArray().Single(a => (string)a!["Id"]! == account)!;
        Assert.Equal("Tier 3", (string?)exported["ABM_Tier__c"]);
    }

    [Fact]
    public async Task DryRun_PlansWritesButWritesNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 120);
        await harness.ResetStatsAsync();

        var plan = await harness.SyncAsync(new SyncRequest(DryRun: true));

        Assert.NotEmpty(plan.Writes);
        Assert.Contains(plan.Writes, w => w.System == "Salesforce" && w.Values.ContainsKey("ABM_Score__c"));
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        Assert.Null(await harness.Store.GetCursorAsync(ObjectPairs.Accounts, "salesforce"));

        // The real run afterwards writes what the plan said.
        var real = await harness.SyncAsync();
        Assert.Equal(plan.Writes.Count(w => w.System == "Salesforce"), real.SalesforceUpdated);
    }

    [Fact]
    public async Task LockedTier_IsNeverOverriddenByRules()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 120);
        await harness.SyncAsync();
        var decisions = await harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, "tier");
        var account = decisions.First(d => d.Value is null).RecordId;
        await harness.EditAccountAsSalesRepAsync(account, new Dictionary<string, object> { ["ABM_Tier__c"] = "Tier 1", ["ABM_Tier_Locked__c"] = true });

        var summary = await harness.SyncAsync();

        Assert.Equal("succeeded", summary.Status);
        var exported = (await harness.SalesforceExportAsync())["Account"]!.AsArray().Single(a => (string)a!["Id"]! == account)!;
        Assert.Equal("Tier 1", (string?)exported["ABM_Tier__c"]);
        Assert.StartsWith("Tier 1 locked by a person", (string?)exported["ABM_Tier_Reason__c"], StringComparison.Ordinal);
        var twin = (await harness.HubSpotExportAsync())["companies"]!.AsArray().Single(c => (string?)c!["properties"]!["abm_salesforce_id"] == account)!;
        Assert.Equal("Tier 1", (string?)twin["properties"]!["abm_tier"]);
    }

    static AccountProfile Profile(JsonObject a) => new()
    {
        Id = (string)a["Id"]!,
        Domain = DomainName.Normalize((string?)a["Website"]),
        Industry = (string?)a["Industry"],
        Employees = a["NumberOfEmployees"] is { } e ? (int)(decimal)e : null,
        AnnualRevenue = a["AnnualRevenue"] is { } r ? (decimal)r : null,
        Country = (string?)a["BillingCountry"],
        City = (string?)a["BillingCity"],
        Type = (string?)a["Type"],
        OwnerId = (string?)a["OwnerId"],
    };
}
