using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>
/// HubSpot's OAuth v1 token endpoint for the refresh-token grant: expiring access tokens (30 minutes, HubSpot's usual
/// <c>expires_in</c> of 1800), refresh tokens that do not expire.
/// </summary>
internal sealed class HsOAuth(TimeProvider time)
{
    readonly Lock sync = new();
    readonly Dictionary<string, DateTimeOffset> accessTokens = new(StringComparer.Ordinal);

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The actor of a live OAuth access token, or when it expired; (null, null) for a token never issued.</summary>
    public (HsActor? Actor, DateTimeOffset? ExpiredAt) Check(string token)
    {
        lock (sync)
        {
            if (!accessTokens.TryGetValue(token, out var expires))
            {
                return (null, null);
            }
            return time.GetUtcNow() < expires ? (HsActor.Integration, null) : (null, expires);
        }
    }

    public async Task<IResult> Token(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return Bad("BAD_GRANT_TYPE", "the request must be application/x-www-form-urlencoded");
        }
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var grant = form["grant_type"].ToString();
        if (grant != "refresh_token")
        {
            return Bad("BAD_GRANT_TYPE", $"unsupported grant_type '{grant}': the sandbox supports refresh_token");
        }
        if (form["client_id"].ToString() != HubSpotEmulator.OAuthClientId)
        {
            return Bad("BAD_CLIENT_ID", "missing or unknown client id");
        }
        if (form["client_secret"].ToString() != HubSpotEmulator.OAuthClientSecret)
        {
            return Bad("BAD_CLIENT_SECRET", "missing or invalid client secret");
        }
        if (form["refresh_token"].ToString() != HubSpotEmulator.OAuthRefreshToken)
        {
            return Bad("BAD_REFRESH_TOKEN", "missing or invalid refresh token");
        }
        var token = "sandbox-oauth-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        lock (sync)
        {
            accessTokens[token] = time.GetUtcNow() + AccessTokenLifetime;
        }
        return HsJson.Answer(200, new JsonObject
        {
            ["token_type"] = "bearer",
            ["refresh_token"] = HubSpotEmulator.OAuthRefreshToken,
            ["access_token"] = token,
            ["expires_in"] = (long)AccessTokenLifetime.TotalSeconds,
        });
    }

    static IResult Bad(string status, string message) => HsJson.Answer(400, new JsonObject
    {
        ["status"] = status,
        ["message"] = message,
        ["correlationId"] = Guid.NewGuid().ToString(),
        ["requestId"] = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture),
    });
}
