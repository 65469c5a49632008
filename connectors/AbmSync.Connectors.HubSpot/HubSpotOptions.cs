using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.HubSpot;

/// <summary>Settings of the HubSpot connector (configuration section "HubSpot").</summary>
public sealed partial class HubSpotOptions
{
    public const string SectionName = "HubSpot";

    /// <summary>The API host root, without a path (https://api.hubapi.com, or a sandbox on loopback).</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.hubapi.com");

    /// <summary>Bearer token: a private app token, a static app token or a Service Key. A secret: never logged.</summary>
    public string? AccessToken { get; set; }

    /// <summary>"v3" for the legacy /crm/v3/... paths, or a date version such as "2026-03" for /crm/objects/2026-03/...</summary>
    [Required]
    public string ApiVersion { get; set; } = "v3";

    /// <summary>The app's burst allowance per rolling ten seconds (100 Free/Starter, 190 Pro/Enterprise, 250 with the pack).</summary>
    [Range(1, 10_000)]
    public int RequestsPer10Seconds { get; set; } = 190;

    /// <summary>
    /// Chunks of one batch read or association write in flight at once (a page's twins, 100 a call; associations,
    /// 1,000 read or 100 written a call). The limiter keeps them inside the ten-second window whatever this is.
    /// </summary>
    [Range(1, 16)]
    public int BatchesInFlight { get; set; } = 4;

    /// <summary>The stricter per-account search allowance.</summary>
    [Range(1, 100)]
    public int SearchRequestsPerSecond { get; set; } = 5;

    /// <summary>
    /// Share of the account's daily allocation this process may see used (by every client, as HubSpot reports it in
    /// X-HubSpot-RateLimit-Daily-Remaining) before a run should stop at a page boundary.
    /// </summary>
    [Range(0.01, 1.0)]
    public double DailyBudgetShare { get; set; } = 0.5;

    /// <summary>Longest wait for a TCP (and TLS) connection to HubSpot before the attempt fails as transient.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest single HTTP attempt before it counts as a transient timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Longest time one call may take in all: every attempt, retry wait and token refresh. With the defaults a host that
    /// never answers fails the run within a minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>Retries of one transient failure before it surfaces.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>OAuth refresh-token flow; when set, a 401 triggers one refresh and one replay.</summary>
    public HubSpotOAuthOptions OAuth { get; set; } = new();

    /// <summary>True when the paths use the legacy "v3" family rather than a date version.</summary>
    public bool IsLegacyV3 => string.Equals(ApiVersion, "v3", StringComparison.Ordinal);

    // Secrets stay out of logs and exception messages that print options.
    public override string ToString() =>
        $"HubSpotOptions {{ BaseUrl = {BaseUrl}, ApiVersion = {ApiVersion}, AccessToken = {(string.IsNullOrEmpty(AccessToken) ? "(none)" : "***")}, " +
        $"RequestsPer10Seconds = {RequestsPer10Seconds}, SearchRequestsPerSecond = {SearchRequestsPerSecond}, OAuth = {OAuth} }}";

    [GeneratedRegex(@"^(v3|\d{4}-(0[1-9]|1[0-2]))$", RegexOptions.CultureInvariant)]
    internal static partial Regex ApiVersionPattern();
}

/// <summary>OAuth app credentials for the refresh-token flow (POST /oauth/v1/token).</summary>
public sealed class HubSpotOAuthOptions
{
    public string? ClientId { get; set; }

    /// <summary>A secret: never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A secret: never logged.</summary>
    public string? RefreshToken { get; set; }

    /// <summary>Refresh this long before the announced expiry, so a request never carries a token about to lapse.</summary>
    public TimeSpan RefreshSkew { get; set; } = TimeSpan.FromMinutes(2);

    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret) && !string.IsNullOrWhiteSpace(RefreshToken);

    public override string ToString() =>
        $"{{ ClientId = {ClientId ?? "(none)"}, ClientSecret = {(string.IsNullOrEmpty(ClientSecret) ? "(none)" : "***")}, RefreshToken = {(string.IsNullOrEmpty(RefreshToken) ? "(none)" : "***")} }}";
}

/// <summary>Cross-field rules that DataAnnotations cannot express.</summary>
internal sealed class HubSpotOptionsValidator : IValidateOptions<HubSpotOptions>
{
    public ValidateOptionsResult Validate(string? name, HubSpotOptions options)
    {
        var failures = new List<string>();
        if (options.BaseUrl is null || !options.BaseUrl.IsAbsoluteUri ||
            (options.BaseUrl.Scheme != Uri.UriSchemeHttps && options.BaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add("HubSpot:BaseUrl must be an absolute http(s) URL such as https://api.hubapi.com.");
        }
        else if (options.BaseUrl.AbsolutePath != "/" || !string.IsNullOrEmpty(options.BaseUrl.Query))
        {
            failures.Add("HubSpot:BaseUrl must be the host root, without a path or query (e.g. https://api.hubapi.com).");
        }

        if (options.ApiVersion is null || !HubSpotOptions.ApiVersionPattern().IsMatch(options.ApiVersion))
        {
            failures.Add("HubSpot:ApiVersion must be \"v3\" or a date version like \"2026-03\".");
        }

        var oauth = options.OAuth;
        var anyOAuth = !string.IsNullOrWhiteSpace(oauth.ClientId) || !string.IsNullOrWhiteSpace(oauth.ClientSecret) ||
                       !string.IsNullOrWhiteSpace(oauth.RefreshToken);
        if (anyOAuth && !oauth.IsConfigured)
        {
            failures.Add("HubSpot:OAuth needs ClientId, ClientSecret and RefreshToken together.");
        }

        if (string.IsNullOrWhiteSpace(options.AccessToken) && !oauth.IsConfigured)
        {
            failures.Add("HubSpot:AccessToken is required (a private app token or Service Key), unless HubSpot:OAuth is configured.");
        }

        if (oauth.RefreshSkew < TimeSpan.Zero || oauth.RefreshSkew > TimeSpan.FromMinutes(20))
        {
            failures.Add("HubSpot:OAuth:RefreshSkew must be between 0 and 20 minutes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
