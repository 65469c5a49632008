using System.Text.Json.Nodes;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>A person's merge of accounts, contacts and leads (SandboxHost.MergeAsSalesRepAsync), seen through the REST API.</summary>
public sealed class SalesforceMergeTests
{
    const string Stamp = "2026-11-25T12:05:00.000+0000";

    static List<string> Ids(JsonObject answer) => answer["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToList();

    static string In(IEnumerable<string> ids) => string.Join(", ", ids.Select(i => $"'{i}'"));

    [Fact]
    public async Task AccountMerge_DeletesTheLoserIntoTheMaster_AndMovesItsContactsAndOpportunities_AsTheRep()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var export = org.Emulator.Org.Export();
        var withBoth = export["Opportunity"]!.AsArray().Select(o => o!["AccountId"]!.GetValue<string>())
            .Intersect(export["Contact"]!.AsArray().Select(c => c!["AccountId"]?.GetValue<string>()).OfType<string>())
            .Take(2).ToList();
        var (master, loser) = (withBoth[0], withBoth[1]);
        var loserContacts = Ids(await QueryAsync(client, $"SELECT Id FROM Contact WHERE AccountId = '{loser}'"));
        var loserOpportunities = Ids(await QueryAsync(client, $"SELECT Id FROM Opportunity WHERE AccountId = '{loser}'"));
        var masterContacts = Ids(await QueryAsync(client, $"SELECT Id FROM Contact WHERE AccountId = '{master}'"));
        Assert.NotEmpty(loserContacts);
        Assert.NotEmpty(loserOpportunities);

        org.Time.Advance(TimeSpan.FromMinutes(5));
        var outcome = await org.Host.MergeAsSalesRepAsync("Account", master, [loser]);
        Assert.Equal(master, outcome.Id);
        Assert.Equal([loser], outcome.MergedRecordIds);
        Assert.Equal(loserContacts.Concat(loserOpportunities).Order(), outcome.UpdatedRelatedIds.Order());

        var rep = org.Emulator.Org.SalesRepUserId;
        Assert.Equal(404, (await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/{loser}")).Status);
        var gone = (await QueryAsync(client, $"SELECT Id, IsDeleted, MasterRecordId, LastModifiedById, SystemModstamp FROM Account WHERE Id = '{loser}'", "queryAll"))["records"]![0]!;
        Assert.True(gone["IsDeleted"]!.GetValue<bool>());
        Assert.Equal(master, gone["MasterRecordId"]!.GetValue<string>());
        Assert.Equal(rep, gone["LastModifiedById"]!.GetValue<string>());
        Assert.Equal(Stamp, gone["SystemModstamp"]!.GetValue<string>());

        var moved = (await QueryAsync(client, $"SELECT Id, AccountId, SystemModstamp, LastModifiedById FROM Contact WHERE Id IN ({In(loserContacts)})"))["records"]!.AsArray();
        Assert.All(moved, c =>
        {
            Assert.Equal(master, c!["AccountId"]!.GetValue<string>());
            Assert.Equal(Stamp, c["SystemModstamp"]!.GetValue<string>());
            Assert.Equal(rep, c["LastModifiedById"]!.GetValue<string>());
        });
        Assert.Equal(masterContacts.Concat(loserContacts).Order(), Ids(await QueryAsync(client, $"SELECT Id FROM Contact WHERE AccountId = '{master}'")).Order());
        Assert.Equal(0, (await QueryAsync(client, $"SELECT COUNT() FROM Opportunity WHERE AccountId = '{loser}'"))["totalSize"]!.GetValue<int>());
        var opportunities = (await QueryAsync(client, $"SELECT AccountId, SystemModstamp FROM Opportunity WHERE Id IN ({In(loserOpportunities)})"))["records"]!.AsArray();
        Assert.All(opportunities, o => Assert.Equal((master, Stamp), (o!["AccountId"]!.GetValue<string>(), o["SystemModstamp"]!.GetValue<string>())));
        var masterNow = (await QueryAsync(client, $"SELECT SystemModstamp FROM Account WHERE Id = '{master}'"))["records"]![0]!;
        Assert.Equal(Stamp, masterNow["SystemModstamp"]!.GetValue<string>());

        org.Time.Advance(TimeSpan.FromMinutes(2));
        var window = $"start={Uri.EscapeDataString("2026-11-25T12:00:00Z")}&end={Uri.EscapeDataString("2026-11-25T12:10:00Z")}";
        var (_, deleted, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/deleted/?{window}");
        Assert.Equal([loser], deleted!["deletedRecords"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
        Assert.Equal(Stamp, deleted["deletedRecords"]![0]!["deletedDate"]!.GetValue<string>());
        var (_, updated, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Contact/updated/?{window}");
        Assert.Equal(loserContacts.Order(), updated!["ids"]!.AsArray().Select(i => i!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task ContactMerge_MovesTheLosersContactRolesToTheMaster()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var roles = org.Emulator.Org.Export()["OpportunityContactRole"]!.AsArray();
        var loser = roles[0]!["ContactId"]!.GetValue<string>();
        var loserRoles = roles.Where(r => r!["ContactId"]!.GetValue<string>() == loser).Select(r => r!["Id"]!.GetValue<string>()).ToList();
        var master = Ids(await QueryAsync(client, $"SELECT Id FROM Contact WHERE Id != '{loser}' ORDER BY Id LIMIT 1"))[0];

        org.Time.Advance(TimeSpan.FromMinutes(5));
        var outcome = await org.Host.MergeAsSalesRepAsync("Contact", master, [loser]);
        Assert.Equal(loserRoles.Order(), outcome.UpdatedRelatedIds.Order());
        var moved = (await QueryAsync(client, $"SELECT ContactId, SystemModstamp, LastModifiedById FROM OpportunityContactRole WHERE Id IN ({In(loserRoles)})"))["records"]!.AsArray();
        Assert.All(moved, r => Assert.Equal((master, Stamp, org.Emulator.Org.SalesRepUserId),
            (r!["ContactId"]!.GetValue<string>(), r["SystemModstamp"]!.GetValue<string>(), r["LastModifiedById"]!.GetValue<string>())));
        var gone = (await QueryAsync(client, $"SELECT IsDeleted, MasterRecordId FROM Contact WHERE Id = '{loser}'", "queryAll"))["records"]![0]!;
        Assert.True(gone["IsDeleted"]!.GetValue<bool>());
        Assert.Equal(master, gone["MasterRecordId"]!.GetValue<string>());
        Assert.Empty(Ids(await QueryAsync(client, $"SELECT Id FROM Contact WHERE Id = '{loser}'")));
    }

    [Fact]
    public async Task LeadMerge_TwoLosersAtOnce_BothDeletedIntoTheMaster()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var leads = Ids(await QueryAsync(client, "SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 3"));
        var outcome = await org.Host.MergeAsSalesRepAsync("Lead", leads[0], [leads[1], leads[2]]);
        Assert.Equal([leads[1], leads[2]], outcome.MergedRecordIds);
        Assert.Empty(outcome.UpdatedRelatedIds);
        var gone = (await QueryAsync(client, $"SELECT Id, MasterRecordId FROM Lead WHERE IsDeleted = true AND Id IN ({In(leads)}) ORDER BY Id", "queryAll"))["records"]!.AsArray();
        Assert.Equal([(leads[1], leads[0]), (leads[2], leads[0])], gone.Select(g => (g!["Id"]!.GetValue<string>(), g["MasterRecordId"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Merge_RefusesWhatMergeRefuses()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var accounts = Ids(await QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 4"));
        var opportunities = Ids(await QueryAsync(client, "SELECT Id FROM Opportunity ORDER BY Id LIMIT 2"));
        var converted = Ids(await QueryAsync(client, "SELECT Id FROM Lead WHERE IsConverted = true LIMIT 1"));
        var open = Ids(await QueryAsync(client, "SELECT Id FROM Lead WHERE IsConverted = false LIMIT 1"));
        await Assert.ThrowsAsync<ArgumentException>(() => org.Host.MergeAsSalesRepAsync("Account", accounts[0], [accounts[1], accounts[2], accounts[3]]));
        await Assert.ThrowsAsync<ArgumentException>(() => org.Host.MergeAsSalesRepAsync("Account", accounts[0], [accounts[0]]));
        await Assert.ThrowsAsync<ArgumentException>(() => org.Host.MergeAsSalesRepAsync("Opportunity", opportunities[0], [opportunities[1]]));
        await Assert.ThrowsAsync<ArgumentException>(() => org.Host.MergeAsSalesRepAsync("Account", accounts[0], [opportunities[0]]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => org.Host.MergeAsSalesRepAsync("Lead", open[0], [converted[0]]));

        await org.Host.MergeAsSalesRepAsync("Account", accounts[0], [accounts[1]]);
        await Assert.ThrowsAsync<ArgumentException>(() => org.Host.MergeAsSalesRepAsync("Account", accounts[2], [accounts[1]]));
        // Nothing a refused merge touched changed.
        Assert.Equal(3, (await QueryAsync(client, $"SELECT COUNT() FROM Account WHERE Id IN ({In(accounts)})"))["totalSize"]!.GetValue<int>());
    }
}
