using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AbmSync.Sandbox;

namespace AbmSync.Integration.Tests.Metadata;

/// <summary>
/// The Salesforce sandbox's describe of the objects that carry ABM fields, fetched once over real HTTP the way any
/// client would: client-credentials token, then <c>GET /services/data/v66.0/sobjects/{Object}/describe</c>.
/// </summary>
public sealed class SandboxDescribeFixture : IAsyncLifetime
{
    public static readonly string[] Objects = ["Account", "Contact", "Lead", "Opportunity"];

    readonly Dictionary<string, JsonObject> describes = new(StringComparer.Ordinal);
    SandboxHost? sandbox;

    public async Task InitializeAsync()
    {
        sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 20, Seed = 1 });
        using var http = new HttpClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = SandboxCredentials.SalesforceClientId,
            ["client_secret"] = SandboxCredentials.SalesforceClientSecret,
        });
        using var tokenResponse = await http.PostAsync(new Uri(sandbox.SalesforceUrl, "/services/oauth2/token"), form);
        tokenResponse.EnsureSuccessStatusCode();
        var token = JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync())!;
        var instance = new Uri(token["instance_url"]!.GetValue<string>());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token["access_token"]!.GetValue<string>());
        foreach (var name in Objects)
        {
            var body = await http.GetStringAsync(new Uri(instance, $"/services/data/v66.0/sobjects/{name}/describe"));
            describes[name] = (JsonObject)JsonNode.Parse(body)!;
        }
    }

    public async Task DisposeAsync()
    {
        if (sandbox is not null)
        {
            await sandbox.DisposeAsync();
        }
    }

    public IEnumerable<JsonObject> Fields(string sobject) =>
        describes[sobject]["fields"]!.AsArray().Select(f => f!.AsObject());

    public JsonObject? Field(string sobject, string name) =>
        Fields(sobject).SingleOrDefault(f => f["name"]!.GetValue<string>() == name);
}
