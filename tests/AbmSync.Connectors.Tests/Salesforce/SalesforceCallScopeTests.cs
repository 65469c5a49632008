using AbmSync.Connectors.Salesforce;
using WireMock.RequestBuilders;
using static AbmSync.Connectors.Tests.Salesforce.SalesforceTestHost;

namespace AbmSync.Connectors.Tests.Salesforce;

/// <summary>
/// Scopes over the real registration: the counting handler sits at the bottom of the HttpClientFactory pipeline, under
/// auth and retries, so these prove the caller's AsyncLocal reaches it (a scope that saw nothing would count 0).
/// </summary>
public sealed class SalesforceCallScopeTests
{
    private const string Query = "GET /services/data/{version}/query";
    private const string Limits = "GET /services/data/{version}/limits";
    private static readonly SoqlQuery AccountsQuery = SoqlQuery.From("Account").Select("Id");
    private static readonly SoqlQuery ContactsQuery = SoqlQuery.From("Contact").Select("Id");

    private static SalesforceTestHost StartOrg()
    {
        var host = Start(o => o.MaxRetryAttempts = 2);
        // Each answer takes a while, so the two flows' calls are in flight at the same time.
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(200, """{"totalSize":0,"done":true,"records":[]}""").WithDelay(TimeSpan.FromMilliseconds(25)));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/limits").UsingGet())
            .InScenario("limits").WillSetStateTo("up")
            .RespondWith(Json(503, "<html>maintenance</html>").WithDelay(TimeSpan.FromMilliseconds(25)));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/limits").UsingGet())
            .InScenario("limits").WhenStateIs("up")
            .RespondWith(Json(200, """{"DailyApiRequests":{"Max":15000,"Remaining":14990}}""").WithDelay(TimeSpan.FromMilliseconds(25)));
        return host;
    }

    [Fact]
    public async Task TwoConcurrentFlows_EachScopeCountsExactlyItsOwnCalls_TheTotalIsTheSum()
    {
        using var host = StartOrg();
        var counter = host.Counter;
        var client = host.Client;
        // Outside any scope: the token call and one query count in the totals only.
        await client.QueryAsync(AccountsQuery);
        var before = counter.Calls;
        Assert.Equal(2, before);

        var bothOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var opened = 0;
        async Task<SalesforceCallSnapshot> Flow(Func<Task> calls)
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
                await client.QueryAsync(AccountsQuery);
            }
        }));
        var b = Task.Run(() => Flow(async () =>
        {
            // 503 then 200: the retry is one more call on the wire, made by the resilience handler for this flow.
            await client.GetLimitsAsync();
            for (var i = 0; i < 4; i++)
            {
                await client.QueryAsync(ContactsQuery);
            }
        }));
        var (first, second) = (await a, await b);

        Assert.Equal((3L, 3L, 0L), (first.Calls, first.Reads, first.Writes));
        Assert.Equal(new Dictionary<string, long> { [Query] = 3 }, first.ByEndpoint);
        Assert.Equal((6L, 6L, 0L), (second.Calls, second.Reads, second.Writes));
        Assert.Equal(new Dictionary<string, long> { [Query] = 4, [Limits] = 2 }, second.ByEndpoint);
        Assert.Equal(before + first.Calls + second.Calls, counter.Calls);
        Assert.Equal(host.Server.LogEntries.Count(), counter.Calls);

        // They did run at once: each flow's first request came before the other's last.
        var log = host.Server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).Skip(2)
            .Select(e => e.RequestMessage.Path.EndsWith("/query", StringComparison.Ordinal) && e.RequestMessage.Query!["q"][0].Contains("Account", StringComparison.Ordinal))
            .ToList();
        Assert.True(log.IndexOf(true) < log.LastIndexOf(false) && log.IndexOf(false) < log.LastIndexOf(true), "the two flows ran one after the other");
    }

    [Fact]
    public async Task NestedScopes_BothCount_TheInnerOnlyWhileOpen_ChildTasksIncluded()
    {
        using var host = StartOrg();
        var counter = host.Counter;
        var client = host.Client;
        await client.QueryAsync(AccountsQuery);

        SalesforceCallScope inner;
        SalesforceCallScope outer;
        using (outer = counter.BeginScope())
        {
            await client.QueryAsync(AccountsQuery);
            using (inner = counter.BeginScope())
            {
                // Flows started inside a scope inherit it.
                await Task.WhenAll(Task.Run(() => client.QueryAsync(AccountsQuery)), client.QueryAsync(AccountsQuery));
            }

            await client.QueryAsync(AccountsQuery);
        }

        await client.QueryAsync(AccountsQuery);

        Assert.Equal(2, inner.Calls);
        Assert.Equal(4, outer.Calls);
        Assert.Equal(4, outer.ByEndpoint[Query]);
        Assert.Equal(2 + 4 + 1, counter.Calls);
    }

    [Fact]
    public async Task ScopesEndedOutOfOrder_StopCounting_AndTheFlowFallsBackToNoScope()
    {
        using var host = StartOrg();
        var counter = host.Counter;
        var outer = counter.BeginScope();
        var inner = counter.BeginScope();
        outer.Dispose();
        // The first call fetches the token too: two calls.
        await host.Client.QueryAsync(AccountsQuery);
        inner.Dispose();
        using var next = counter.BeginScope();
        await host.Client.QueryAsync(AccountsQuery);

        Assert.Equal(0, outer.Calls);
        Assert.Equal(2, inner.Calls);
        Assert.Equal(1, next.Calls);
        Assert.Equal(3, counter.Calls);
    }
}
