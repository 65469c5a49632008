using Microsoft.Extensions.Logging;

namespace AbmSync.Connectors.HubSpot;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "HubSpot OAuth access token refreshed; it expires in {ExpiresInSeconds} s")]
    public static partial void TokenRefreshed(ILogger logger, int expiresInSeconds);

    [LoggerMessage(2, LogLevel.Warning, "HubSpot rejected a batch of {Count} {ObjectType} inputs as a whole ({Category}); splitting it to isolate the invalid ones")]
    public static partial void BisectingBatch(ILogger logger, int count, string objectType, string category);

    [LoggerMessage(3, LogLevel.Debug, "HubSpot rate limit headers: {Remaining}/{Max} in the window, daily {DailyRemaining}/{Daily}")]
    public static partial void RateLimitHeaders(ILogger logger, int? remaining, int? max, long? dailyRemaining, long? daily);

    [LoggerMessage(4, LogLevel.Warning, "HubSpot {Method} {Path}: {Reason}; retry {Attempt} of {MaxAttempts} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string method, string path, string reason, int attempt, int maxAttempts, long delayMs);

    [LoggerMessage(5, LogLevel.Debug, "HubSpot {Method} {Path}: the failure behind retry {Attempt}")]
    public static partial void RetryDetail(ILogger logger, string method, string path, int attempt, Exception exception);
}
