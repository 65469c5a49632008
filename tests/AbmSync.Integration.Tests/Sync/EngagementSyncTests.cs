using System.Globalization;
using System.Text.Json.Nodes;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Engagement end to end over HTTP: HubSpot's activities and contact counters become signals, every account's
/// engagement and committee coverage reach both sides and the ledger, a new meeting raises its account's score, a day
/// passing fades scores once, and an idle run writes nothing.
/// </summary>
public sealed class EngagementSyncTests
{
    static string? Prop(JsonNode record, string name) => (string?)record["properties"]![name] is { Length: > 0 } v ? v : null;

    static async Task<(Dictionary<string, JsonObject> Accounts, Dictionary<string, JsonNode> Companies)> BothSidesAsync(SyncHarness harness)
    {
        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray().Select(a => a!.AsObject())
            .Where(a => (string?)a["ABM_HubSpot_Id__c"] is not null).ToDictionary(a => (string)a["Id"]!, StringComparer.Ordinal);
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => c!, StringComparer.Ordinal);
        return (accounts, companies);
    }

    /// <summary>
    /// The seeded portal's engagement runs up to the synthetic world's day: these syncs run the day after it, so that
    /// the last 30 days hold engagement whatever today's date is.
    /// </summary>
    static MovableClock DayAfterTheSeed()
    {
        var clock = new MovableClock();
        clock.Advance(AbmSync.Sandbox.SyntheticWorld.Epoch.AddDays(1) - DateTimeOffset.UtcNow);
        return clock;
    }

    static async Task<long> WritesOfAsync(SyncHarness harness, Func<Task> run)
    {
        await harness.ResetStatsAsync();
        await run();
        return (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes + (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes;
    }

    static async Task<SyncSummary> SyncEngagementAsync(SyncHarness harness)
    {
        var outcomes = await harness.Host.Services.GetRequiredService<PairSequence>()
            .RunAsync([ObjectPairs.Engagement], pair => new SyncRequest(Object: pair), CancellationToken.None);
        var summaries = PairSequence.SummariesOrThrow(outcomes);
        Assert.Equal([ObjectPairs.Engagement, ObjectPairs.Accounts], summaries.Select(s => s.Object));
        Assert.All(summaries, s => Assert.Equal("succeeded", s.Status));
        return summaries[1];
    }

    [Fact]
    public async Task Engagement_ReachesBothSidesAndTheLedger_AMeetingRaisesItsAccount_ADayFadesItOnce_AndIdleRunsWriteNothing()
    {
        var clock = new MovableClock();
        await using var harness = await SyncHarness.StartAsync(accounts: 120, seed: 41, time: clock);
        var first = await harness.SyncAllAsync();
        Assert.True(first[0].SignalsAdded > 0, "the seeded portal's activities should give signals");
        await harness.EngagementArrivesAsync();

        // Both sides agree, account by account, and the ledger's current engagement is what they show.
        var (accounts, companies) = await BothSidesAsync(harness);
        var ledger = (await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.EngagementKind)).ToDictionary(e => e.RecordId, StringComparer.Ordinal);
        var hash = harness.Host.Services.GetRequiredService<SyncConfiguration>().RulesHash;
        var engaged = 0;
        foreach (var (id, account) in accounts.Where(a => (string?)a.Value["ABM_Tier_Reason__c"] is { } r && !r.StartsWith("Not on the target list", StringComparison.Ordinal)))
        {
            var company = companies[(string)account["ABM_HubSpot_Id__c"]!];
            var score = (decimal?)account["ABM_Engagement_Score__c"];
            Assert.NotNull(score);
            Assert.Equal(score, decimal.Parse(Prop(company, "abm_engagement_score")!, CultureInfo.InvariantCulture));
            Assert.Equal((bool?)account["ABM_Surge__c"] == true ? "true" : "false", Prop(company, "abm_surge"));
            Assert.Equal((decimal?)account["ABM_Buying_Committee_Coverage__c"], decimal.Parse(Prop(company, "abm_buying_committee_coverage")!, CultureInfo.InvariantCulture));
            Assert.Equal(score.Value.ToString("0", CultureInfo.InvariantCulture), ledger[id].Value);
            Assert.Equal(hash, ledger[id].RulesHash);
            engaged += score > 0 ? 1 : 0;
            // Engagement is part of the tier score, and the reason says so.
            if (score >= 10)
            {
                Assert.Contains("engagement +", (string?)account["ABM_Tier_Reason__c"]);
            }
        }
        Assert.InRange(engaged, 1, accounts.Count - 1);
        var idle = new List<SyncSummary>();
        Assert.True(0 == await WritesOfAsync(harness, async () => idle.AddRange(await harness.SyncAllAsync())),
            string.Join("; ", idle.SelectMany(s => s.Writes.Select(w => $"{s.Object} {w.System} {w.SalesforceId} {string.Join(",", w.Values.Select(v => v.Key + "=" + v.Value))}"))));

        // A marketer logs a meeting with a contact of the least engaged linked account that has one.
        var contactLinks = await harness.Store.AllLinksAsync(ObjectPairs.Contacts);
        var contactsOfAccount = (await harness.SalesforceExportAsync())["Contact"]!.AsArray()
            .Where(c => (string?)c!["ABM_HubSpot_Id__c"] is not null && (string?)c!["AccountId"] is { } a && accounts.ContainsKey(a))
            .GroupBy(c => (string)c!["AccountId"]!).ToDictionary(g => g.Key, g => (string)g.First()!["ABM_HubSpot_Id__c"]!, StringComparer.Ordinal);
        var quiet = contactsOfAccount.Keys.OrderBy(a => (decimal?)accounts[a]["ABM_Engagement_Score__c"]).ThenBy(a => a, StringComparer.Ordinal).First();
        var before = (decimal)accounts[quiet]["ABM_Engagement_Score__c"]!;
        await harness.AsMarketerAsync(HttpMethod.Post, "/crm/v3/objects/meetings", new
        {
            properties = new Dictionary<string, string>
            {
                ["hs_timestamp"] = clock.GetUtcNow().AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["hs_meeting_title"] = "Discovery call",
            },
            associations = new[]
            {
                new { to = new { id = contactsOfAccount[quiet] }, types = new[] { new { associationCategory = "HUBSPOT_DEFINED", associationTypeId = 200 } } },
                new { to = new { id = (string)accounts[quiet]["ABM_HubSpot_Id__c"]! }, types = new[] { new { associationCategory = "HUBSPOT_DEFINED", associationTypeId = 188 } } },
            },
        });
        var afterMeeting = await SyncEngagementAsync(harness);
        var (accountsNow, companiesNow) = await BothSidesAsync(harness);
        var raised = (decimal)accountsNow[quiet]["ABM_Engagement_Score__c"]!;
        Assert.True(raised > before, $"a meeting should raise {quiet}'s engagement from {before}, it is {raised}");
        Assert.Equal(raised, decimal.Parse(Prop(companiesNow[(string)accountsNow[quiet]["ABM_HubSpot_Id__c"]!], "abm_engagement_score")!, CultureInfo.InvariantCulture));
        Assert.Contains(afterMeeting.Writes, w => w.SalesforceId == quiet);
        var history = (await harness.Store.DecisionHistoryAsync(ObjectPairs.Accounts, quiet)).Where(e => e.Kind == TierRules.EngagementKind).ToList();
        Assert.True(history.Count >= 2, $"{history.Count} engagement entries");
        Assert.Equal(history[^2].Value, history[^1].Previous);
        Assert.Equal(raised.ToString("0", CultureInfo.InvariantCulture), history[^1].Value);
        Assert.Equal(0, await WritesOfAsync(harness, async () => await SyncEngagementAsync(harness)));

        // A day later nothing happened: decay fades the engaged accounts once, at the new day; the run after writes nothing.
        var entriesBefore = (await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.EngagementKind)).Count;
        clock.Advance(TimeSpan.FromDays(1));
        var faded = await SyncEngagementAsync(harness);
        Assert.NotEmpty(faded.Writes);
        Assert.All(faded.Writes, w => Assert.DoesNotContain(w.Values.Keys, k => k is "Name" or "name" or "Website" or "domain"));
        var (accountsFaded, _) = await BothSidesAsync(harness);
        Assert.All(faded.Writes.Where(w => w.System == "Salesforce"), w =>
            Assert.True((decimal)accountsFaded[w.SalesforceId]["ABM_Engagement_Score__c"]! <= (decimal)accountsNow[w.SalesforceId]["ABM_Engagement_Score__c"]!));
        Assert.Equal(entriesBefore, (await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.EngagementKind)).Count);
        Assert.Equal(0, await WritesOfAsync(harness, async () => await SyncEngagementAsync(harness)));
    }

    [Fact]
    public async Task BuyingRoles_FollowTheTitle_OnBothSides_AndCoverageCountsEngagedRoles()
    {
        var clock = DayAfterTheSeed();
        await using var harness = await SyncHarness.StartAsync(accounts: 80, seed: 43, time: clock);
        await harness.SyncAllAsync();
        await harness.EngagementArrivesAsync();
        var contacts = (await harness.SalesforceExportAsync())["Contact"]!.AsArray().Select(c => c!.AsObject())
            .Where(c => (string?)c["ABM_HubSpot_Id__c"] is not null).ToList();
        var people = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => c!, StringComparer.Ordinal);
        var classifier = harness.Host.Services.GetRequiredService<SyncConfiguration>().BuyingRoleClassifier;
        var withRole = 0;
        foreach (var contact in contacts)
        {
            var expected = classifier.Classify((string?)contact["Title"]) is { } match ? BuyingRoleRules.Label(match.Role) : null;
            Assert.Equal(expected, (string?)contact["ABM_Buying_Role__c"]);
            Assert.Equal(expected, Prop(people[(string)contact["ABM_HubSpot_Id__c"]!], "abm_buying_role"));
            withRole += expected is null ? 0 : 1;
        }
        Assert.InRange(withRole, 1, contacts.Count - 1);

        // A rep makes a contact the CFO: both sides say economic buyer after one run, and the ledger keeps both roles.
        var cfo = contacts.First(c => (string?)c["ABM_Buying_Role__c"] != "Economic Buyer");
        await harness.Sandbox.EditAsSalesRepAsync("Contact", (string)cfo["Id"]!, new { Title = "Chief Financial Officer" });
        await harness.SyncAllAsync();
        var after = (await harness.SalesforceExportAsync())["Contact"]!.AsArray().Single(c => (string)c!["Id"]! == (string)cfo["Id"]!)!;
        Assert.Equal("Economic Buyer", (string?)after["ABM_Buying_Role__c"]);
        Assert.Equal("Economic Buyer", Prop((await harness.HubSpotExportAsync())["contacts"]!.AsArray().Single(c => (string)c!["id"]! == (string)cfo["ABM_HubSpot_Id__c"]!)!, "abm_buying_role"));
        var roles = (await harness.Store.DecisionHistoryAsync(ObjectPairs.Contacts, (string)cfo["Id"]!)).Where(e => e.Kind == BuyingRoleRules.RoleKind).ToList();
        Assert.Equal("economic-buyer", roles[^1].Value);
        Assert.Equal(roles.Count > 1 ? roles[^2].Value : null, roles[^1].Previous);

        // Coverage on both sides is the share of the five roles with a contact engaged in the last 30 days.
        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray().Select(a => a!.AsObject()).ToList();
        var covered = accounts.Where(a => (decimal?)a["ABM_Buying_Committee_Coverage__c"] > 0).ToList();
        var roleEntries = await harness.Store.CurrentDecisionsAsync(ObjectPairs.Contacts, BuyingRoleRules.RoleKind);
        var recent = await harness.Store.SignalsSinceAsync(clock.GetUtcNow().AddDays(-30));
        Assert.True(covered.Count > 0, $"roles {roleEntries.Count(e => e.Value is not null)}, signals in the last 30 days {recent.Count}");
        Assert.Contains(accounts, a => (bool?)a["ABM_Surge__c"] == true);
        Assert.All(accounts.Select(a => (decimal?)a["ABM_Buying_Committee_Coverage__c"]).OfType<decimal>(), c => Assert.Contains(c, new[] { 0m, 20m, 40m, 60m, 80m, 100m }));
    }

    [Fact]
    public async Task StagesAndInfluence_AgreeOnBothSidesAndWithTheRules_AndAWonOpportunityMakesACustomer()
    {
        var clock = DayAfterTheSeed();
        await using var harness = await SyncHarness.StartAsync(accounts: 100, seed: 47, time: clock);
        await harness.SyncAllAsync();
        await harness.EngagementArrivesAsync();
        // An opportunity created from a HubSpot deal has no creation date until it is read: its influence comes with
        // the pair's next run.
        await harness.SyncAllAsync();

        // Influence: the flag on both sides is the rule over the account's signals before the opportunity was created.
        var salesforce = await harness.SalesforceExportAsync();
        var hubSpot = await harness.HubSpotExportAsync();
        var deals = hubSpot["deals"]!.AsArray().ToDictionary(d => (string)d!["id"]!, d => d!, StringComparer.Ordinal);
        var dates = await harness.Host.Services.GetRequiredService<AccountEngagementBook>().SignalDatesAsync(clock.GetUtcNow());
        var influence = harness.Host.Services.GetRequiredService<SyncConfiguration>().MarketingInfluence;
        var opportunities = salesforce["Opportunity"]!.AsArray().Select(o => o!.AsObject()).Where(o => (string?)o["ABM_HubSpot_Id__c"] is not null).ToList();
        Assert.NotEmpty(opportunities);
        var influenced = 0;
        foreach (var opportunity in opportunities)
        {
            var expected = influence.Assess(DateTimeOffset.Parse((string)opportunity["CreatedDate"]!, CultureInfo.InvariantCulture),
                dates.GetValueOrDefault((string)opportunity["AccountId"]!) ?? []).Influenced;
            Assert.True(expected == ((bool?)opportunity["ABM_Marketing_Influenced__c"] == true),
                $"{opportunity["Id"]} created {opportunity["CreatedDate"]}: expected {expected}, account {opportunity["AccountId"]} signals {string.Join(",", (dates.GetValueOrDefault((string)opportunity["AccountId"]!) ?? []).Select(d => d.ToString("u", CultureInfo.InvariantCulture)))}");
            Assert.Equal(expected ? "true" : "false", Prop(deals[(string)opportunity["ABM_HubSpot_Id__c"]!], "abm_marketing_influenced"));
            influenced += expected ? 1 : 0;
        }
        Assert.InRange(influenced, 1, opportunities.Count - 1);

        // Stage: both sides agree with the ledger; an account with a won opportunity is a Customer, one with an open
        // opportunity and none won is in Opportunity (unless its type already made it a Customer).
        var companies = hubSpot["companies"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => c!, StringComparer.Ordinal);
        var stages = (await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.StageKind)).ToDictionary(e => e.RecordId, StringComparer.Ordinal);
        var accounts = salesforce["Account"]!.AsArray().Select(a => a!.AsObject()).Where(a => stages.ContainsKey((string)a["Id"]!)).ToList();
        Assert.NotEmpty(accounts);
        var byAccount = opportunities.GroupBy(o => (string)o["AccountId"]!).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            var id = (string)account["Id"]!;
            var stage = (string?)account["ABM_Stage__c"];
            Assert.Equal(stages[id].Value, stage);
            Assert.Equal(stage, Prop(companies[(string)account["ABM_HubSpot_Id__c"]!], "abm_stage"));
            Assert.Equal((bool?)account["ABM_Stalled__c"] == true ? "true" : "false", Prop(companies[(string)account["ABM_HubSpot_Id__c"]!], "abm_stalled"));
            var opps = byAccount.GetValueOrDefault(id) ?? [];
            if (opps.Any(o => (bool?)o["IsWon"] == true))
            {
                Assert.Equal("Customer", stage);
            }
            else if (opps.Any(o => (bool?)o["IsClosed"] != true) && (string?)account["Type"] != "Customer")
            {
                Assert.Equal("Opportunity", stage);
            }
        }
        Assert.Contains(accounts, a => (string?)a["ABM_Stage__c"] == "Engaged");

        // A rep wins an open opportunity of an account in Opportunity: the next sync makes it a Customer on both sides.
        var open = opportunities.First(o => (bool?)o["IsClosed"] != true && accounts.Any(a => (string)a["Id"]! == (string)o["AccountId"]! && (string?)a["ABM_Stage__c"] == "Opportunity"));
        await harness.Sandbox.EditAsSalesRepAsync("Opportunity", (string)open["Id"]!, new { StageName = "Closed Won" });
        await harness.SyncAllAsync();
        await harness.EngagementArrivesAsync();
        var won = (await harness.SalesforceExportAsync())["Account"]!.AsArray().Single(a => (string)a!["Id"]! == (string)open["AccountId"]!)!;
        Assert.Equal("Customer", (string?)won["ABM_Stage__c"]);
        Assert.Equal("Customer", Prop((await harness.HubSpotExportAsync())["companies"]!.AsArray().Single(c => (string)c!["id"]! == (string)won["ABM_HubSpot_Id__c"]!)!, "abm_stage"));
        var history = (await harness.Store.DecisionHistoryAsync(ObjectPairs.Accounts, (string)open["AccountId"]!)).Where(e => e.Kind == TierRules.StageKind).ToList();
        Assert.Equal(("Customer", "Opportunity"), (history[^1].Value, history[^1].Previous));
    }

    [Fact]
    public async Task LedgerRetention_PrunesReplacedEntriesOlderThanItWithTheEngagementRun_KeepsEveryRecordsCurrentDecision()
    {
        var clock = DayAfterTheSeed();
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 53, time: clock,
            settings: new Dictionary<string, string?> { ["Sync:LedgerRetention"] = "30.00:00:00" });
        await harness.SyncAllAsync();
        await harness.EngagementArrivesAsync();
        var before = await harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.EngagementKind);
        var replaced = new List<string>();
        foreach (var entry in before)
        {
            if ((await harness.Store.DecisionHistoryAsync(ObjectPairs.Accounts, entry.RecordId)).Count(e => e.Kind == TierRules.EngagementKind) > 1)
            {
                replaced.Add(entry.RecordId);
            }
        }
        Assert.NotEmpty(replaced);

        clock.Advance(TimeSpan.FromDays(40));
        var engagement = (await harness.Host.Services.GetRequiredService<PairSequence>()
            .RunAsync([ObjectPairs.Engagement], pair => new SyncRequest(Object: pair), CancellationToken.None))[0].Summary!;
        Assert.Contains("retention pruned", engagement.Message);

        foreach (var entry in before)
        {
            var history = (await harness.Store.DecisionHistoryAsync(ObjectPairs.Accounts, entry.RecordId)).Where(e => e.Kind == TierRules.EngagementKind).ToList();
            // The entry that was current 40 days ago is still there (it was current when the retention ran); what it replaced is gone.
            Assert.Contains(history, e => e.Id == entry.Id);
            Assert.DoesNotContain(history, e => e.Id < entry.Id);
        }
    }
}
