using System.Net;
using AbmSync.Connectors.HubSpot;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotAuthAndRateLimitTests
{
    private static readonly Dictionary<string, string?> OAuthSettings = new()
    {
        ["HubSpot:AccessToken"] = "",
        ["HubSpot:OAuth:ClientId"] = "client-1",
        ["HubSpot:OAuth:ClientSecret"] = "client-secret-xyz",
        ["HubSpot:OAuth:RefreshToken"] = "refresh-token-xyz",
    };

    private static void GivenTokens(HubSpotFixture f)
    {
        f.Server.Given(Request.Create().WithPath("/oauth/v1/token").UsingPost())
            .InScenario("tokens").WillSetStateTo("second")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"token_type":"bearer","refresh_token":"refresh-token-xyz","access_token":"access-A","expires_in":1800}"""));
        f.Server.Given(Request.Create().WithPath("/oauth/v1/token").UsingPost())
            .InScenario("tokens").WhenStateIs("second")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"token_type":"bearer","refresh_token":"refresh-token-xyz","access_token":"access-B","expires_in":1800}"""));
    }

    [Fact]
    public async Task Unauthorized_WithRefreshToken_RefreshesOnceAndReplays()
    {
        using var f = HubSpotFixture.Create(OAuthSettings);
        GivenTokens(f);
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet().WithHeader("Authorization", "Bearer access-A"))
            .RespondWith(Response.Create().WithStatusCode(401).WithBody(
                """{"status":"error","message":"The OAuth token used to make this call expired 75 second(s) ago.","correlationId":"c","category":"EXPIRED_AUTHENTICATION"}"""));
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet().WithHeader("Authorization", "Bearer access-B"))
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"results":[{"id":"1","properties":{}}]}"""));

        var page = await f.Client.ListAsync("companies", []);

        Assert.Equal("1", Assert.Single(page.Results).Id);
        var tokenCalls = f.Server.LogEntries.Where(e => e.RequestMessage.Path == "/oauth/v1/token").ToList();
        Assert.Equal(2, tokenCalls.Count);
        var form = tokenCalls[0].RequestMessage.Body!;
        Assert.Contains("grant_type=refresh_token", form);
        Assert.Contains("refresh_token=refresh-token-xyz", form);
        Assert.Contains("client_id=client-1", form);
        Assert.Equal(2, f.Server.LogEntries.Count(e => e.RequestMessage.Path == "/crm/v3/objects/companies"));
        var stats = f.Counter.Snapshot();
        Assert.Equal(4, stats.Calls);
        Assert.Equal(2, stats.Reads);
    }

    [Fact]
    public async Task Unauthorized_AfterRefresh_FailsAfterOneReplay_WithoutLeakingSecrets()
    {
        using var f = HubSpotFixture.Create(OAuthSettings);
        GivenTokens(f);
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBody(
                """{"status":"error","message":"Authentication credentials not found.","correlationId":"c","category":"INVALID_AUTHENTICATION"}"""));

        var ex = await Assert.ThrowsAsync<HubSpotApiException>(() => f.Client.ListAsync("companies", []));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Contains("HubSpot:OAuth", ex.Message);
        Assert.DoesNotContain("access-", ex.Message);
        Assert.DoesNotContain("xyz", ex.Message);
        Assert.Equal(2, f.Server.LogEntries.Count(e => e.RequestMessage.Path == "/crm/v3/objects/companies"));
    }

    [Fact]
    public async Task Token_IsReusedUntilNearExpiry_ThenRefreshedAhead()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        using var f = HubSpotFixture.Create(OAuthSettings, s => s.AddSingleton<TimeProvider>(time));
        GivenTokens(f);
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"results":[]}"""));

        await f.Client.ListAsync("companies", []);
        await f.Client.ListAsync("companies", []);
        time.Advance(TimeSpan.FromMinutes(29));
        await f.Client.ListAsync("companies", []);

        var auth = f.Server.LogEntries.Where(e => e.RequestMessage.Path == "/crm/v3/objects/companies")
            .OrderBy(e => e.RequestMessage.DateTime).Select(e => e.RequestMessage.Headers!["Authorization"].ToString()).ToList();
        Assert.Equal(["Bearer access-A", "Bearer access-A", "Bearer access-B"], auth);
    }

    private static HubSpotRateLimiter Limiter(FakeTimeProvider time, int per10Seconds = 3, int searchPerSecond = 2) =>
        new(Options.Create(new HubSpotOptions { RequestsPer10Seconds = per10Seconds, SearchRequestsPerSecond = searchPerSecond }),
            time, NullLogger<HubSpotRateLimiter>.Instance);

    [Fact]
    public async Task Limiter_HoldsTheRequestBeyondTheRollingWindow_UntilTheOldestLeavesIt()
    {
        var time = new FakeTimeProvider();
        var limiter = Limiter(time);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.AcquireAsync(false, default).IsCompletedSuccessfully);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // The first left at 0 s; the window is 10 s plus a 100 ms margin, and it is now 3 s.
        var fourth = limiter.AcquireAsync(false, default).AsTask();
        time.Advance(TimeSpan.FromSeconds(7));
        Assert.False(fourth.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Limiter_SearchHasItsOwnPerSecondWindow()
    {
        var time = new FakeTimeProvider();
        var limiter = Limiter(time, per10Seconds: 100, searchPerSecond: 2);

        Assert.True(limiter.AcquireAsync(true, default).IsCompletedSuccessfully);
        Assert.True(limiter.AcquireAsync(true, default).IsCompletedSuccessfully);
        var third = limiter.AcquireAsync(true, default).AsTask();
        Assert.True(limiter.AcquireAsync(false, default).IsCompletedSuccessfully);
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Limiter_LearnsFromHeaders_RemainingZeroPausesForTheInterval_AndTracksDaily()
    {
        var time = new FakeTimeProvider();
        var limiter = Limiter(time, per10Seconds: 190);
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.Add("X-HubSpot-RateLimit-Max", "100");
        response.Headers.Add("X-HubSpot-RateLimit-Remaining", "0");
        response.Headers.Add("X-HubSpot-RateLimit-Interval-Milliseconds", "10000");
        response.Headers.Add("X-HubSpot-RateLimit-Daily", "500000");
        response.Headers.Add("X-HubSpot-RateLimit-Daily-Remaining", "499000");

        limiter.Observe(response);
        var next = limiter.AcquireAsync(false, default).AsTask();

        var status = limiter.Status;
        Assert.Equal(100, status.WindowMax);
        Assert.Equal(0, status.WindowRemaining);
        Assert.Equal(500_000, status.DailyLimit);
        Assert.Equal(499_000, status.DailyRemaining);
        Assert.False(limiter.IsDailyBudgetExhausted);
        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Limiter_DailyBudget_IsExhaustedAtTheConfiguredShareOfTheAllocation()
    {
        var limiter = new HubSpotRateLimiter(
            Options.Create(new HubSpotOptions { DailyBudgetShare = 0.5 }), new FakeTimeProvider(), NullLogger<HubSpotRateLimiter>.Instance);
        using var below = new HttpResponseMessage(HttpStatusCode.OK);
        below.Headers.Add("X-HubSpot-RateLimit-Daily", "1000");
        below.Headers.Add("X-HubSpot-RateLimit-Daily-Remaining", "501");
        using var at = new HttpResponseMessage(HttpStatusCode.OK);
        at.Headers.Add("X-HubSpot-RateLimit-Daily-Remaining", "500");

        Assert.False(limiter.IsDailyBudgetExhausted);
        limiter.Observe(below);
        Assert.False(limiter.IsDailyBudgetExhausted);
        Assert.Equal(499, limiter.Status.DailyUsed);
        limiter.Observe(at);
        Assert.True(limiter.IsDailyBudgetExhausted);
    }
}
