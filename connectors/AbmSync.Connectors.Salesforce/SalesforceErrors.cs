using System.Net;
using System.Text.Json.Nodes;

namespace AbmSync.Connectors.Salesforce;

/// <summary>One Salesforce error: <c>errorCode</c> at the top level of a REST answer, <c>statusCode</c> inside collection results.</summary>
public sealed record SalesforceError(string Code, string Message, IReadOnlyList<string> Fields)
{
    /// <summary>
    /// On DUPLICATES_DETECTED, the ids of the records the org's duplicate rule matched (its duplicateResult's
    /// matchResults[].matchRecords[].record.Id); empty on every other error.
    /// </summary>
    public IReadOnlyList<string> DuplicateRecordIds { get; init; } = [];

    // Transient row contention: the worker re-submits these in a later batch (the connector never loops on them).
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "UNABLE_TO_LOCK_ROW",
    };

    /// <summary>True for errors that may succeed when the same record is submitted again later (UNABLE_TO_LOCK_ROW).</summary>
    public bool IsRetryable => RetryableCodes.Contains(Code);

    /// <summary>True when the record failed only because a sibling failed under allOrNone; it can be sent again without change.</summary>
    public bool IsRolledBack => Code == "ALL_OR_NONE_OPERATION_ROLLED_BACK";

    internal static SalesforceError FromJson(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return new SalesforceError("UNKNOWN", node?.ToJsonString() ?? "", []);
        }

        var code = (string?)obj["errorCode"] ?? (string?)obj["statusCode"] ?? "UNKNOWN";
        var message = (string?)obj["message"] ?? "";
        var fields = obj["fields"] is JsonArray array
            ? array.Select(f => (string?)f).OfType<string>().ToArray()
            : [];
        var duplicates = obj["duplicateResult"]?["matchResults"] is JsonArray results
            ? results.OfType<JsonObject>()
                .SelectMany(r => r["matchRecords"] as JsonArray ?? [])
                .Select(m => (string?)m?["record"]?["Id"])
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .ToArray()
            : [];
        return new SalesforceError(code, message, fields) { DuplicateRecordIds = duplicates };
    }

    internal static IReadOnlyList<SalesforceError> ListFromJson(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(FromJson).ToArray(),
        JsonObject obj => [FromJson(obj)],
        _ => [],
    };
}

/// <summary>A Salesforce answer that was not a success. The message names the status and error codes, never credentials.</summary>
public class SalesforceApiException : Exception
{
    public SalesforceApiException(HttpStatusCode statusCode, IReadOnlyList<SalesforceError> errors, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Errors = errors;
    }

    public SalesforceApiException(string message)
        : this(0, [], message)
    {
    }

    public SalesforceApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public SalesforceApiException()
        : this("Salesforce request failed.")
    {
    }

    public HttpStatusCode StatusCode { get; }

    public IReadOnlyList<SalesforceError> Errors { get; }

    /// <summary>First error code, if any (e.g. INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED, MALFORMED_QUERY).</summary>
    public string? ErrorCode => Errors.Count > 0 ? Errors[0].Code : null;

    /// <summary>The org's daily allocation (or the concurrent long-running request limit) is spent: pause the run, do not retry.</summary>
    public bool IsRequestLimitExceeded => Errors.Any(e => e.Code == "REQUEST_LIMIT_EXCEEDED");
}

/// <summary>The token endpoint refused the grant (e.g. <c>invalid_grant</c>). Carries Salesforce's error and description, never the credentials sent.</summary>
public sealed class SalesforceAuthenticationException : SalesforceApiException
{
    public SalesforceAuthenticationException(HttpStatusCode statusCode, string error, string? description)
        : base(statusCode, [new SalesforceError(error, description ?? "", [])],
            $"Salesforce authentication failed ({(int)statusCode}): {error}{(string.IsNullOrEmpty(description) ? "" : ": " + description)}")
    {
        Error = error;
        Description = description;
    }

    public SalesforceAuthenticationException()
        : this(HttpStatusCode.BadRequest, "invalid_grant", null)
    {
    }

    public SalesforceAuthenticationException(string message)
        : base(message)
    {
        Error = "unknown";
    }

    public SalesforceAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = "unknown";
    }

    /// <summary>OAuth <c>error</c>, e.g. invalid_grant, invalid_client.</summary>
    public string Error { get; }

    /// <summary>OAuth <c>error_description</c>, e.g. "expired access/refresh token".</summary>
    public string? Description { get; }
}
