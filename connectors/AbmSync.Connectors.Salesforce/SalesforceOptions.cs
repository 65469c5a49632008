using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.Salesforce;

/// <summary>How the connector obtains its access token.</summary>
public enum SalesforceAuthFlow
{
    /// <summary><c>grant_type=client_credentials</c> with <see cref="SalesforceOptions.ClientSecret"/>; the login URL must be the org's My Domain.</summary>
    ClientCredentials,

    /// <summary>RS256 JWT assertion signed with the key at <see cref="SalesforceOptions.PrivateKeyPath"/> for <see cref="SalesforceOptions.Username"/>.</summary>
    JwtBearer,

    /// <summary><c>grant_type=refresh_token</c> with <see cref="SalesforceOptions.RefreshToken"/>.</summary>
    RefreshToken,
}

/// <summary>Configuration section "Salesforce". Secrets come from the environment, never from a committed file.</summary>
public sealed class SalesforceOptions
{
    public const string DefaultSection = "Salesforce";

    /// <summary>Login host (https://login.salesforce.com, https://test.salesforce.com or the org's My Domain); the token endpoint lives here.</summary>
    [Required]
    public Uri LoginUrl { get; set; } = new("https://login.salesforce.com");

    /// <summary>REST version segment, e.g. "v66.0".</summary>
    [Required]
    [RegularExpression(@"^v\d+\.\d$", ErrorMessage = "ApiVersion must look like v66.0.")]
    public string ApiVersion { get; set; } = "v66.0";

    public SalesforceAuthFlow AuthFlow { get; set; } = SalesforceAuthFlow.ClientCredentials;

    /// <summary>Connected app consumer key (the JWT <c>iss</c>).</summary>
    [Required]
    public string ClientId { get; set; } = "";

    public string? ClientSecret { get; set; }

    /// <summary>The user the JWT bearer flow acts as (the JWT <c>sub</c>).</summary>
    public string? Username { get; set; }

    /// <summary>PEM file holding the RSA private key for the JWT bearer flow.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>JWT <c>aud</c>; defaults to <see cref="LoginUrl"/>. A My Domain login still uses https://login.salesforce.com or https://test.salesforce.com here.</summary>
    public Uri? JwtAudience { get; set; }

    public string? RefreshToken { get; set; }

    /// <summary>Sforce-Query-Options batchSize; Salesforce accepts 200..2000 and may return fewer.</summary>
    [Range(200, 2000)]
    public int QueryBatchSize { get; set; } = 2000;

    /// <summary>Retries of transient failures (429, 502, 503, 504, timeouts, connection errors) per request.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First backoff step; later steps grow exponentially with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A Retry-After longer than this is not waited for: the failure surfaces so the run can checkpoint instead of sleeping.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for a TCP (and TLS) connection to Salesforce before the attempt fails as transient.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Timeout of one attempt. Salesforce's own call timeout is 10 minutes, but queries and collection writes answer
    /// in seconds; a host that accepts a connection and never answers must not hold a run for minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Longest time one call may take in all: every attempt, retry wait and the token request it needed. With the
    /// defaults a host that never answers fails the run within a minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>Share of the org's daily API allocation (as the org reports it, every client included) that a run may use.</summary>
    [Range(0.01, 1.0)]
    public double DailyApiShare { get; set; } = 0.5;

    /// <summary>Record count above which full reads and large writes should use Bulk API 2.0.</summary>
    [Range(1, int.MaxValue)]
    public int BulkThreshold { get; set; } = 10_000;

    /// <summary>The longest wait between polls of a Bulk API 2.0 job (the first comes after 1 s, each next twice as long).</summary>
    public TimeSpan BulkPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    // Secrets are reported only as present or absent, so options can be logged safely.
    public override string ToString() =>
        $"Salesforce {{ LoginUrl = {LoginUrl}, ApiVersion = {ApiVersion}, AuthFlow = {AuthFlow}, ClientId = {ClientId}, " +
        $"ClientSecret = {Redact(ClientSecret)}, Username = {Username}, PrivateKeyPath = {PrivateKeyPath}, " +
        $"RefreshToken = {Redact(RefreshToken)}, QueryBatchSize = {QueryBatchSize} }}";

    private static string Redact(string? secret) => string.IsNullOrEmpty(secret) ? "(none)" : "***";
}

/// <summary>Cross-field rules that DataAnnotations cannot express.</summary>
internal sealed class SalesforceOptionsValidator : IValidateOptions<SalesforceOptions>
{
    public ValidateOptionsResult Validate(string? name, SalesforceOptions options)
    {
        var failures = new List<string>();
        if (options.LoginUrl is { IsAbsoluteUri: false })
        {
            failures.Add("Salesforce:LoginUrl must be an absolute URL.");
        }

        switch (options.AuthFlow)
        {
            case SalesforceAuthFlow.ClientCredentials when string.IsNullOrWhiteSpace(options.ClientSecret):
                failures.Add("Salesforce:ClientSecret is required for the client credentials flow.");
                break;
            case SalesforceAuthFlow.JwtBearer:
                if (string.IsNullOrWhiteSpace(options.Username))
                {
                    failures.Add("Salesforce:Username is required for the JWT bearer flow.");
                }

                if (string.IsNullOrWhiteSpace(options.PrivateKeyPath))
                {
                    failures.Add("Salesforce:PrivateKeyPath is required for the JWT bearer flow.");
                }

                break;
            case SalesforceAuthFlow.RefreshToken when string.IsNullOrWhiteSpace(options.RefreshToken):
                failures.Add("Salesforce:RefreshToken is required for the refresh token flow.");
                break;
        }

        if (options.RetryBaseDelay < TimeSpan.Zero || options.MaxRetryAfter < TimeSpan.Zero)
        {
            failures.Add("Salesforce retry delays must not be negative.");
        }

        if (options.AttemptTimeout <= TimeSpan.Zero)
        {
            failures.Add("Salesforce:AttemptTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
