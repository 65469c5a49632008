using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.Salesforce;

/// <summary>An access token and the instance it is valid for. ToString never shows the token.</summary>
internal sealed class SalesforceToken(string accessToken, Uri instanceUrl, string? userId = null, string? orgId = null)
{
    /// <summary>The org's id: the identity URL's segment before the user's.</summary>
    public string? OrgId { get; } = orgId;

    public string AccessToken { get; } = accessToken;

    public Uri InstanceUrl { get; } = instanceUrl;

    /// <summary>The authenticated user's id: the last segment of the token answer's identity URL (<c>…/id/{org}/{user}</c>).</summary>
    public string? UserId { get; } = userId;

    public override string ToString() => $"SalesforceToken {{ InstanceUrl = {InstanceUrl}, AccessToken = *** }}";
}

/// <summary>
/// Who this process is signed in to Salesforce as, once a token has been acquired: the user id that appears as
/// <c>LastModifiedById</c> and <c>CreatedById</c> on what this process writes.
/// </summary>
public sealed class SalesforceIdentity
{
    private string? _userId;

    private string? _orgId;

    /// <summary>The integration user's id, or null before the first token.</summary>
    public string? UserId
    {
        get => Volatile.Read(ref _userId);
        internal set => Volatile.Write(ref _userId, value);
    }

    /// <summary>The org's id (the identity URL's <c>/id/{org}/…</c>), or null before the first token.</summary>
    public string? OrgId
    {
        get => Volatile.Read(ref _orgId);
        internal set => Volatile.Write(ref _orgId, value);
    }
}

/// <summary>
/// The process-wide current token. Salesforce's token answer has no expiry, so a token lives until the API answers 401;
/// handlers come and go with the HttpClientFactory's handler rotation, the token stays here.
/// </summary>
internal sealed class SalesforceTokenCache : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SalesforceToken? _current;

    /// <summary>A rotated refresh token (when the connected app rotates them) replaces the configured one for this process.</summary>
    public string? RotatedRefreshToken { get; set; }

    public SalesforceToken? Current => Volatile.Read(ref _current);

    public async ValueTask<SalesforceToken> GetAsync(Func<CancellationToken, Task<SalesforceToken>> acquire, CancellationToken ct)
    {
        if (Volatile.Read(ref _current) is { } token)
        {
            return token;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_current is { } raced)
            {
                return raced;
            }

            var fresh = await acquire(ct);
            Volatile.Write(ref _current, fresh);
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops <paramref name="stale"/> unless another request already replaced it.</summary>
    public void Invalidate(SalesforceToken stale) => Interlocked.CompareExchange(ref _current, null, stale);

    public void Dispose() => _gate.Dispose();
}

/// <summary>Builds the token request of the configured OAuth flow and reads its answer.</summary>
internal static class SalesforceTokenGrant
{
    public const string TokenPath = "/services/oauth2/token";

    public static HttpRequestMessage CreateRequest(SalesforceOptions options, TimeProvider time, string? rotatedRefreshToken)
    {
        var form = new List<KeyValuePair<string, string>>();
        switch (options.AuthFlow)
        {
            case SalesforceAuthFlow.ClientCredentials:
                form.Add(new("grant_type", "client_credentials"));
                form.Add(new("client_id", options.ClientId));
                form.Add(new("client_secret", options.ClientSecret ?? ""));
                break;
            case SalesforceAuthFlow.JwtBearer:
                form.Add(new("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"));
                form.Add(new("assertion", CreateJwtAssertion(options, time)));
                break;
            case SalesforceAuthFlow.RefreshToken:
                form.Add(new("grant_type", "refresh_token"));
                form.Add(new("refresh_token", rotatedRefreshToken ?? options.RefreshToken ?? ""));
                form.Add(new("client_id", options.ClientId));
                if (!string.IsNullOrEmpty(options.ClientSecret))
                {
                    form.Add(new("client_secret", options.ClientSecret));
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown Salesforce auth flow {options.AuthFlow}.");
        }

        var uri = new Uri(options.LoginUrl, TokenPath);
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    /// <summary>
    /// RS256 JWT for the bearer flow: iss = consumer key, sub = username, aud = login host, exp = now + 3 minutes
    /// (Salesforce refuses assertions whose exp is further out than a few minutes).
    /// </summary>
    internal static string CreateJwtAssertion(SalesforceOptions options, TimeProvider time)
    {
        var audience = (options.JwtAudience ?? options.LoginUrl).GetLeftPart(UriPartial.Authority);
        var exp = time.GetUtcNow().AddMinutes(3).ToUnixTimeSeconds();
        var header = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT" });
        var claims = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["iss"] = options.ClientId,
            ["sub"] = options.Username,
            ["aud"] = audience,
            ["exp"] = exp,
        });
        var signingInput = Base64Url(header) + "." + Base64Url(claims);

        string pem;
        try
        {
            pem = File.ReadAllText(options.PrivateKeyPath ?? "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Names the path (configuration), never the key material.
            throw new SalesforceAuthenticationException($"Cannot read the JWT private key file '{options.PrivateKeyPath}': {e.GetType().Name}.", e);
        }

        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (ArgumentException e)
        {
            throw new SalesforceAuthenticationException($"The file '{options.PrivateKeyPath}' holds no PEM RSA private key.", e);
        }

        var signature = rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    internal static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static async Task<(SalesforceToken Token, string? RefreshToken)> ReadResponseAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            // An HTML error page from a proxy: reported by status below.
        }

        if (!response.IsSuccessStatusCode)
        {
            var error = (string?)json?["error"] ?? "http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            throw new SalesforceAuthenticationException(response.StatusCode, error, (string?)json?["error_description"]);
        }

        var accessToken = (string?)json?["access_token"];
        var instance = (string?)json?["instance_url"];
        if (string.IsNullOrEmpty(accessToken) || !Uri.TryCreate(instance, UriKind.Absolute, out var instanceUrl))
        {
            throw new SalesforceAuthenticationException(response.StatusCode, "invalid_response",
                "the token answer lacks access_token or instance_url");
        }

        var identity = (string?)json?["id"];
        var segments = Uri.TryCreate(identity, UriKind.Absolute, out var identityUrl) && identityUrl.Segments.Length >= 4
            ? identityUrl.Segments
            : null;
        return (new SalesforceToken(accessToken, instanceUrl, segments?[^1].Trim('/'), segments?[^2].Trim('/')), (string?)json?["refresh_token"]);
    }
}

