using AbmSync.Connectors.Salesforce;
using WireMock.RequestBuilders;
using static AbmSync.Connectors.Tests.Salesforce.SalesforceTestHost;

namespace AbmSync.Connectors.Tests.Salesforce;

/// <summary>The <c>deleted</c> replication call: its query string, its answer's dates, and its refusal of an old start.</summary>
public sealed class SalesforceReplicationTests
{
    [Fact]
    public async Task GetDeletedAsync_SendsTheWindowAsIsoUtc_AndParsesSalesforcesOffsetWithoutAColon()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/sobjects/Contact/deleted/").UsingGet()
                .WithParam("start", "2026-11-01T10:00:00Z").WithParam("end", "2026-11-02T10:30:00Z"))
            .RespondWith(Json(200, """
                {"deletedRecords":[{"id":"003000000000001AAA","deletedDate":"2026-11-01T12:34:00.000+0000"}],
                 "earliestDateAvailable":"2026-10-03T10:30:00.000+0000","latestDateCovered":"2026-11-02T10:30:00.000+0000"}
                """));

        var deleted = await host.Client.GetDeletedAsync("Contact",
            new DateTimeOffset(2026, 11, 1, 11, 0, 0, TimeSpan.FromHours(1)), new DateTimeOffset(2026, 11, 2, 10, 30, 0, TimeSpan.Zero));

        var record = Assert.Single(deleted.Records);
        Assert.Equal("003000000000001AAA", record.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 34, 0, TimeSpan.Zero), record.DeletedDate);
        Assert.Equal(new DateTimeOffset(2026, 10, 3, 10, 30, 0, TimeSpan.Zero), deleted.EarliestDateAvailable);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 10, 30, 0, TimeSpan.Zero), deleted.LatestDateCovered);
    }

    [Fact]
    public async Task GetDeletedAsync_AStartOlderThanTheWindow_IsRefusedWithItsCode()
    {
        using var host = Start();
        host.Server.Given(Request.Create().WithPath($"{DataPath}/sobjects/Account/deleted/").UsingGet())
            .RespondWith(Json(400, """[{"message":"startDate cannot be more than 30 days ago","errorCode":"INVALID_REPLICATION_DATE"}]"""));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() =>
            host.Client.GetDeletedAsync("Account", DateTimeOffset.UtcNow.AddDays(-40), DateTimeOffset.UtcNow));

        Assert.Contains(e.Errors, x => x.Code == "INVALID_REPLICATION_DATE");
    }
}
