using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>
/// The OAuth 2.0 JWT bearer flow (RS256 assertion checked against the connected app's certificate) and the refresh
/// token flow. Error answers follow what orgs send: a bad signature is "invalid assertion", an expired assertion
/// "expired authorization code", a wrong audience "audience is invalid", an unknown consumer key "client identifier invalid".
/// </summary>
public sealed partial class SalesforceOrg
{
    static readonly string[] StandardAudiences = ["https://login.salesforce.com", "https://test.salesforce.com"];

    Lazy<(RSA PublicKey, string? PrivateKeyPem, string CertificatePem)> jwtKeys = null!;
    readonly Dictionary<string, (string UserId, string ClientId)> refreshTokens = new(StringComparer.Ordinal);

    /// <summary>PKCS#8 PEM private key matching the certificate, when the emulator made its own pair (null when one was configured).</summary>
    public string? JwtPrivateKeyPem => jwtKeys.Value.PrivateKeyPem;

    /// <summary>The connected app's certificate as PEM, as an admin would upload it.</summary>
    public string JwtCertificatePem => jwtKeys.Value.CertificatePem;

    /// <summary>A refresh token of the integration client, as a one-time web-server authorization would have issued it.</summary>
    public string IntegrationRefreshToken { get; private set; } = "";

    /// <summary>A refresh token of the sales rep's client.</summary>
    public string SalesRepRefreshToken { get; private set; } = "";

    void InitAuth(string? certificatePath)
    {
        // Made on first use: generating an RSA key costs more than seeding a small org.
        jwtKeys = new Lazy<(RSA, string?, string)>(() => certificatePath is null ? MakeKeys() : LoadCertificate(certificatePath), LazyThreadSafetyMode.ExecutionAndPublication);
        IntegrationRefreshToken = MintRefreshToken(IntegrationUserId, SandboxCredentials.SalesforceClientId);
        SalesRepRefreshToken = MintRefreshToken(SalesRepUserId, SandboxCredentials.SalesforceHumanClientId);
    }

    static (RSA, string?, string) LoadCertificate(string path)
    {
        var pem = File.ReadAllText(path);
        if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            return (certificate.GetRSAPublicKey() ?? throw new InvalidOperationException($"{path}: the certificate has no RSA key."), null, pem);
        }
        var key = RSA.Create();
        key.ImportFromPem(pem);
        return (key, null, pem);
    }

    (RSA, string?, string) MakeKeys()
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=AbmSync Sandbox Connected App", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        return (key, key.ExportPkcs8PrivateKeyPem(), certificate.ExportCertificatePem());
    }

    string MintRefreshToken(string userId, string clientId)
    {
        // Deterministic from the org and user, so a restarted sandbox with the same seed honours the same token.
        var token = "5Aep861" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"refresh/{OrgId}/{userId}/{clientId}")))
            .Replace('+', '.').Replace('/', '_').TrimEnd('=');
        refreshTokens[token] = (userId, clientId);
        return token;
    }

    IResult JwtBearer(IFormCollection form)
    {
        var parts = form["assertion"].ToString().Split('.');
        if (parts.Length != 3)
        {
            return OAuthError("invalid_grant", "invalid assertion");
        }
        JsonObject header, claims;
        byte[] signature;
        try
        {
            header = JsonNode.Parse(Base64Url(parts[0])) as JsonObject ?? throw new FormatException();
            claims = JsonNode.Parse(Base64Url(parts[1])) as JsonObject ?? throw new FormatException();
            signature = Base64Url(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return OAuthError("invalid_grant", "invalid assertion");
        }
        if (Claim(header, "alg") != "RS256"
            || !jwtKeys.Value.PublicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return OAuthError("invalid_grant", "invalid assertion");
        }
        var issuer = Claim(claims, "iss");
        if (ClientUser(issuer) is null)
        {
            return OAuthError("invalid_client_id", "client identifier invalid");
        }
        var audience = Claim(claims, "aud")?.TrimEnd('/');
        var ownHost = InstanceUrl.TrimEnd('/');
        if (audience is null || (!StandardAudiences.Contains(audience, StringComparer.OrdinalIgnoreCase) && !string.Equals(audience, ownHost, StringComparison.OrdinalIgnoreCase)))
        {
            return OAuthError("invalid_grant", "audience is invalid");
        }
        if (claims["exp"] is not JsonValue exp || !exp.TryGetValue<long>(out var expires)
            || time.GetUtcNow() >= DateTimeOffset.FromUnixTimeSeconds(expires))
        {
            return OAuthError("invalid_grant", "expired authorization code");
        }
        var username = Claim(claims, "sub");
        SfRecord? user;
        lock (Store.Gate)
        {
            user = Store.All(Schema.Find("User")!).FirstOrDefault(u => string.Equals(u["Username"] as string, username, StringComparison.OrdinalIgnoreCase));
        }
        if (user is null)
        {
            return OAuthError("invalid_grant", "user hasn't approved this consumer");
        }
        if (user["IsActive"] is not true)
        {
            return OAuthError("invalid_grant", "inactive user");
        }
        return IssueToken(user.Id, issuer!, refresh: false);
    }

    static string? Claim(JsonObject json, string name) =>
        json[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    static byte[] Base64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    IResult RefreshToken(HttpContext http, IFormCollection form)
    {
        var (clientId, secret) = ClientAuth(http, form);
        if (ClientUser(clientId) is null)
        {
            return OAuthError("invalid_client_id", "client identifier invalid");
        }
        // The secret is optional in this flow, but a wrong one is refused.
        if (!string.IsNullOrEmpty(secret) && !FixedEquals(secret, SecretOf(clientId!)))
        {
            return OAuthError("invalid_client", "invalid client credentials");
        }
        var token = form["refresh_token"].ToString();
        if (!refreshTokens.TryGetValue(token, out var grant) || grant.ClientId != clientId)
        {
            return OAuthError("invalid_grant", "expired access/refresh token");
        }
        return IssueToken(grant.UserId, clientId!, refresh: true);
    }
}
