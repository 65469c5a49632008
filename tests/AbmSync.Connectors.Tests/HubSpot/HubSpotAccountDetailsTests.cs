using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotAccountDetailsTests
{
    [Fact]
    public async Task GetAccountDetails_ReadsPortalIdTimeZoneAndCurrency_FromTheV3Path()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/account-info/v3/details").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(
                """{"portalId":2519445,"accountType":"STANDARD","timeZone":"US/Eastern","companyCurrency":"USD","additionalCurrencies":[],"utcOffset":"-05:00","utcOffsetMilliseconds":-18000000,"uiDomain":"app.hubspot.com","dataHostingLocation":"na1"}"""));

        var details = await f.Client.GetAccountDetailsAsync();

        Assert.Equal(new AbmSync.Connectors.HubSpot.HubSpotAccountDetails(2519445, "STANDARD", "US/Eastern", "USD", "-05:00"), details);
        Assert.Equal(1, f.Counter.Snapshot().Reads);
    }
}
