using System.Collections.Concurrent;
using AbmSync.Connectors.HubSpot;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotSecretsInLogsTests
{
    [Fact]
    public async Task TraceLogsOfAnOAuthRefreshAndReplay_CarryNoTokenOrSecret()
    {
        var sink = new ConcurrentQueue<string>();
        using var f = HubSpotFixture.Create(
            new()
            {
                ["HubSpot:AccessToken"] = "",
                ["HubSpot:OAuth:ClientId"] = "client-1",
                ["HubSpot:OAuth:ClientSecret"] = "client-secret-xyz",
                ["HubSpot:OAuth:RefreshToken"] = "refresh-token-xyz",
            },
            s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new SinkProvider(sink))));
        f.Server.Given(Request.Create().WithPath("/oauth/v1/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"token_type":"bearer","refresh_token":"refresh-token-xyz","access_token":"access-secret-token","expires_in":1800}"""));
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/companies").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"results":[]}"""));

        await f.Client.ListAsync("companies", []);

        Assert.NotEmpty(sink);
        Assert.Contains(sink, line => line.Contains("/crm/v3/objects/companies", StringComparison.Ordinal));
        Assert.DoesNotContain(sink, line => line.Contains("access-secret-token", StringComparison.Ordinal));
        Assert.DoesNotContain(sink, line => line.Contains("xyz", StringComparison.Ordinal));
    }

    private sealed class SinkProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new SinkLogger(sink);

        public void Dispose()
        {
        }
    }

    private sealed class SinkLogger(ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue(formatter(state, exception) + exception);
    }
}
