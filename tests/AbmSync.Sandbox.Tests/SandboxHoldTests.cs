using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace AbmSync.Sandbox.Tests;

/// <summary>
/// The hold hook on both ports (<c>/_sandbox/hold</c>): the n-th write after arming is applied and then its answer is
/// withheld until released, or dropped when its client goes away, so a kill test can land between the two.
/// </summary>
public sealed class SandboxHoldTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    static async Task<SandboxHost> StartAsync() =>
        await SandboxHost.StartAsync(new SandboxOptions { Accounts = 60, Seed = 9, HubSpotRate = "10000/10s" },
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)));

    static HttpClient HubSpot(SandboxHost host) => new()
    {
        BaseAddress = host.HubSpotUrl,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotAccessToken) },
    };

    /// <summary>A HubSpot client that notes the local port of every connection it opens.</summary>
    static HttpClient PortNotingHubSpot(SandboxHost host, System.Collections.Concurrent.ConcurrentBag<int> ports) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            ports.Add(((System.Net.IPEndPoint)socket.LocalEndPoint!).Port);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        },
    })
    {
        BaseAddress = host.HubSpotUrl,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotAccessToken) },
    };

    static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    static async Task<JsonObject> Hold(HttpClient client) => JsonNode.Parse(await client.GetStringAsync("/_sandbox/hold"))!.AsObject();

    static async Task<(int Status, JsonObject Body)> Arm(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/_sandbox/hold", new StringContent(body, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    static async Task<JsonObject> UntilHeld(HttpClient client, bool held = true)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var state = await Hold(client);
            if (state["held"]!.GetValue<bool>() == held)
            {
                return state;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"held never became {held}");
    }

    static HttpRequestMessage NewContact(string email) => new(HttpMethod.Post, "/crm/v3/objects/contacts")
    {
        Content = Json(new JsonObject { ["properties"] = new JsonObject { ["email"] = email, ["firstname"] = "Held" } }),
    };

    static JsonNode? ContactByEmail(SandboxHost host, string email) =>
        ((JsonObject)host.HubSpot.Export())["contacts"]!.AsArray().SingleOrDefault(c => c!["properties"]!["email"]?.GetValue<string>() == email);

    [Fact]
    public async Task HubSpot_TheNthWriteIsAppliedThenHeldUntilReleased_AndOnlyThatOne()
    {
        await using var host = await StartAsync();
        using var client = HubSpot(host);
        var company = ((JsonObject)host.HubSpot.Export())["companies"]![0]!["id"]!.GetValue<string>();

        var (status, armed) = await Arm(client, """{"afterWrites": 3}""");
        Assert.Equal(200, status);
        Assert.True(armed["armed"]!.GetValue<bool>());
        Assert.Equal(3, armed["remaining"]!.GetValue<int>());

        for (var i = 0; i < 2; i++)
        {
            using var patch = await client.PatchAsync($"/crm/v3/objects/companies/{company}", Json(new JsonObject { ["properties"] = new JsonObject { ["city"] = $"City {i}" } }));
            Assert.Equal(200, (int)patch.StatusCode);
            // Reads and searches are not writes: they neither count nor wait.
            using var read = await client.GetAsync($"/crm/v3/objects/companies/{company}");
            Assert.Equal(200, (int)read.StatusCode);
        }
        Assert.Equal(1, (await Hold(client))["remaining"]!.GetValue<int>());

        var writerPorts = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var writer = PortNotingHubSpot(host, writerPorts);
        var send = writer.SendAsync(NewContact("held.one@example.com"));
        var state = await UntilHeld(client);
        Assert.False(state["armed"]!.GetValue<bool>());
        Assert.Equal(0, state["remaining"]!.GetValue<int>());
        Assert.Equal("POST /crm/v3/objects/{objectType}", state["heldCall"]!.GetValue<string>());
        // Which client's call is held: the port of the writer's connection, not the one polling the hold.
        Assert.Contains(state["heldClientPort"]!.GetValue<int>(), writerPorts);
        // Applied and visible, but not answered.
        var applied = ContactByEmail(host, "held.one@example.com");
        Assert.NotNull(applied);
        Assert.False(send.IsCompleted);
        await Task.Delay(200);
        Assert.False(send.IsCompleted);

        // Other calls go on meanwhile, and the next write is not held: the hook disarmed itself.
        using (var other = await client.SendAsync(NewContact("free.one@example.com")))
        {
            Assert.Equal(201, (int)other.StatusCode);
        }

        using (var release = await client.PostAsync("/_sandbox/hold/release", null))
        {
            Assert.Equal(200, (int)release.StatusCode);
        }
        using var answer = await send.WaitAsync(Patience);
        Assert.Equal(201, (int)answer.StatusCode);
        var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        Assert.Equal(applied["id"]!.GetValue<string>(), body["id"]!.GetValue<string>());

        var after = await Hold(client);
        Assert.False(after["armed"]!.GetValue<bool>());
        Assert.False(after["held"]!.GetValue<bool>());
        Assert.Null(after["heldCall"]);
        Assert.Null(after["heldClientPort"]);
        using var none = await client.PostAsync("/_sandbox/hold/release", null);
        Assert.Equal(409, (int)none.StatusCode);
    }

    [Fact]
    public async Task Salesforce_TheNthWriteIsAppliedThenHeldUntilReleased()
    {
        await using var host = await StartAsync();
        using var http = new HttpClient { BaseAddress = host.SalesforceUrl };
        using var token = await http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = SandboxCredentials.SalesforceClientId,
            ["client_secret"] = SandboxCredentials.SalesforceClientSecret,
        }));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonNode.Parse(await token.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>());
        var account = ((JsonObject)host.Salesforce.Export())["Account"]![0]!["Id"]!.GetValue<string>();

        Assert.Equal(200, (await Arm(http, """{"afterWrites": 1}""")).Status);
        var send = http.PatchAsync($"/services/data/v66.0/sobjects/Account/{account}", Json(new JsonObject { ["ABM_Tier__c"] = "Tier 1" }));
        var state = await UntilHeld(http);
        Assert.Equal("PATCH /services/data/{version}/sobjects/{sobject}/{id}", state["heldCall"]!.GetValue<string>());
        var exported = ((JsonObject)host.Salesforce.Export())["Account"]!.AsArray().Single(a => a!["Id"]!.GetValue<string>() == account)!;
        Assert.Equal("Tier 1", exported["ABM_Tier__c"]!.GetValue<string>());
        Assert.False(send.IsCompleted);

        // DELETE disarms and lets the held call answer too.
        using (var disarm = await http.DeleteAsync("/_sandbox/hold"))
        {
            Assert.Equal(200, (int)disarm.StatusCode);
        }
        using var answer = await send.WaitAsync(Patience);
        Assert.Equal(204, (int)answer.StatusCode);
    }

    [Fact]
    public async Task AClientThatGivesUpOnAHeldCall_LeavesTheEmulatorServing_AndTheWriteApplied()
    {
        await using var host = await StartAsync();
        using var client = HubSpot(host);
        Assert.Equal(200, (await Arm(client, """{"afterWrites": 1}""")).Status);

        using (var gone = HubSpot(host))
        using (var cancel = new CancellationTokenSource())
        {
            var send = gone.SendAsync(NewContact("gave.up@example.com"), cancel.Token);
            await UntilHeld(client);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        }
        await UntilHeld(client, held: false);
        Assert.NotNull(ContactByEmail(host, "gave.up@example.com"));

        using (var next = await client.SendAsync(NewContact("after.cancel@example.com")))
        {
            Assert.Equal(201, (int)next.StatusCode);
        }
        // The hook arms again and holds again.
        Assert.Equal(200, (await Arm(client, """{"afterWrites": 1}""")).Status);
        var again = client.SendAsync(NewContact("held.again@example.com"));
        await UntilHeld(client);
        using (await client.PostAsync("/_sandbox/hold/release", null))
        {
        }
        using var answer = await again.WaitAsync(Patience);
        Assert.Equal(201, (int)answer.StatusCode);
    }

    [Theory]
    [InlineData("""{"afterWrites": 0}""")]
    [InlineData("""{"afterWrites": -2}""")]
    [InlineData("""{"afterWrites": "3"}""")]
    [InlineData("""{"afterWrites": 1.5}""")]
    [InlineData("""{}""")]
    [InlineData("""not json""")]
    [InlineData("""[17]""")]
    public async Task Arming_WithoutAWholeCountOfAtLeastOne_Is400(string body)
    {
        await using var host = await StartAsync();
        foreach (var url in new[] { host.SalesforceUrl, host.HubSpotUrl })
        {
            using var client = new HttpClient { BaseAddress = url };
            var (status, answer) = await Arm(client, body);
            Assert.Equal(400, status);
            Assert.NotNull(answer["error"]);
            Assert.False((await Hold(client))["armed"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task TheHoldSurface_NeedsNoAuth_AndIsNotCountedInStats()
    {
        await using var host = await StartAsync();
        foreach (var url in new[] { host.SalesforceUrl, host.HubSpotUrl })
        {
            using var client = new HttpClient { BaseAddress = url };
            using (await client.PostAsync("/_sandbox/stats/reset", null))
            {
            }
            var (status, armed) = await Arm(client, """{"afterWrites": 17}""");
            Assert.Equal(200, status);
            Assert.Equal(17, armed["remaining"]!.GetValue<int>());
            var state = await Hold(client);
            Assert.True(state["armed"]!.GetValue<bool>());
            Assert.False(state["held"]!.GetValue<bool>());
            Assert.Null(state["heldCall"]);
            using (var disarm = await client.DeleteAsync("/_sandbox/hold"))
            {
                var off = JsonNode.Parse(await disarm.Content.ReadAsStringAsync())!;
                Assert.False(off["armed"]!.GetValue<bool>());
                Assert.Equal(0, off["remaining"]!.GetValue<int>());
            }
            var stats = JsonNode.Parse(await client.GetStringAsync("/_sandbox/stats"))!;
            Assert.Equal(0, stats["calls"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task StoppingTheSandbox_WithACallHeld_DoesNotWaitForARelease()
    {
        var host = await StartAsync();
        using var client = HubSpot(host);
        Assert.Equal(200, (await Arm(client, """{"afterWrites": 1}""")).Status);
        var send = client.SendAsync(NewContact("held.at.stop@example.com"));
        await UntilHeld(client);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await host.DisposeAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopping.Elapsed}");
        // The held call was let go: answered, or cut off with the server; never left hanging.
        try
        {
            using var answer = await send.WaitAsync(Patience);
            Assert.Equal(201, (int)answer.StatusCode);
        }
        catch (HttpRequestException)
        {
        }
    }
}
