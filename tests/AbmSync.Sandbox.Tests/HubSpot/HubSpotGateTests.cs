using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

public sealed class HubSpotGateTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("pat-na1-not-a-sandbox-token")]
    public async Task Unauthenticated_Is401WithInvalidAuthenticationBody(string? token)
    {
        await using var portal = await Portal.StartAsync();
        using var client = portal.Client(token);
        var (status, body, _) = await Portal.SendAsync(client, HttpMethod.Get, "/crm/v3/objects/companies");
        Assert.Equal(401, status);
        Assert.Equal("error", body!["status"]!.GetValue<string>());
        Assert.Equal("INVALID_AUTHENTICATION", body["category"]!.GetValue<string>());
        Assert.StartsWith("Authentication credentials not found.", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(Guid.TryParse(body["correlationId"]!.GetValue<string>(), out _));
    }

    [Theory]
    [InlineData("/account-info/v3/details")]
    [InlineData("/account-info/2026-03/details")]
    public async Task AccountDetails_NameThePortalBySeed_WithItsTimeZoneAndCurrency(string path)
    {
        await using var three = await Portal.StartAsync(new SandboxOptions { Accounts = 5, Seed = 3 });
        await using var four = await Portal.StartAsync(new SandboxOptions { Accounts = 5, Seed = 4 });
        var (status, body, _) = await three.Get(path);
        var (_, other, _) = await four.Get(path);

        Assert.Equal(200, status);
        Assert.True(body!["portalId"]!.GetValue<long>() > 0);
        Assert.NotEqual(body["portalId"]!.GetValue<long>(), other!["portalId"]!.GetValue<long>());
        Assert.Equal("America/New_York", body["timeZone"]!.GetValue<string>());
        Assert.Equal("USD", body["companyCurrency"]!.GetValue<string>());
        Assert.Equal(-18_000_000, body["utcOffsetMilliseconds"]!.GetValue<long>());
    }

    [Fact]
    public async Task BurstWindow_RefusesTheCallOverTheRate_Then_AdmitsAfterTheWindow()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 20, Seed = 1, HubSpotRate = "5/10s" });
        for (var i = 0; i < 5; i++)
        {
            var (ok, _, response) = await portal.Get("/crm/v3/objects/companies?limit=1");
            Assert.Equal(200, ok);
            Assert.Equal("5", response.Headers.GetValues("X-HubSpot-RateLimit-Max").Single());
            Assert.Equal((4 - i).ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-HubSpot-RateLimit-Remaining").Single());
            Assert.Equal("10000", response.Headers.GetValues("X-HubSpot-RateLimit-Interval-Milliseconds").Single());
            Assert.True(response.Headers.Contains("X-HubSpot-RateLimit-Daily-Remaining"));
        }
        var (status, body, _) = await portal.Get("/crm/v3/objects/companies?limit=1");
        Assert.Equal(429, status);
        Assert.Equal("RATE_LIMIT", body!["errorType"]!.GetValue<string>());
        Assert.Equal("TEN_SECONDLY_ROLLING", body["policyName"]!.GetValue<string>());
        Assert.Equal("You have reached your ten_secondly_rolling limit.", body["message"]!.GetValue<string>());

        // The window is per app: the sales rep's token is not held back by the integration's calls.
        Assert.Equal(200, (await Portal.SendAsync(portal.Human, HttpMethod.Get, "/crm/v3/objects/companies?limit=1")).Status);

        portal.Time.Advance(TimeSpan.FromSeconds(10));
        var (again, _, _) = await portal.Get("/crm/v3/objects/companies?limit=1");
        Assert.Equal(200, again);
        Assert.Equal(1, (await portal.Stats())["throttled"]!.GetValue<long>());
    }

    [Fact]
    public async Task Search_HasItsOwnFivePerSecondLimit()
    {
        await using var portal = await Portal.StartAsync();
        var search = new JsonObject { ["limit"] = 1 };
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await portal.Post("/crm/v3/objects/companies/search", search.DeepClone())).Status);
        }
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/search", search.DeepClone());
        Assert.Equal(429, status);
        Assert.Equal("SECONDLY", body!["policyName"]!.GetValue<string>());
        // Other endpoints are not held back by the search limit.
        Assert.Equal(200, (await portal.Get("/crm/v3/objects/companies?limit=1")).Status);
        portal.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await portal.Post("/crm/v3/objects/companies/search", search.DeepClone())).Status);
    }

    [Fact]
    public async Task Stats_CountReadsWritesAndOthersByRouteTemplate()
    {
        await using var portal = await Portal.StartAsync();
        await Portal.SendAsync(portal.Http, HttpMethod.Post, "/_sandbox/stats/reset");
        var id = portal.Export()["companies"]![0]!["id"]!.GetValue<string>();

        await portal.Post("/crm/v3/objects/companies/batch/read", Portal.Inputs(new JsonObject { ["id"] = id }));
        await portal.Post("/crm/v3/objects/companies/search", new JsonObject { ["limit"] = 1 });
        await portal.Get("/crm/v3/owners?limit=5");
        await portal.Get("/crm/v3/properties/companies");
        await portal.CreateUniqueKey();
        await portal.Post("/crm/v3/objects/companies/batch/upsert", Portal.Inputs(new JsonObject
        {
            ["id"] = "001Q",
            ["idProperty"] = "abm_salesforce_id",
            ["properties"] = new JsonObject { ["name"] = "Q" },
        }));
        await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/objects/2026-03/companies/{id}", new JsonObject { ["properties"] = new JsonObject { ["city"] = "Oslo" } });

        var stats = await portal.Stats();
        Assert.Equal(8, stats["calls"]!.GetValue<long>());
        Assert.Equal(4, stats["reads"]!.GetValue<long>());
        Assert.Equal(2, stats["writes"]!.GetValue<long>());
        var byEndpoint = stats["byEndpoint"]!;
        Assert.Equal(1, byEndpoint["POST /crm/v3/objects/{objectType}/batch/read"]!.GetValue<long>());
        Assert.Equal(1, byEndpoint["POST /crm/v3/properties/{objectType}/groups"]!.GetValue<long>());
        Assert.Equal(1, byEndpoint["PATCH /crm/objects/{version}/{objectType}/{objectId}"]!.GetValue<long>());
    }

    [Fact]
    public async Task Faults_Injected429IsTheTenSecondlyBody_AndCountsAsThrottled()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 20, Seed = 1, HubSpotFaults = "429:1" });
        var (status, body, _) = await portal.Get("/crm/v3/objects/companies");
        Assert.Equal(429, status);
        Assert.Equal("TEN_SECONDLY_ROLLING", body!["policyName"]!.GetValue<string>());
        Assert.Equal(1, (await portal.Stats())["throttled"]!.GetValue<long>());
    }

    [Fact]
    public async Task Faults_InjectedOnApiCallsOnly()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 20, Seed = 1, HubSpotFaults = "502:1" });
        Assert.Equal(502, (await portal.Get("/crm/v3/objects/companies")).Status);
        Assert.Equal(200, (await Portal.SendAsync(portal.Http, HttpMethod.Get, "/_sandbox/export")).Status);
    }

    [Fact]
    public async Task OAuth_RefreshGrantIssuesExpiringTokens_ExpiredOnesAre401ExpiredAuthentication()
    {
        await using var portal = await Portal.StartAsync();
        using var anonymous = portal.Client(null);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = HubSpotEmulator.OAuthClientId,
            ["client_secret"] = HubSpotEmulator.OAuthClientSecret,
            ["refresh_token"] = HubSpotEmulator.OAuthRefreshToken,
        });
        using var tokenResponse = await anonymous.PostAsync("/oauth/v1/token", form);
        Assert.Equal(200, (int)tokenResponse.StatusCode);
        var token = JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync())!;
        Assert.Equal(1800, token["expires_in"]!.GetValue<long>());

        using var client = portal.Client(token["access_token"]!.GetValue<string>());
        Assert.Equal(200, (await Portal.SendAsync(client, HttpMethod.Get, "/crm/v3/objects/companies?limit=1")).Status);
        portal.Time.Advance(TimeSpan.FromMinutes(31));
        var (status, body, _) = await Portal.SendAsync(client, HttpMethod.Get, "/crm/v3/objects/companies?limit=1");
        Assert.Equal(401, status);
        Assert.Equal("EXPIRED_AUTHENTICATION", body!["category"]!.GetValue<string>());
        Assert.Contains("expired 60 second(s) ago", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        using var badForm = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = HubSpotEmulator.OAuthClientId,
            ["client_secret"] = HubSpotEmulator.OAuthClientSecret,
            ["refresh_token"] = "stolen",
        });
        using var bad = await anonymous.PostAsync("/oauth/v1/token", badForm);
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Equal("BAD_REFRESH_TOKEN", JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
    }
}
