using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AbmSync.Connectors.Salesforce;

/// <summary>What the HTTP layer may retry. Everything else (4xx, REQUEST_LIMIT_EXCEEDED, per-record errors) is for the caller.</summary>
internal static class SalesforceRetryPolicy
{
    /// <summary>Tags a request that must never be sent twice (record creation has no idempotency key).</summary>
    public static readonly HttpRequestOptionsKey<bool> NonIdempotent = new("AbmSync.Salesforce.NonIdempotent");

    public static bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome, SalesforceOptions options, TimeProvider time)
    {
        if (context.GetRequestMessage() is { } request && request.Options.TryGetValue(NonIdempotent, out var nonIdempotent) && nonIdempotent)
        {
            return false;
        }

        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException;
        }

        if (outcome.Result is not { } response)
        {
            return false;
        }

        var transient = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
        // A wait longer than the cap is better spent by the run checkpointing than by a sleeping HTTP call.
        return transient && !(RetryAfter(response, time) > options.MaxRetryAfter);
    }

    /// <summary>Retry-After as a delay (seconds or HTTP date); null when absent, so the jittered backoff applies.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>
    /// One line per retry: what failed (a status, or the exception's message) and when the next attempt goes. The
    /// exception with its frames is logged only at Debug.
    /// </summary>
    internal static void LogRetry(ILogger logger, OnRetryArguments<HttpResponseMessage> args, int maxAttempts)
    {
        var request = args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage();
        var method = request?.Method.Method ?? "?";
        var path = request?.RequestUri?.AbsolutePath ?? "?";
        var reason = args.Outcome.Exception is { } e
            ? e.Message.ReplaceLineEndings(" ")
            : $"HTTP {(int)args.Outcome.Result!.StatusCode} {args.Outcome.Result.ReasonPhrase}";
        Log.Retrying(logger, method, path, reason, args.AttemptNumber + 1, maxAttempts, (long)args.RetryDelay.TotalMilliseconds);
        if (args.Outcome.Exception is { } exception && logger.IsEnabled(LogLevel.Debug))
        {
            Log.RetryDetail(logger, method, path, args.AttemptNumber + 1, exception);
        }
    }
}
