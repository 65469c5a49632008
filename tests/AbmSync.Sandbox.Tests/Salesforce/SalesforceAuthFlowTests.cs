using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.Salesforce;

public class SalesforceAuthFlowTests
{
    const string JwtGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static string Assertion(RSA key, string iss, string sub, string aud, DateTimeOffset exp, string alg = "RS256")
    {
        var header = B64(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = alg }.ToJsonString()));
        var claims = B64(Encoding.UTF8.GetBytes(new JsonObject { ["iss"] = iss, ["sub"] = sub, ["aud"] = aud, ["exp"] = exp.ToUnixTimeSeconds() }.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(header + "." + claims), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{claims}.{B64(signature)}";
    }

    static async Task<(int Status, JsonObject Body)> GrantAsync(Org org, Dictionary<string, string> form)
    {
        using var response = await org.Http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(form));
        return ((int)response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    static RSA OrgKey(Org org)
    {
        var key = RSA.Create();
        key.ImportFromPem(org.Emulator.Org.JwtPrivateKeyPem);
        return key;
    }

    [Fact]
    public async Task JwtBearer_SignedWithTheAppKey_IssuesATokenForTheSubject()
    {
        await using var org = await Org.StartAsync();
        using var key = OrgKey(org);
        var assertion = Assertion(key, SandboxCredentials.SalesforceClientId, "integration.user@abmsync-demo.example", "https://login.salesforce.com", org.Time.GetUtcNow().AddMinutes(3));
        var (status, body) = await GrantAsync(org, new() { ["grant_type"] = JwtGrant, ["assertion"] = assertion });
        Assert.Equal(200, status);
        Assert.EndsWith("/" + org.Emulator.Org.IntegrationUserId, body["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(body["refresh_token"]);

        using var client = new HttpClient { BaseAddress = new Uri(body["instance_url"]!.GetValue<string>()) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", body["access_token"]!.GetValue<string>());
        Assert.Equal(200, (await Org.SendAsync(client, HttpMethod.Get, "/services/data/v66.0/limits")).Status);
    }

    [Fact]
    public async Task JwtBearer_BadAssertions_AnswerTheRealOAuthErrors()
    {
        await using var org = await Org.StartAsync();
        using var key = OrgKey(org);
        using var stranger = RSA.Create(2048);
        var now = org.Time.GetUtcNow();
        var user = "integration.user@abmsync-demo.example";
        var cases = new (string Assertion, string Error, string Description)[]
        {
            (Assertion(stranger, SandboxCredentials.SalesforceClientId, user, "https://login.salesforce.com", now.AddMinutes(3)), "invalid_grant", "invalid assertion"),
            (Assertion(key, SandboxCredentials.SalesforceClientId, user, "https://login.salesforce.com", now.AddSeconds(-1)), "invalid_grant", "expired authorization code"),
            (Assertion(key, SandboxCredentials.SalesforceClientId, user, "https://example.com", now.AddMinutes(3)), "invalid_grant", "audience is invalid"),
            (Assertion(key, "3MVG9someone.else", user, "https://login.salesforce.com", now.AddMinutes(3)), "invalid_client_id", "client identifier invalid"),
            (Assertion(key, SandboxCredentials.SalesforceClientId, "nobody@example.com", "https://test.salesforce.com", now.AddMinutes(3)), "invalid_grant", "user hasn't approved this consumer"),
            ("not-a-jwt", "invalid_grant", "invalid assertion"),
        };
        foreach (var (assertion, error, description) in cases)
        {
            var (status, body) = await GrantAsync(org, new() { ["grant_type"] = JwtGrant, ["assertion"] = assertion });
            Assert.Equal(400, status);
            Assert.Equal(error, body["error"]!.GetValue<string>());
            Assert.Equal(description, body["error_description"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task JwtBearer_ConfiguredCertificate_IsTheOneChecked()
    {
        using var key = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, certificate.ExportCertificatePem());
            await using var org = await Org.StartAsync(new SandboxOptions { Accounts = 50, Seed = 3, SalesforceJwtCertificatePath = path });
            Assert.Null(org.Emulator.Org.JwtPrivateKeyPem);
            var assertion = Assertion(key, SandboxCredentials.SalesforceClientId, "integration.user@abmsync-demo.example", org.Host.SalesforceUrl.GetLeftPart(UriPartial.Authority), org.Time.GetUtcNow().AddMinutes(3));
            Assert.Equal(200, (await GrantAsync(org, new() { ["grant_type"] = JwtGrant, ["assertion"] = assertion })).Status);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task RefreshToken_IssuesAnAccessTokenForItsUserAndRefusesUnknownTokens()
    {
        await using var org = await Org.StartAsync();
        var (status, body) = await GrantAsync(org, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = org.Emulator.Org.SalesRepRefreshToken,
            ["client_id"] = SandboxCredentials.SalesforceHumanClientId,
            ["client_secret"] = SandboxCredentials.SalesforceHumanClientSecret,
        });
        Assert.Equal(200, status);
        Assert.EndsWith("/" + org.Emulator.Org.SalesRepUserId, body["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(body["access_token"]!.GetValue<string>()));

        (status, body) = await GrantAsync(org, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = "5Aep861made-up",
            ["client_id"] = SandboxCredentials.SalesforceHumanClientId,
        });
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", body["error"]!.GetValue<string>());
        Assert.Equal("expired access/refresh token", body["error_description"]!.GetValue<string>());
    }
}
