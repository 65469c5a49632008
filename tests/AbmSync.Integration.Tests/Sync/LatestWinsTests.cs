using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// <c>latest-wins</c> decided by honest times: HubSpot's property history against Salesforce's field history, read
/// only for records whose field both sides changed. A person's edits through each API, in a known order.
/// </summary>
public sealed class LatestWinsTests : IDisposable
{
    readonly DirectoryInfo mappings = Directory.CreateTempSubdirectory("abmsync-latest-wins-");

    public LatestWinsTests()
    {
        var shipped = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
        File.Copy(Path.Combine(shipped, "rules.yaml"), Path.Combine(mappings.FullName, "rules.yaml"));
        File.Copy(Path.Combine(shipped, "contacts.yaml"), Path.Combine(mappings.FullName, "contacts.yaml"));
        File.Copy(Path.Combine(shipped, "leads.yaml"), Path.Combine(mappings.FullName, "leads.yaml"));
        File.Copy(Path.Combine(shipped, "opportunities.yaml"), Path.Combine(mappings.FullName, "opportunities.yaml"));
        var accounts = File.ReadAllText(Path.Combine(shipped, "accounts.yaml"))
            .Replace("{ salesforce: Name, hubspot: name, direction: two-way, conflict: salesforce-wins, transform: trim }",
                "{ salesforce: Name, hubspot: name, direction: two-way, conflict: latest-wins, transform: trim }", StringComparison.Ordinal);
        Assert.Contains("conflict: latest-wins", accounts, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(mappings.FullName, "accounts.yaml"), accounts);
    }

    public void Dispose() => mappings.Delete(recursive: true);

    [Fact]
    public async Task BothSidesRenamed_TheLaterEditWins_DecidedByBothHistories()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 40, seed: 14, settings: new Dictionary<string, string?> { ["Mappings:Directory"] = mappings.FullName });
        await harness.SyncAsync();
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (hubSpotLater, salesforceLater) = (links[0], links[1]);

        // Account A: Salesforce first, HubSpot later. Account B: HubSpot first, Salesforce later.
        await harness.EditAccountAsSalesRepAsync(hubSpotLater.SalesforceId, new { Name = "Salesforce Earlier A" });
        await harness.Sandbox.EditAsMarketerAsync("companies", salesforceLater.HubSpotId, new Dictionary<string, string> { ["name"] = "HubSpot Earlier B" });
        await Task.Delay(50);
        await harness.Sandbox.EditAsMarketerAsync("companies", hubSpotLater.HubSpotId, new Dictionary<string, string> { ["name"] = "HubSpot Later A" });
        await harness.EditAccountAsSalesRepAsync(salesforceLater.SalesforceId, new { Name = "Salesforce Later B" });

        var plan = await harness.SyncAsync(new SyncRequest(DryRun: true));
        var a = Assert.Single(plan.Plans, p => p.SalesforceId == hubSpotLater.SalesforceId);
        var b = Assert.Single(plan.Plans, p => p.SalesforceId == salesforceLater.SalesforceId);
        var conflictA = Assert.Single(a.Conflicts);
        var conflictB = Assert.Single(b.Conflicts);
        Assert.Equal((SyncSide.HubSpot, ConflictPolicy.LatestWins, false), (conflictA.Winner, conflictA.Policy, conflictA.Uncertain));
        Assert.Equal((SyncSide.Salesforce, false), (conflictB.Winner, conflictB.Uncertain));
        Assert.Contains("hubspot history", conflictA.DecidedBy, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("salesforce field history", conflictA.DecidedBy, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("HubSpot Later A", a.SalesforceWrites["Name"]);
        Assert.Equal("Salesforce Later B", b.HubSpotWrites["name"]);

        var real = await harness.SyncAsync();
        Assert.Equal(2, real.Conflicts);
        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray();
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray();
        Assert.Equal("HubSpot Later A", (string?)accounts.Single(x => (string)x!["Id"]! == hubSpotLater.SalesforceId)!["Name"]);
        Assert.Equal("Salesforce Later B", (string?)companies.Single(x => (string)x!["id"]! == salesforceLater.HubSpotId)!["properties"]!["name"]);
        var again = await harness.SyncAsync();
        Assert.Equal(0, again.SalesforceUpdated + again.HubSpotUpdated + again.Conflicts);
    }
}