/// <summary>
/// Puts the bearer token on every API request and points it at the token's instance_url. A 401 gets exactly one
/// re-authentication and one replay; a second 401 goes back to the caller.
/// </summary>
internal sealed class SalesforceAuthHandler(
    SalesforceTokenCache cache,
    SalesforceIdentity identity,
    IOptions<SalesforceOptions> options,
    TimeProvider time,
    ILogger<SalesforceAuthHandler> logger) : DelegatingHandler
{
    /// <summary>The typed client's base address until a token names the instance; .invalid never resolves, so nothing leaks if unrewritten.</summary>
    public static readonly Uri Placeholder = new("https://salesforce-instance.invalid/");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("A Salesforce request needs a URI.");
        if (!string.Equals(uri.Host, Placeholder.Host, StringComparison.OrdinalIgnoreCase))
        {
            // Absolute URLs to other hosts never get our token.
            return await base.SendAsync(request, cancellationToken);
        }

        var pathAndQuery = uri.PathAndQuery;
        var token = await cache.GetAsync(AcquireAsync, cancellationToken);
        Apply(request, token, pathAndQuery);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        Log.Reauthenticating(logger, request.Method.Method, uri.AbsolutePath);
        response.Dispose();
        cache.Invalidate(token);
        token = await cache.GetAsync(AcquireAsync, cancellationToken);
        Apply(request, token, pathAndQuery);
        return await base.SendAsync(request, cancellationToken);
    }

    private static void Apply(HttpRequestMessage request, SalesforceToken token, string pathAndQuery)
    {
        request.RequestUri = new Uri(token.InstanceUrl, pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
    }

    private async Task<SalesforceToken> AcquireAsync(CancellationToken ct)
    {
        var o = options.Value;
        using var request = SalesforceTokenGrant.CreateRequest(o, time, cache.RotatedRefreshToken);
        using var response = await base.SendAsync(request, ct);
        var (token, refreshToken) = await SalesforceTokenGrant.ReadResponseAsync(response, ct);
        if (!string.IsNullOrEmpty(refreshToken))
        {
            cache.RotatedRefreshToken = refreshToken;
        }

        if (token.UserId is { } userId)
        {
            identity.UserId = userId;
            identity.OrgId = token.OrgId;
        }
        Log.TokenAcquired(logger, o.AuthFlow, token.InstanceUrl.Authority);
        return token;
    }
}

/// <summary>Innermost handler: sees every attempt on the wire, so retries and replays are counted.</summary>
internal sealed class SalesforceCallCountingHandler(SalesforceCallCounter counter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counter.RecordRequest(request.Method, request.RequestUri?.AbsolutePath ?? "/");
        var response = await base.SendAsync(request, cancellationToken);
        var limitExceeded = false;
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            limitExceeded = body.Contains("REQUEST_LIMIT_EXCEEDED", StringComparison.Ordinal);
        }

        var usage = response.Headers.TryGetValues("Sforce-Limit-Info", out var values)
            ? values.Select(ApiUsage.Parse).LastOrDefault(u => u is not null)
            : null;
        counter.RecordResponse(response.StatusCode, limitExceeded, usage);
        return response;
    }
}
