using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>
/// The recycle bin: a record deleted through the API is visible to queryAll for 15 days (the deleted replication call
/// reports it for 30), and a person can restore it within those 15 days, id and values as they were.
/// </summary>
public sealed class SalesforceRecycleBinTests
{
    static async Task<int> CountAsync(HttpClient client, string soql, string resource = "query") =>
        (await QueryAsync(client, soql, resource))["totalSize"]!.GetValue<int>();

    [Fact]
    public async Task ADeletedRecord_LeavesQueryAllAfter15Days_AndCanBeRestoredOnlyBefore()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsRepAsync();
        var ids = (await QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 2"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToList();
        var seededLosers = await CountAsync(client, "SELECT Id FROM Account WHERE IsDeleted = true", "queryAll");
        Assert.Equal(204, (await SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/sobjects/Account/{ids[0]}")).Status);
        Assert.Equal(204, (await SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/sobjects/Account/{ids[1]}")).Status);
        Assert.Equal(seededLosers + 2, await CountAsync(client, "SELECT Id FROM Account WHERE IsDeleted = true", "queryAll"));

        // Restored within the 15 days: live again, with a new SystemModstamp.
        org.Time.Advance(TimeSpan.FromDays(3));
        await org.Host.UndeleteAsSalesRepAsync(ids[0]);
        using var again = await org.LoginAsRepAsync();
        var restored = (await QueryAsync(again, $"SELECT Id, IsDeleted, SystemModstamp FROM Account WHERE Id = '{ids[0]}'"))["records"]!.AsArray().Single()!;
        Assert.False(restored["IsDeleted"]!.GetValue<bool>());

        // The other one, 16 days after its delete: gone from queryAll and beyond restoring; the seeded losers stay.
        org.Time.Advance(TimeSpan.FromDays(13));
        using var later = await org.LoginAsRepAsync();
        Assert.Equal(seededLosers, await CountAsync(later, "SELECT Id FROM Account WHERE IsDeleted = true", "queryAll"));
        Assert.Equal(0, await CountAsync(later, $"SELECT Id FROM Account WHERE Id = '{ids[1]}'", "queryAll"));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => org.Host.UndeleteAsSalesRepAsync(ids[1]));
        Assert.Contains("UNDELETE_FAILED", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(later, $"SELECT Id FROM Account WHERE Id = '{ids[0]}'"));
    }
}
