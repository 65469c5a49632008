using System.Text.Json.Nodes;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>The replication calls follow the sandbox's clock: what "30 days ago" is moves with the TimeProvider.</summary>
public sealed class SalesforceReplicationClockTests
{
    static string Q(string start, string end) => $"start={Uri.EscapeDataString(start)}&end={Uri.EscapeDataString(end)}";

    [Fact]
    public async Task Deleted_EarliestDateAvailableFollowsTheClock_AndAStartOlderThan30DaysAfterMoving31DaysIsRefused()
    {
        await using var org = await StartAsync();
        using var first = await org.LoginAsRepAsync();
        var client = first;
        var ids = (await QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 2"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToList();
        Assert.Equal(204, (await SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/sobjects/Account/{ids[0]}")).Status);

        org.Time.Advance(TimeSpan.FromMinutes(1));
        var (status, today, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/deleted/?{Q("2026-11-25T11:00:00Z", "2026-11-25T13:00:00Z")}");
        Assert.Equal(200, status);
        Assert.Equal("2026-10-26T12:01:00.000+0000", today!["earliestDateAvailable"]!.GetValue<string>());
        Assert.Equal([ids[0]], today["deletedRecords"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));

        org.Time.Advance(TimeSpan.FromDays(31));
        // A session lives hours, not a month.
        Assert.Equal(401, (await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/limits")).Status);
        using var second = await org.LoginAsRepAsync();
        client = second;
        Assert.Equal(204, (await SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/sobjects/Account/{ids[1]}")).Status);
        org.Time.Advance(TimeSpan.FromMinutes(1));

        // The first delete's start is now 31 days back: past what the org keeps.
        var (tooOld, error, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/deleted/?{Q("2026-11-25T11:00:00Z", "2026-12-26T13:00:00Z")}");
        Assert.Equal(400, tooOld);
        Assert.Equal("INVALID_REPLICATION_DATE", error![0]!["errorCode"]!.GetValue<string>());
        var (updatedTooOld, _, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/updated/?{Q("2026-11-25T11:00:00Z", "2026-12-26T13:00:00Z")}");
        Assert.Equal(400, updatedTooOld);

        var (recent, later, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/deleted/?{Q("2026-11-27T00:00:00Z", "2026-12-26T13:00:00Z")}");
        Assert.Equal(200, recent);
        Assert.Equal("2026-11-26T12:02:00.000+0000", later!["earliestDateAvailable"]!.GetValue<string>());
        Assert.Equal("2026-12-26T12:02:00.000+0000", later["latestDateCovered"]!.GetValue<string>());
        Assert.Equal([ids[1]], later["deletedRecords"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
        Assert.Equal("2026-12-26T12:01:00.000+0000", later["deletedRecords"]![0]!["deletedDate"]!.GetValue<string>());
    }
}
