using System.Text.Json;
using AbmSync.Connectors.HubSpot;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WireMock.Server;

namespace AbmSync.Connectors.Tests.HubSpot;

/// <summary>A WireMock "portal" and the real registration (handlers, retry, limiter, counter) pointed at it.</summary>
internal sealed class HubSpotFixture : IDisposable
{
    public const string Token = "pat-na1-11111111-2222-3333-4444-555555555555";

    private HubSpotFixture(WireMockServer server, ServiceProvider provider)
    {
        Server = server;
        Provider = provider;
    }

    public WireMockServer Server { get; }

    public ServiceProvider Provider { get; }

    public HubSpotClient Client => Provider.GetRequiredService<HubSpotClient>();

    public HubSpotCallCounter Counter => Provider.GetRequiredService<HubSpotCallCounter>();

    public static HubSpotFixture Create(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var server = WireMockServer.Start();
        var values = new Dictionary<string, string?>
        {
            ["HubSpot:BaseUrl"] = server.Url,
            ["HubSpot:AccessToken"] = Token,
            ["HubSpot:MaxRetryAttempts"] = "3",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        configure?.Invoke(services);
        services.AddHubSpotConnector();
        return new HubSpotFixture(server, services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
    }

    /// <summary>The JSON bodies the portal received on one path, in order.</summary>
    public List<JsonElement> BodiesAt(string path) =>
        [.. Server.LogEntries
            .Where(e => e.RequestMessage.Path == path)
            .OrderBy(e => e.RequestMessage.DateTime)
            .Select(e => JsonDocument.Parse(e.RequestMessage.Body!).RootElement.Clone())];

    public void Dispose()
    {
        Provider.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}
