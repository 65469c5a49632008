using System.Net;

namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// A HubSpot call that failed as a whole. The message is HubSpot's own (with any credential scrubbed) plus the status;
/// it never carries the access token.
/// </summary>
public sealed class HubSpotApiException : Exception
{
    public HubSpotApiException(
        HttpStatusCode statusCode,
        string? category,
        string message,
        string? correlationId = null,
        string? subCategory = null,
        string? policyName = null,
        IReadOnlyList<string>? missingScopes = null,
        IReadOnlyList<HubSpotError>? errors = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Category = category;
        CorrelationId = correlationId;
        SubCategory = subCategory;
        PolicyName = policyName;
        MissingScopes = missingScopes ?? [];
        Errors = errors ?? [];
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>HubSpot's error category (VALIDATION_ERROR, INVALID_AUTHENTICATION, MISSING_SCOPES, RATE_LIMITS, ...).</summary>
    public string? Category { get; }

    public string? SubCategory { get; }

    public string? CorrelationId { get; }

    /// <summary>For a 429: TEN_SECONDLY_ROLLING, SECONDLY or DAILY.</summary>
    public string? PolicyName { get; }

    /// <summary>For a 403 MISSING_SCOPES: the scopes the token lacks.</summary>
    public IReadOnlyList<string> MissingScopes { get; }

    public IReadOnlyList<HubSpotError> Errors { get; }

    /// <summary>The daily allocation is spent: not transient; the run should checkpoint and pause.</summary>
    public bool IsDailyLimit => (int)StatusCode == 429 && string.Equals(PolicyName, "DAILY", StringComparison.Ordinal);

    public HubSpotError ToError(IReadOnlyList<string>? ids = null) =>
        new(Category ?? ((int)StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), Message, SubCategory, ids ?? [], CorrelationId);
}
