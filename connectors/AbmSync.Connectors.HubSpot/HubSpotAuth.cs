using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// Supplies the bearer token: the static token (private app / Service Key) or an OAuth access token obtained with the
/// refresh token, refreshed ahead of its expiry and on demand after a 401. Singleton.
/// </summary>
internal sealed class HubSpotTokenProvider(
    IHttpClientFactory httpClientFactory,
    IOptionsMonitor<HubSpotOptions> options,
    TimeProvider timeProvider,
    ILogger<HubSpotTokenProvider> logger)
{
    internal const string OAuthClientName = "AbmSync.HubSpot.OAuth";

    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private string? _accessToken;
    private string? _refreshToken;
    private DateTimeOffset _expiresAt;

    public bool CanRefresh => options.CurrentValue.OAuth.IsConfigured;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        if (!current.OAuth.IsConfigured)
        {
            return current.AccessToken ?? string.Empty;
        }

        var token = _accessToken;
        if (token is not null && timeProvider.GetUtcNow() < _expiresAt - current.OAuth.RefreshSkew)
        {
            return token;
        }

        return await RefreshAsync(token, cancellationToken);
    }

    /// <summary>Refreshes unless another caller already replaced <paramref name="staleToken"/>.</summary>
    public async ValueTask<string> RefreshAsync(string? staleToken, CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            var oauth = options.CurrentValue.OAuth;
            if (_accessToken is not null && !string.Equals(_accessToken, staleToken, StringComparison.Ordinal) &&
                timeProvider.GetUtcNow() < _expiresAt - oauth.RefreshSkew)
            {
                return _accessToken;
            }

            var http = httpClientFactory.CreateClient(OAuthClientName);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = oauth.ClientId!,
                ["client_secret"] = oauth.ClientSecret!,
                ["refresh_token"] = _refreshToken ?? oauth.RefreshToken!,
            });
            using var response = await http.PostAsync(new Uri(options.CurrentValue.BaseUrl, "/oauth/v1/token"), form, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // The OAuth error body names the problem (e.g. BAD_REFRESH_TOKEN) but never echoes the secrets we sent.
                var error = HubSpotJson.ParseError(body, options.CurrentValue);
                throw new HubSpotApiException(
                    response.StatusCode,
                    error?.Category ?? "OAUTH_REFRESH_FAILED",
                    $"HubSpot OAuth token refresh failed with {(int)response.StatusCode}: {error?.Message ?? "no error message"}",
                    error?.CorrelationId);
            }

            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            _accessToken = root.GetProperty("access_token").GetString()
                ?? throw new HubSpotApiException(response.StatusCode, "OAUTH_REFRESH_FAILED", "HubSpot OAuth answer has no access_token.");
            if (root.TryGetProperty("refresh_token", out var refresh) && refresh.ValueKind == JsonValueKind.String)
            {
                _refreshToken = refresh.GetString();
            }

            var expiresIn = root.TryGetProperty("expires_in", out var exp) && exp.TryGetInt32(out var seconds) ? seconds : 1800;
            _expiresAt = timeProvider.GetUtcNow().AddSeconds(expiresIn);
            Log.TokenRefreshed(logger, expiresIn);
            return _accessToken;
        }
        finally
        {
            _refreshLock.Release();
        }
    }
}

/// <summary>Adds the bearer token; after a 401 with OAuth configured, refreshes once and replays once.</summary>
internal sealed class HubSpotAuthHandler(HubSpotTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized || !tokens.CanRefresh)
        {
            return response;
        }

        response.Dispose();
        var fresh = await tokens.RefreshAsync(token, cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        return await base.SendAsync(request, cancellationToken);
    }
}
