using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.Salesforce;

public class SalesforceIdentityTests
{
    [Fact]
    public async Task IdentityUrl_WithTheToken_AnswersItsUser_OtherwiseRefuses()
    {
        await using var org = await Org.StartAsync();
        var token = await org.TokenAsync();
        var identityUrl = new Uri(token["id"]!.GetValue<string>());
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token["access_token"]!.GetValue<string>());

        var identity = (JsonObject)JsonNode.Parse(await client.GetStringAsync(identityUrl))!;

        Assert.Equal(org.Emulator.Org.IntegrationUserId, identity["user_id"]!.GetValue<string>());
        Assert.Equal(identityUrl.AbsoluteUri, identity["id"]!.GetValue<string>());
        Assert.Equal(identityUrl.Segments[2].TrimEnd('/'), identity["organization_id"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(identity["username"]!.GetValue<string>()));
        Assert.EndsWith("/services/data/v{version}/", identity["urls"]!["rest"]!.GetValue<string>(), StringComparison.Ordinal);

        // Another user's identity URL, or no token at all, is refused as Salesforce refuses it.
        var other = new Uri(identityUrl, identityUrl.AbsolutePath.Replace(org.Emulator.Org.IntegrationUserId, org.Emulator.Org.SalesRepUserId, StringComparison.Ordinal));
        using var mismatch = await client.GetAsync(other);
        Assert.Equal(403, (int)mismatch.StatusCode);
        Assert.Equal("Bad_Id", await mismatch.Content.ReadAsStringAsync());
        using var anonymous = new HttpClient();
        using var noToken = await anonymous.GetAsync(identityUrl);
        Assert.Equal(403, (int)noToken.StatusCode);
        Assert.Equal("Bad_OAuth_Token", await noToken.Content.ReadAsStringAsync());
    }
}
