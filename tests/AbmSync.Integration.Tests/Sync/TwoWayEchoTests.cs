namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// People edit both systems while the engine runs: each edit crosses once, nothing comes back (no echo, no loop), and
/// the engine's own write never makes it drop a person's next edit. Real HTTP against both sandboxes.
/// </summary>
public class TwoWayEchoTests
{
    [Fact]
    public async Task OneEditEachSide_TenCycles_FirstCycleCarriesThem_LaterCyclesWriteNothing_ARepsEditBetweenCrosses()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 80, seed: 11);
        await harness.SyncAsync();
        // The city is one of routing's inputs in North America (a territory by city): accounts elsewhere keep their
        // territory when the rep moves the city, so the edit is the only change to carry.
        var countries = (await harness.SalesforceExportAsync())["Account"]!.AsArray()
            .ToDictionary(a => (string)a!["Id"]!, a => (string?)a!["BillingCountry"], StringComparer.Ordinal);
        var links = (await harness.Store.AllLinksAsync(global::AbmSync.Worker.Sync.ObjectPairs.Accounts))
            .Where(l => countries.GetValueOrDefault(l.SalesforceId) is not ("US" or "CA"))
            .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (salesforceEdited, hubSpotEdited) = (links[0], links[1]);

        // A rep changes a field that flows to HubSpot; a marketer renames a company (the name is two-way).
        await harness.EditAccountAsSalesRepAsync(salesforceEdited.SalesforceId, new { BillingCity = "Cycle One City" });
        await harness.Sandbox.EditAsMarketerAsync("companies", hubSpotEdited.HubSpotId, new Dictionary<string, string> { ["name"] = "Renamed In HubSpot" });

        var writes = new List<(long Salesforce, long HubSpot)>();
        for (var cycle = 1; cycle <= 10; cycle++)
        {
            await harness.ResetStatsAsync();
            var summary = await harness.SyncAsync();
            Assert.Equal("succeeded", summary.Status);
            writes.Add(((await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes));
            if (cycle == 1)
            {
                Assert.Equal(1, summary.SalesforceUpdated);
                Assert.Equal(1, summary.HubSpotUpdated);
                // Right after our write of the name into Salesforce, the rep edits another field of that same account.
                await harness.EditAccountAsSalesRepAsync(hubSpotEdited.SalesforceId, new { BillingCity = "Edited After Our Write" });
            }
            if (cycle == 2)
            {
                Assert.Equal(0, summary.SalesforceUpdated);
                Assert.Equal(1, summary.HubSpotUpdated);
            }
        }

        Assert.Equal((1L, 1L), writes[0]);
        Assert.Equal((0L, 1L), writes[1]);
        Assert.All(writes.Skip(2), w => Assert.Equal((0L, 0L), w));

        var accounts = (await harness.SalesforceExportAsync())["Account"]!.AsArray();
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray();
        string? Account(string id, string field) => (string?)accounts.Single(a => (string)a!["Id"]! == id)![field];
        string? Company(string id, string property) => (string?)companies.Single(c => (string)c!["id"]! == id)!["properties"]![property];
        Assert.Equal("Cycle One City", Company(salesforceEdited.HubSpotId, "city"));
        Assert.Equal("Renamed In HubSpot", Account(hubSpotEdited.SalesforceId, "Name"));
        Assert.Equal("Edited After Our Write", Company(hubSpotEdited.HubSpotId, "city"));
    }

    [Fact]
    public async Task PersonEditsOneWayFieldInHubSpot_PutBackAtNextSync_CountedAsCorrection()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 40, seed: 12);
        await harness.SyncAsync();
        var link = (await harness.Store.AllLinksAsync(global::AbmSync.Worker.Sync.ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var city = (string?)(await harness.HubSpotExportAsync())["companies"]!.AsArray().Single(c => (string)c!["id"]! == link.HubSpotId)!["properties"]!["city"];

        await harness.Sandbox.EditAsMarketerAsync("companies", link.HubSpotId, new Dictionary<string, string> { ["city"] = "Somewhere Else" });
        var summary = await harness.SyncAsync();
        var again = await harness.SyncAsync();

        Assert.Equal(1, summary.Corrections);
        Assert.Equal(1, summary.HubSpotUpdated);
        Assert.Equal(0, summary.SalesforceUpdated);
        var after = (string?)(await harness.HubSpotExportAsync())["companies"]!.AsArray().Single(c => (string)c!["id"]! == link.HubSpotId)!["properties"]!["city"];
        Assert.Equal(city ?? "", after ?? "");
        Assert.Equal(0, again.HubSpotUpdated + again.SalesforceUpdated + again.Corrections);
    }

    [Fact]
    public async Task Plan_ShowsTheHubSpotEditCrossing_WritesNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 40, seed: 13);
        await harness.SyncAsync();
        var link = (await harness.Store.AllLinksAsync(global::AbmSync.Worker.Sync.ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        await harness.Sandbox.EditAsMarketerAsync("companies", link.HubSpotId, new Dictionary<string, string> { ["name"] = "Planned Name" });
        await harness.ResetStatsAsync();

        var plan = await harness.SyncAsync(new global::AbmSync.Worker.Sync.SyncRequest(DryRun: true));

        var record = Assert.Single(plan.Plans);
        Assert.Equal(link.SalesforceId, record.SalesforceId);
        Assert.Equal("Planned Name", record.SalesforceWrites["Name"]);
        Assert.Empty(record.HubSpotWrites);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes);
        Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        var real = await harness.SyncAsync();
        Assert.Equal(1, real.SalesforceUpdated);
    }

    [Fact]
    public async Task OneDirection_CarriesOnlyThatSidesChanges_TheOtherWaitsForItsDirection()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 40, seed: 17);
        await harness.SyncAsync();
        var links = (await harness.Store.AllLinksAsync(global::AbmSync.Worker.Sync.ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        await harness.EditAccountAsSalesRepAsync(links[0].SalesforceId, new { BillingCity = "Only When Salesforce Drives" });
        await harness.Sandbox.EditAsMarketerAsync("companies", links[1].HubSpotId, new Dictionary<string, string> { ["name"] = "Only When HubSpot Drives" });

        var fromHubSpot = await harness.SyncAsync(new global::AbmSync.Worker.Sync.SyncRequest { Direction = global::AbmSync.Worker.Sync.SyncDirections.HubSpotToSalesforce });
        var fromSalesforce = await harness.SyncAsync(new global::AbmSync.Worker.Sync.SyncRequest { Direction = global::AbmSync.Worker.Sync.SyncDirections.SalesforceToHubSpot });
        var both = await harness.SyncAsync();

        Assert.Equal((1, 0), (fromHubSpot.SalesforceUpdated, fromHubSpot.HubSpotUpdated));
        Assert.Equal(0, fromHubSpot.RecordsRead);
        Assert.Equal((0, 1), (fromSalesforce.SalesforceUpdated, fromSalesforce.HubSpotUpdated));
        Assert.Equal(0, fromSalesforce.HubSpotRead);
        Assert.Equal(0, both.SalesforceUpdated + both.HubSpotUpdated);
    }

    [Fact]
    public async Task Partitions_EachCarriesOnlyItsOwnRecords_TogetherEveryEditOnce()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 120, seed: 18);
        await harness.SyncAsync();
        var links = (await harness.Store.AllLinksAsync(global::AbmSync.Worker.Sync.ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).Take(30).ToList();
        foreach (var link in links)
        {
            await harness.EditAccountAsSalesRepAsync(link.SalesforceId, new { BillingCity = $"Partitioned {link.SalesforceId}" });
        }
        var first = new global::AbmSync.Worker.Sync.Partition(0, 2);
        var second = new global::AbmSync.Worker.Sync.Partition(1, 2);
        var mine = links.Count(l => first.Contains(l.SalesforceId));
        Assert.InRange(mine, 1, links.Count - 1);

        var a = await harness.SyncAsync(new global::AbmSync.Worker.Sync.SyncRequest { Partition = first });
        var b = await harness.SyncAsync(new global::AbmSync.Worker.Sync.SyncRequest { Partition = second });
        var again = await harness.SyncAsync(new global::AbmSync.Worker.Sync.SyncRequest { Partition = first });
        var whole = await harness.SyncAsync();

        Assert.Equal(mine, a.HubSpotUpdated);
        Assert.Equal(links.Count - mine, b.HubSpotUpdated);
        Assert.Equal(0, again.HubSpotUpdated + again.SalesforceUpdated);
        Assert.Equal(0, whole.HubSpotUpdated + whole.SalesforceUpdated);
        Assert.NotNull(await harness.Store.GetCursorAsync("accounts#0/2", "salesforce"));
        Assert.NotNull(await harness.Store.GetCursorAsync("accounts#1/2", "salesforce"));
        var companies = (await harness.HubSpotExportAsync())["companies"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => (string?)c!["properties"]!["city"]);
        Assert.All(links, l => Assert.Equal($"Partitioned {l.SalesforceId}", companies[l.HubSpotId]));
    }
}
