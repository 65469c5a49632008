using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>Tier caps count only accounts that are live and included now; one that leaves the list has its tier taken back.</summary>
public class TargetListTests
{
    [Fact]
    public async Task AccountTurnedPartnerOrDeleted_LeavesTheCaps_TierTakenBackOnBothSides_StaysOffAfterRestart()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 200, seed: 15);
        var first = await harness.SyncAsync();
        var onList = first.AccountsPerTier.Values.Sum();
        var decisions = await harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind);
        var tiered = decisions.Where(d => d.Value is not null).OrderBy(d => d.RecordId, StringComparer.Ordinal).ToList();
        var (partner, deleted) = (tiered[0].RecordId, tiered[1].RecordId);
        var partnerTwin = (await harness.Store.GetLinksAsync(ObjectPairs.Accounts, [partner]))[partner].HubSpotId;

        await harness.EditAccountAsSalesRepAsync(partner, new { Type = "Partner" });
        await harness.Sandbox.DeleteAsSalesRepAsync("Account", deleted);
        var second = await harness.SyncAsync();

        Assert.Equal(onList - 2, second.AccountsPerTier.Values.Sum());
        Assert.Equal(1, second.Deleted);
        var account = (await harness.SalesforceExportAsync())["Account"]!.AsArray().Single(a => (string)a!["Id"]! == partner)!;
        Assert.Null((string?)account["ABM_Tier__c"]);
        Assert.StartsWith("Not on the target list: no longer passes the inclusion filter (Type is Partner)", (string?)account["ABM_Tier_Reason__c"], StringComparison.Ordinal);
        var company = (await harness.HubSpotExportAsync())["companies"]!.AsArray().Single(c => (string)c!["id"]! == partnerTwin)!;
        Assert.True(string.IsNullOrEmpty((string?)company["properties"]!["abm_tier"]));
        var stored = (await harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).ToDictionary(d => d.RecordId);
        Assert.Equal(TierRules.OffListDetail, stored[partner].Detail);
        Assert.Equal(TierRules.OffListDetail, stored[deleted].Detail);

        // A later run loads the population from the store: the two stay off the list, and nothing is written.
        var third = await harness.SyncAsync();
        Assert.Equal(onList - 2, third.AccountsPerTier.Values.Sum());
        Assert.Equal(0, third.SalesforceUpdated + third.HubSpotUpdated);
    }
}
