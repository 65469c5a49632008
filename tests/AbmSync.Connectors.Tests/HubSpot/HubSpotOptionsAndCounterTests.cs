using AbmSync.Connectors.HubSpot;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotOptionsAndCounterTests
{
    [Theory]
    [InlineData("HubSpot:ApiVersion", "v4", "ApiVersion")]
    [InlineData("HubSpot:ApiVersion", "2026-3", "ApiVersion")]
    [InlineData("HubSpot:BaseUrl", "https://api.hubapi.com/crm/v3", "host root")]
    [InlineData("HubSpot:AccessToken", "", "AccessToken is required")]
    [InlineData("HubSpot:RequestsPer10Seconds", "0", "RequestsPer10Seconds")]
    [InlineData("HubSpot:OAuth:ClientId", "only-the-id", "OAuth needs")]
    public void InvalidOptions_FailAtStart_WithTheReason(string key, string value, string reason)
    {
        using var f = HubSpotFixture.Create(new() { [key] = value });

        var ex = Assert.Throws<OptionsValidationException>(() => f.Provider.GetRequiredService<IOptions<HubSpotOptions>>().Value);

        Assert.Contains(reason, ex.Message);
        Assert.DoesNotContain(HubSpotFixture.Token, ex.Message);
    }

    [Fact]
    public void ValidOptions_BindAndToStringHidesSecrets()
    {
        using var f = HubSpotFixture.Create(new()
        {
            ["HubSpot:ApiVersion"] = "2026-03",
            ["HubSpot:OAuth:ClientId"] = "client-1",
            ["HubSpot:OAuth:ClientSecret"] = "very-secret-client-secret",
            ["HubSpot:OAuth:RefreshToken"] = "very-secret-refresh-token",
        });

        var options = f.Provider.GetRequiredService<IOptions<HubSpotOptions>>().Value;
        var text = options.ToString();

        Assert.False(options.IsLegacyV3);
        Assert.Equal(190, options.RequestsPer10Seconds);
        Assert.DoesNotContain(HubSpotFixture.Token, text);
        Assert.DoesNotContain("very-secret", text);
        Assert.Contains("client-1", text);
    }

    [Theory]
    [InlineData("GET", "/crm/v3/objects/companies", "GET /crm/v3/objects/{objectType}", "read")]
    [InlineData("GET", "/crm/v3/objects/companies/512", "GET /crm/v3/objects/{objectType}/{objectId}", "read")]
    [InlineData("POST", "/crm/v3/objects/contacts/search", "POST /crm/v3/objects/{objectType}/search", "read")]
    [InlineData("POST", "/crm/v3/objects/companies/batch/read", "POST /crm/v3/objects/{objectType}/batch/read", "read")]
    [InlineData("POST", "/crm/objects/2026-03/companies/batch/upsert", "POST /crm/objects/2026-03/{objectType}/batch/upsert", "write")]
    [InlineData("POST", "/crm/v3/objects/deals/batch/create", "POST /crm/v3/objects/{objectType}/batch/create", "write")]
    [InlineData("POST", "/crm/v3/objects/deals/batch/update", "POST /crm/v3/objects/{objectType}/batch/update", "write")]
    [InlineData("POST", "/crm/v3/objects/deals/batch/archive", "POST /crm/v3/objects/{objectType}/batch/archive", "write")]
    [InlineData("POST", "/crm/v3/objects/deals", "POST /crm/v3/objects/{objectType}", "write")]
    [InlineData("PATCH", "/crm/v3/objects/deals/7", "PATCH /crm/v3/objects/{objectType}/{objectId}", "write")]
    [InlineData("DELETE", "/crm/v3/objects/deals/7", "DELETE /crm/v3/objects/{objectType}/{objectId}", "write")]
    [InlineData("GET", "/crm/v3/properties/companies", "GET /crm/v3/properties/{objectType}", "read")]
    [InlineData("GET", "/crm/v3/properties/companies/groups", "GET /crm/v3/properties/{objectType}/groups", "read")]
    [InlineData("POST", "/crm/v3/properties/companies/groups", "POST /crm/v3/properties/{objectType}/groups", "other")]
    [InlineData("POST", "/crm/v3/properties/companies/batch/create", "POST /crm/v3/properties/{objectType}/batch/create", "other")]
    [InlineData("GET", "/crm/v3/owners", "GET /crm/v3/owners", "read")]
    [InlineData("POST", "/crm/v4/associations/contacts/companies/batch/read", "POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read", "read")]
    [InlineData("POST", "/crm/v4/associations/deals/companies/batch/create", "POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create", "write")]
    [InlineData("POST", "/crm/v4/associations/deals/companies/batch/associate/default", "POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/associate/default", "write")]
    [InlineData("POST", "/oauth/v1/token", "POST /oauth/v1/token", "other")]
    public void Classify_FollowsTheReadmeRules(string method, string path, string template, string kind)
    {
        var (actualTemplate, actualKind) = HubSpotCallCounter.Classify(new HttpMethod(method), path);

        Assert.Equal(template, $"{method} {actualTemplate}");
        Assert.Equal(kind, actualKind.ToString().ToLowerInvariant());
    }

    [Fact]
    public void Counter_SnapshotAndReset()
    {
        var counter = new HubSpotCallCounter();
        counter.Record(HttpMethod.Post, "/crm/v3/objects/companies/batch/upsert", 429);
        counter.Record(HttpMethod.Post, "/crm/v3/objects/companies/batch/upsert", 200);
        counter.Record(HttpMethod.Post, "/crm/v3/properties/companies/batch/create", 201);

        var stats = counter.Snapshot();
        counter.Reset();

        Assert.Equal((3, 0, 2, 1), (stats.Calls, stats.Reads, stats.Writes, stats.Throttled));
        Assert.Equal(2, stats.ByEndpoint["POST /crm/v3/objects/{objectType}/batch/upsert"]);
        Assert.Equal(0, counter.Snapshot().Calls);
        Assert.Empty(counter.Snapshot().ByEndpoint);
    }
}
