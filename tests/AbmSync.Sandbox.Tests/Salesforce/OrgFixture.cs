using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>A fresh sandbox over real HTTP, with a fake clock, and helpers that speak the REST API.</summary>
public sealed class Org : IAsyncDisposable
{
    public const string V = "v66.0";

    Org(SandboxHost host, FakeTimeProvider time)
    {
        Host = host;
        Time = time;
        Http = new HttpClient { BaseAddress = host.SalesforceUrl };
    }

    public SandboxHost Host { get; }
    public FakeTimeProvider Time { get; }
    public HttpClient Http { get; }
    public SalesforceEmulator Emulator => Host.Salesforce;

    public static async Task<Org> StartAsync(SandboxOptions? options = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var host = await SandboxHost.StartAsync(options ?? new SandboxOptions { Accounts = 300, Seed = 3 }, time);
        return new Org(host, time);
    }

    public async Task<JsonObject> TokenAsync(string clientId = SandboxCredentials.SalesforceClientId, string secret = SandboxCredentials.SalesforceClientSecret)
    {
        using var response = await Http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        Assert.Equal(200, (int)response.StatusCode);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>A client that carries a bearer token of the given credentials.</summary>
    public async Task<HttpClient> LoginAsync(string clientId = SandboxCredentials.SalesforceClientId, string secret = SandboxCredentials.SalesforceClientSecret)
    {
        var token = await TokenAsync(clientId, secret);
        var client = new HttpClient { BaseAddress = new Uri(token["instance_url"]!.GetValue<string>()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token["access_token"]!.GetValue<string>());
        return client;
    }

    /// <summary>
    /// A client of the sales rep, who has full access: for tests of behaviour other than permissions that write what
    /// the integration user's permission set does not grant (deletes, Account creates, standard fields).
    /// </summary>
    public Task<HttpClient> LoginAsRepAsync() => LoginAsync(SandboxCredentials.SalesforceHumanClientId, SandboxCredentials.SalesforceHumanClientSecret);

    public static async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body is JsonNode node
                ? new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json")
                : JsonContent.Create(body);
        }
        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    public static async Task<JsonObject> QueryAsync(HttpClient client, string soql, string endpoint = "query")
    {
        var (status, body, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/{endpoint}?q={Uri.EscapeDataString(soql)}");
        Assert.True(status == 200, body?.ToJsonString());
        return (JsonObject)body!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}
