using System.Diagnostics;
using System.Net;
using AbmSync.Connectors.HubSpot;
using Microsoft.Extensions.Time.Testing;
using Polly;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotResilienceTests
{
    private const string UpsertPath = "/crm/v3/objects/companies/batch/upsert";

    private static readonly HubSpotUpsertInput[] OneInput = [new("001A", new Dictionary<string, string?> { ["name"] = "Acme" })];

    private const string UpsertOk = """{"status":"COMPLETE","results":[{"id":"9","new":false,"properties":{"abm_salesforce_id":"001A"}}]}""";

    [Fact]
    public async Task Burst429WithRetryAfter_WaitsThatLong_ThenReplaysTheSameBatch()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost())
            .InScenario("throttle").WillSetStateTo("open")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1").WithBody(
                """{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c-429","policyName":"TEN_SECONDLY_ROLLING","category":"RATE_LIMITS"}"""));
        f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost())
            .InScenario("throttle").WhenStateIs("open")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(UpsertOk));

        var clock = Stopwatch.StartNew();
        var result = await f.Client.BatchUpsertAsync("companies", "abm_salesforce_id", OneInput);
        clock.Stop();

        Assert.Equal("9", Assert.Single(result.Succeeded).Record!.Id);
        var bodies = f.BodiesAt(UpsertPath);
        Assert.Equal(2, bodies.Count);
        Assert.Equal(bodies[0].GetRawText(), bodies[1].GetRawText());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"replayed after {clock.Elapsed}, before Retry-After");
        var stats = f.Counter.Snapshot();
        Assert.Equal(2, stats.Calls);
        Assert.Equal(2, stats.Writes);
        Assert.Equal(1, stats.Throttled);
    }

    [Fact]
    public async Task Daily429_IsNotRetried_AndSaysSo()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(429).WithBody(
                """{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c-d","policyName":"DAILY","requestId":"r-1"}"""));

        var ex = await Assert.ThrowsAsync<HubSpotApiException>(() => f.Client.BatchUpsertAsync("companies", "abm_salesforce_id", OneInput));

        Assert.True(ex.IsDailyLimit);
        Assert.Equal("DAILY", ex.PolicyName);
        Assert.Equal("c-d", ex.CorrelationId);
        Assert.Single(f.Server.LogEntries);
        Assert.Equal(1, f.Counter.Snapshot().Throttled);
    }

    [Fact]
    public async Task Upsert503_IsRetried_ButCreate503_IsNeverReplayed()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost())
            .InScenario("flaky").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(503).WithBody("""{"status":"error","message":"unavailable","correlationId":"x","category":"SERVICE_UNAVAILABLE"}"""));
        f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost())
            .InScenario("flaky").WhenStateIs("up")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(UpsertOk));
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies/batch/create").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(503).WithBody("""{"status":"error","message":"unavailable","correlationId":"y","category":"SERVICE_UNAVAILABLE"}"""));

        var upsert = await f.Client.BatchUpsertAsync("companies", "abm_salesforce_id", OneInput);
        var create = await Assert.ThrowsAsync<HubSpotApiException>(() =>
            f.Client.BatchCreateAsync("companies", [new HubSpotCreateInput(new Dictionary<string, string?> { ["name"] = "Acme" })]));

        Assert.Single(upsert.Succeeded);
        Assert.Equal(2, f.BodiesAt(UpsertPath).Count);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
        Assert.Single(f.BodiesAt("/crm/v3/objects/companies/batch/create"));
    }

    [Fact]
    public async Task Create429_IsReplayed_BecauseAThrottledCallWasNotApplied()
    {
        using var f = HubSpotFixture.Create();
        const string path = "/crm/v3/objects/companies/batch/create";
        f.Server.Given(Request.Create().WithPath(path).UsingPost())
            .InScenario("c429").WillSetStateTo("open")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "0").WithBody(
                """{"status":"error","message":"You have reached your ten_secondly_rolling limit.","policyName":"TEN_SECONDLY_ROLLING","correlationId":"c"}"""));
        f.Server.Given(Request.Create().WithPath(path).UsingPost())
            .InScenario("c429").WhenStateIs("open")
            .RespondWith(Response.Create().WithStatusCode(201).WithBody(
                """{"status":"COMPLETE","results":[{"id":"1","objectWriteTraceId":"0","properties":{"name":"Acme"}}]}"""));

        var result = await f.Client.BatchCreateAsync("companies", [new HubSpotCreateInput(new Dictionary<string, string?> { ["name"] = "Acme" })]);

        Assert.Equal("1", Assert.Single(result.Succeeded).Record!.Id);
        Assert.Equal(2, f.BodiesAt(path).Count);
    }

    /// <summary>
    /// Two workers on one portal meet at its secondly search limit: a run of 429s longer than the fault retries
    /// (three in the fixture) is waited out, while a run of 503s as long fails once the fault retries are spent.
    /// </summary>
    [Fact]
    public async Task ThrottledMoreTimesThanTheFaultRetries_IsStillWaitedOut_ButFaultsAreNot()
    {
        using var f = HubSpotFixture.Create();
        for (var i = 0; i < 7; i++)
        {
            var given = f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost()).InScenario("busy");
            (i == 0 ? given : given.WhenStateIs($"t{i}")).WillSetStateTo($"t{i + 1}")
                .RespondWith(i < 6
                    ? Response.Create().WithStatusCode(429).WithHeader("Retry-After", "0").WithBody(
                        """{"status":"error","message":"You have reached your secondly limit.","policyName":"SECONDLY","correlationId":"s"}""")
                    : Response.Create().WithStatusCode(200).WithBody(UpsertOk));
        }
        const string updatePath = "/crm/v3/objects/companies/batch/update";
        f.Server.Given(Request.Create().WithPath(updatePath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(503).WithBody("""{"status":"error","message":"unavailable","correlationId":"u","category":"SERVICE_UNAVAILABLE"}"""));

        var upsert = await f.Client.BatchUpsertAsync("companies", "abm_salesforce_id", OneInput);
        var update = await Assert.ThrowsAsync<HubSpotApiException>(() =>
            f.Client.BatchUpdateAsync("companies", [new HubSpotUpdateInput("9", new Dictionary<string, string?> { ["name"] = "Acme" })]));

        Assert.Equal("9", Assert.Single(upsert.Succeeded).Record!.Id);
        Assert.Equal(7, f.BodiesAt(UpsertPath).Count);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, update.StatusCode);
        Assert.Equal(4, f.BodiesAt(updatePath).Count);
    }

    [Fact]
    public async Task Unauthorized_WithoutOAuth_ThrowsClearErrorWithoutTheToken()
    {
        using var f = HubSpotFixture.Create();
        // A server that echoes the credential must still not leak it through our message.
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBody(
                $$"""{"status":"error","message":"Authentication credentials not found for {{HubSpotFixture.Token}}. This API supports OAuth 2.0 authentication.","correlationId":"c-401","category":"INVALID_AUTHENTICATION"}"""));

        var ex = await Assert.ThrowsAsync<HubSpotApiException>(() => f.Client.ListAsync("companies", []));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("INVALID_AUTHENTICATION", ex.Category);
        Assert.Contains("HubSpot:AccessToken", ex.Message);
        Assert.DoesNotContain(HubSpotFixture.Token, ex.Message);
        Assert.DoesNotContain(HubSpotFixture.Token, ex.ToString());
        Assert.Single(f.Server.LogEntries);
    }

    [Fact]
    public async Task MissingScopes403_NamesTheScopes()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/owners").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(403).WithBody(
                """{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","correlationId":"c-403","category":"MISSING_SCOPES","context":{"requiredGranularScopes":["crm.objects.owners.read"]}}"""));

        var ex = await Assert.ThrowsAsync<HubSpotApiException>(() => f.Client.ListOwnersAsync());

        Assert.Equal("MISSING_SCOPES", ex.Category);
        Assert.Equal(["crm.objects.owners.read"], ex.MissingScopes);
        Assert.Contains("crm.objects.owners.read", ex.Message);
    }

    [Fact]
    public async Task MissingScopes403_InErrorDetails_OnDateVersionedOwnersPath_NamesTheScopes()
    {
        using var f = HubSpotFixture.Create(new() { ["HubSpot:ApiVersion"] = "2026-03" });
        f.Server.Given(Request.Create().WithPath("/crm/owners/2026-03").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(403).WithBody(
                """{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","correlationId":"c-403","category":"MISSING_SCOPES","errors":[{"message":"One or more of the following scopes are required.","context":{"missingScopes":["crm.objects.owners.read"]}}]}"""));

        var ex = await Assert.ThrowsAsync<HubSpotApiException>(() => f.Client.ListOwnersAsync());

        Assert.Equal(["crm.objects.owners.read"], ex.MissingScopes);
        Assert.Contains("lacks the scopes crm.objects.owners.read", ex.Message);
        Assert.Equal(1, f.Counter.Snapshot().ByEndpoint["GET /crm/owners/2026-03"]);
    }

    [Fact]
    public async Task Throttled429WithoutRetryAfter_WaitsForTheTenSecondWindow_SearchForOneSecond()
    {
        var time = new FakeTimeProvider();
        using var burst = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
        {
            Content = new StringContent("""{"status":"error","message":"You have reached your ten_secondly_rolling limit.","policyName":"TEN_SECONDLY_ROLLING"}"""),
        };
        using var secondly = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
        {
            Content = new StringContent("""{"status":"error","message":"You have reached your secondly limit.","policyName":"SECONDLY"}"""),
        };
        using var withHeader = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        withHeader.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(3));

        var burstDelay = await HubSpotRetry.DelayAsync(Outcome.FromResult(burst), time, default);
        var secondlyDelay = await HubSpotRetry.DelayAsync(Outcome.FromResult(secondly), time, default);
        var headerDelay = await HubSpotRetry.DelayAsync(Outcome.FromResult(withHeader), time, default);

        Assert.InRange(burstDelay!.Value, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));
        Assert.InRange(secondlyDelay!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(3), headerDelay);
    }

    [Fact]
    public async Task ShouldRetry_OnlyTransientStatuses()
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            foreach (var (status, expected) in new[]
                     {
                         (HttpStatusCode.BadGateway, true), (HttpStatusCode.ServiceUnavailable, true), (HttpStatusCode.GatewayTimeout, true),
                         (HttpStatusCode.InternalServerError, false), (HttpStatusCode.BadRequest, false), (HttpStatusCode.Unauthorized, false),
                         (HttpStatusCode.Conflict, false), (HttpStatusCode.NotFound, false),
                     })
            {
                using var response = new HttpResponseMessage(status);
                Assert.Equal(expected, await HubSpotRetry.ShouldRetryAsync(Outcome.FromResult(response), context));
            }

            Assert.True(await HubSpotRetry.ShouldRetryAsync(Outcome.FromException<HttpResponseMessage>(new HttpRequestException("reset")), context));
            Assert.True(await HubSpotRetry.ShouldRetryAsync(Outcome.FromException<HttpResponseMessage>(new Polly.Timeout.TimeoutRejectedException()), context));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
