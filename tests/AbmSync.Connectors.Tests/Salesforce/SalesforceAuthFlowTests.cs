using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using static AbmSync.Connectors.Tests.Salesforce.SalesforceTestHost;

namespace AbmSync.Connectors.Tests.Salesforce;

public sealed class SalesforceAuthFlowTests : IDisposable
{
    private static readonly SoqlQuery Query = SoqlQuery.From("User").Select("Id", "Email");
    private readonly string _keyPath = Path.Combine(Path.GetTempPath(), $"abmsync-sf-{Guid.NewGuid():N}.pem");
    private readonly RSA _key = RSA.Create(2048);

    public SalesforceAuthFlowTests() => File.WriteAllText(_keyPath, _key.ExportPkcs8PrivateKeyPem());

    public void Dispose()
    {
        File.Delete(_keyPath);
        _key.Dispose();
    }

    private static void StubQuery(SalesforceTestHost host) =>
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet())
            .RespondWith(Json(200, """{"totalSize":0,"done":true,"records":[]}"""));

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    private static byte[] FromBase64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    [Fact]
    public async Task JwtBearer_SendsRs256AssertionWithIssSubAudExp()
    {
        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        using var host = Start(o =>
        {
            o.AuthFlow = SalesforceAuthFlow.JwtBearer;
            o.ClientSecret = null;
            o.ClientId = "3MVG9consumer-key";
            o.Username = "integration@abm.example.com";
            o.PrivateKeyPath = _keyPath;
            o.JwtAudience = new Uri("https://test.salesforce.com");
        }, time: new FakeTimeProvider(now));
        StubQuery(host);

        await host.Client.QueryAsync(Query);

        var form = Form(host.Requests("/services/oauth2/token").Single().RequestMessage.Body!);
        Assert.Equal("urn:ietf:params:oauth:grant-type:jwt-bearer", form["grant_type"]);
        Assert.False(form.ContainsKey("client_secret"));
        var parts = form["assertion"].Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(FromBase64Url(parts[0]))!;
        var claims = JsonNode.Parse(FromBase64Url(parts[1]))!;
        Assert.Equal("RS256", (string?)header["alg"]);
        Assert.Equal("3MVG9consumer-key", (string?)claims["iss"]);
        Assert.Equal("integration@abm.example.com", (string?)claims["sub"]);
        Assert.Equal("https://test.salesforce.com", (string?)claims["aud"]);
        Assert.Equal(now.AddMinutes(3).ToUnixTimeSeconds(), (long)claims["exp"]!);
        Assert.True(_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "signature must verify with the connected app's certificate key");
    }

    [Fact]
    public async Task JwtBearer_MissingKeyFile_FailsClearlyWithoutCalling()
    {
        using var host = Start(o =>
        {
            o.AuthFlow = SalesforceAuthFlow.JwtBearer;
            o.Username = "integration@abm.example.com";
            o.PrivateKeyPath = "/nonexistent/sf.pem";
        });

        var e = await Assert.ThrowsAsync<SalesforceAuthenticationException>(() => host.Client.QueryAsync(Query));

        Assert.Contains("/nonexistent/sf.pem", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Counter.Calls);
    }

    [Theory]
    [InlineData("invalid_grant", "expired access/refresh token")]
    [InlineData("invalid_grant", "user hasn't approved this consumer")]
    [InlineData("invalid_client", "invalid client credentials")]
    public async Task TokenErrors_SurfaceErrorAndDescriptionButNoCredentials(string error, string description)
    {
        using var host = Start(o =>
        {
            o.AuthFlow = SalesforceAuthFlow.JwtBearer;
            o.Username = "integration@abm.example.com";
            o.PrivateKeyPath = _keyPath;
        }, stubToken: false);
        host.Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .RespondWith(Json(400, new JsonObject { ["error"] = error, ["error_description"] = description }.ToJsonString()));

        var e = await Assert.ThrowsAsync<SalesforceAuthenticationException>(() => host.Client.QueryAsync(Query));

        Assert.Equal(error, e.Error);
        Assert.Equal(description, e.Description);
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        var assertion = Form(host.Requests("/services/oauth2/token").Single().RequestMessage.Body!)["assertion"];
        Assert.DoesNotContain(assertion, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", e.ToString(), StringComparison.Ordinal);
        Assert.Single(host.Requests("/services/oauth2/token"));
    }

    [Fact]
    public async Task RefreshToken_SendsGrantAndUsesARotatedTokenNextTime()
    {
        using var host = Start(o =>
        {
            o.AuthFlow = SalesforceAuthFlow.RefreshToken;
            o.RefreshToken = "5Aep-original";
        }, stubToken: false);
        host.Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .InScenario("refresh").WillSetStateTo("rotated")
            .RespondWith(Json(200, $$"""{"access_token":"tok1","instance_url":"{{host.Server.Url}}","refresh_token":"5Aep-rotated","token_type":"Bearer"}"""));
        host.Server.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .InScenario("refresh").WhenStateIs("rotated")
            .RespondWith(Json(200, $$"""{"access_token":"tok2","instance_url":"{{host.Server.Url}}","token_type":"Bearer"}"""));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet().WithHeader("Authorization", "Bearer tok1"))
            .RespondWith(Json(401, """[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"""));
        host.Server.Given(Request.Create().WithPath($"{DataPath}/query").UsingGet().WithHeader("Authorization", "Bearer tok2"))
            .RespondWith(Json(200, """{"totalSize":0,"done":true,"records":[]}"""));

        await host.Client.QueryAsync(Query);

        var forms = host.Requests("/services/oauth2/token").Select(e => Form(e.RequestMessage.Body!)).ToList();
        Assert.Equal(2, forms.Count);
        Assert.All(forms, f => Assert.Equal("refresh_token", f["grant_type"]));
        Assert.All(forms, f => Assert.Equal("test-client", f["client_id"]));
        Assert.Equal(["5Aep-original", "5Aep-rotated"], forms.Select(f => f["refresh_token"]));
    }

    [Fact]
    public void Registration_ValidatesOptionsWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddSalesforceConnector();
        services.Configure<SalesforceOptions>(o => o.ClientId = "cid");
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SalesforceOptions>>().Value);

        Assert.Contains("ClientSecret is required", e.Message, StringComparison.Ordinal);
    }
}
