using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>A fresh sandbox whose HubSpot port is under test, with a fake clock and helpers that speak the CRM API.</summary>
public sealed class Portal : IAsyncDisposable
{
    Portal(SandboxHost host, FakeTimeProvider time)
    {
        Host = host;
        Time = time;
        Http = Client(SandboxCredentials.HubSpotAccessToken);
        Human = Client(SandboxCredentials.HubSpotHumanToken);
    }

    public SandboxHost Host { get; }
    public FakeTimeProvider Time { get; }
    /// <summary>Carries the integration token.</summary>
    public HttpClient Http { get; }
    /// <summary>Carries the sales rep's token.</summary>
    public HttpClient Human { get; }
    public HubSpotEmulator Emulator => Host.HubSpot;

    public static async Task<Portal> StartAsync(SandboxOptions? options = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var host = await SandboxHost.StartAsync(options ?? new SandboxOptions { Accounts = 120, Seed = 5, HubSpotRate = "10000/10s" }, time);
        return new Portal(host, time);
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = Host.HubSpotUrl };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public static async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var isJson = response.Content.Headers.ContentType?.MediaType == "application/json";
        return ((int)response.StatusCode, text.Length == 0 || !isJson ? null : JsonNode.Parse(text), response);
    }

    public Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> Get(string path) => SendAsync(Http, HttpMethod.Get, path);

    public Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> Post(string path, JsonNode body) => SendAsync(Http, HttpMethod.Post, path, body);

    public async Task<JsonObject> Stats() => (JsonObject)(await SendAsync(Http, HttpMethod.Get, "/_sandbox/stats")).Body!;

    public JsonObject Export() => (JsonObject)Emulator.Export();

    /// <summary>Creates the unique <c>abm_salesforce_id</c> property (and its group) on an object type, as setup would.</summary>
    public async Task CreateUniqueKey(string type = "companies")
    {
        var (groupStatus, _, _) = await Post($"/crm/v3/properties/{type}/groups", new JsonObject { ["name"] = "abm", ["label"] = "ABM" });
        Assert.True(groupStatus is 201 or 409);
        var (status, body, _) = await Post($"/crm/v3/properties/{type}", new JsonObject
        {
            ["name"] = "abm_salesforce_id",
            ["label"] = "Salesforce id",
            ["type"] = "string",
            ["fieldType"] = "text",
            ["groupName"] = "abm",
            ["hasUniqueValue"] = true,
        });
        Assert.Equal(201, status);
        Assert.True(body!["hasUniqueValue"]!.GetValue<bool>());
    }

    public static JsonObject Inputs(params JsonNode[] inputs) => new() { ["inputs"] = new JsonArray(inputs) };

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Human.Dispose();
        await Host.DisposeAsync();
    }
}
