using Microsoft.Extensions.Logging;

namespace AbmSync.Connectors.Salesforce;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Salesforce token acquired ({Flow}) for instance {Instance}")]
    public static partial void TokenAcquired(ILogger logger, SalesforceAuthFlow flow, string instance);

    [LoggerMessage(2, LogLevel.Information, "Salesforce answered 401 to {Method} {Path}; re-authenticating once and replaying")]
    public static partial void Reauthenticating(ILogger logger, string method, string path);

    [LoggerMessage(3, LogLevel.Warning, "Salesforce {Method} {Path}: {Reason}; retry {Attempt} of {MaxAttempts} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string method, string path, string reason, int attempt, int maxAttempts, long delayMs);

    [LoggerMessage(4, LogLevel.Debug, "Salesforce {Method} {Path}: the failure behind retry {Attempt}")]
    public static partial void RetryDetail(ILogger logger, string method, string path, int attempt, Exception exception);
}
