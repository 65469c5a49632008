using AbmSync.Connectors.HubSpot;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

/// <summary>
/// Scopes over the real registration: the counting handler sits at the bottom of the HttpClientFactory pipeline, under
/// retries and the rate limiter, so these prove the caller's AsyncLocal reaches it (a scope that saw nothing counts 0).
/// </summary>
public sealed class HubSpotCallScopeTests
{
    private const string Companies = "GET /crm/v3/objects/{objectType}";
    private const string Upsert = "POST /crm/v3/objects/{objectType}/batch/upsert";
    private const string UpsertPath = "/crm/v3/objects/contacts/batch/upsert";
    private const string Empty = """{"results":[]}""";
    private static readonly string[] Name = ["name"];
    private static readonly HubSpotUpsertInput[] OneInput = [new("003A", new Dictionary<string, string?> { ["email"] = "a@example.com" })];

    private static HubSpotFixture StartPortal()
    {
        var f = HubSpotFixture.Create();
        // Each answer takes a while, so the two flows' calls are in flight at the same time (long enough that a busy
        // machine starting the second flow late still finds the first one's calls going).
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(Empty).WithDelay(TimeSpan.FromMilliseconds(200)));
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/contacts").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(Empty).WithDelay(TimeSpan.FromMilliseconds(25)));
        f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost())
            .InScenario("throttle").WillSetStateTo("open")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "0").WithBody(
                """{"status":"error","message":"You have reached your ten_secondly_rolling limit.","policyName":"TEN_SECONDLY_ROLLING","correlationId":"c"}"""));
        f.Server.Given(Request.Create().WithPath(UpsertPath).UsingPost())
            .InScenario("throttle").WhenStateIs("open")
            .RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromMilliseconds(25)).WithBody(
                """{"status":"COMPLETE","results":[{"id":"9","new":false,"properties":{"email":"a@example.com"}}]}"""));
        return f;
    }

    [Fact]
    public async Task TwoConcurrentFlows_EachScopeCountsExactlyItsOwnCalls_TheTotalIsTheSum()
    {
        using var f = StartPortal();
        var counter = f.Counter;
        var client = f.Client;
        // Outside any scope: counts in the totals only.
        await client.ListAsync("companies", Name);

        var bothOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var opened = 0;
        async Task<HubSpotCallStats> Flow(Func<Task> calls)
        {
            using var scope = counter.BeginScope();
            if (Interlocked.Increment(ref opened) == 2)
            {
                bothOpen.SetResult();
            }

            // Neither flow calls before both scopes are open: a "current scope" shared by the process would now
            // point at the later one and take the other flow's calls.
            await bothOpen.Task;
            await calls();
            return scope.Snapshot();
        }

        var a = Task.Run(() => Flow(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                await client.ListAsync("companies", Name);
            }
        }));
        var b = Task.Run(() => Flow(async () =>
        {
            // 429 then 200: the replay is one more call on the wire, made by the resilience handler for this flow.
            await client.BatchUpsertAsync("contacts", "email", OneInput);
            for (var i = 0; i < 4; i++)
            {
                await client.ListAsync("contacts", Name);
            }
        }));
        var (first, second) = (await a, await b);

        Assert.Equal((3L, 3L, 0L, 0L), (first.Calls, first.Reads, first.Writes, first.Throttled));
        Assert.Equal(new Dictionary<string, long> { [Companies] = 3 }, first.ByEndpoint);
        Assert.Equal((6L, 4L, 2L, 1L), (second.Calls, second.Reads, second.Writes, second.Throttled));
        Assert.Equal(new Dictionary<string, long> { [Companies] = 4, [Upsert] = 2 }, second.ByEndpoint);
        var total = counter.Snapshot();
        Assert.Equal(1 + first.Calls + second.Calls, total.Calls);
        Assert.Equal(f.Server.LogEntries.Count(), total.Calls);
        Assert.Equal(1, total.Throttled);

        // They did run at once: each flow's first request came before the other's last.
        var log = f.Server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).Skip(1)
            .Select(e => e.RequestMessage.Path == "/crm/v3/objects/companies")
            .ToList();
        Assert.True(log.IndexOf(true) < log.LastIndexOf(false) && log.IndexOf(false) < log.LastIndexOf(true), "the two flows ran one after the other");
    }

    [Fact]
    public async Task NestedScopes_BothCount_TheInnerOnlyWhileOpen_ChildTasksIncluded()
    {
        using var f = StartPortal();
        var counter = f.Counter;
        var client = f.Client;

        HubSpotCallScope inner;
        HubSpotCallScope outer;
        using (outer = counter.BeginScope())
        {
            await client.ListAsync("companies", Name);
            using (inner = counter.BeginScope())
            {
                // Flows started inside a scope inherit it.
                await Task.WhenAll(Task.Run(() => client.ListAsync("companies", Name)), client.ListAsync("contacts", Name));
            }

            await client.ListAsync("companies", Name);
        }

        await client.ListAsync("companies", Name);

        Assert.Equal(2, inner.Calls);
        Assert.Equal(new Dictionary<string, long> { [Companies] = 2 }, inner.ByEndpoint);
        Assert.Equal(4, outer.Calls);
        Assert.Equal(5, counter.Snapshot().Calls);
    }
}
