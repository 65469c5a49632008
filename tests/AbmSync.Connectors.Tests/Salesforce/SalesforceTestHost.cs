using AbmSync.Connectors.Salesforce;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace AbmSync.Connectors.Tests.Salesforce;

/// <summary>A WireMock "org" plus the real connector registration (auth, resilience and counting handlers included).</summary>
internal sealed class SalesforceTestHost : IDisposable
{
    public const string Secret = "s3cr3t-client-secret";
    public const string DataPath = "/services/data/v66.0";

    private SalesforceTestHost(WireMockServer server, ServiceProvider services)
    {
        Server = server;
        Services = services;
    }

    public WireMockServer Server { get; }

    public ServiceProvider Services { get; }

    public SalesforceClient Client => Services.GetRequiredService<SalesforceClient>();

    public SalesforceCallCounter Counter => Services.GetRequiredService<SalesforceCallCounter>();

    /// <param name="stubToken">Answer the token endpoint with "tok1" (tests of re-auth set up their own).</param>
    public static SalesforceTestHost Start(Action<SalesforceOptions>? configure = null, TimeProvider? time = null, bool stubToken = true,
        ILoggerProvider? logs = null)
    {
        var server = WireMockServer.Start();
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        }

        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSalesforceConnector();
        services.Configure<SalesforceOptions>(o =>
        {
            o.LoginUrl = new Uri(server.Url!);
            o.ClientId = "test-client";
            o.ClientSecret = Secret;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            configure?.Invoke(o);
        });
        var host = new SalesforceTestHost(server, services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
        if (stubToken)
        {
            host.StubToken("tok1");
        }

        return host;
    }

    public void StubToken(string accessToken) =>
        Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .RespondWith(TokenResponse(accessToken));

    public IResponseBuilder TokenResponse(string accessToken) =>
        Json(200, $$"""
            {"access_token":"{{accessToken}}","instance_url":"{{Server.Url}}","id":"{{Server.Url}}/id/00D000000000001AAA/005000000000001AAA",
             "token_type":"Bearer","issued_at":"1764064800000","signature":"abc="}
            """);

    public static IResponseBuilder Json(int status, string body) =>
        Response.Create().WithStatusCode(status)
            .WithHeader("Content-Type", "application/json;charset=UTF-8")
            .WithHeader("Sforce-Limit-Info", "api-usage=25/15000")
            .WithBody(body);

    public IReadOnlyList<ILogEntry> Requests(string path, string? method = null) =>
        Server.LogEntries
            .Where(e => e.RequestMessage.Path == path && (method is null || string.Equals(e.RequestMessage.Method, method, StringComparison.OrdinalIgnoreCase)))
            .ToList();

    public static string? Header(ILogEntry entry, string name) =>
        entry.RequestMessage.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    public void Dispose()
    {
        Services.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}

/// <summary>Keeps every formatted log line (with its exception) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {state} {exception}");
    }
}
