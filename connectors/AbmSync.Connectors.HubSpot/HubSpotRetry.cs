using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// The HTTP retry rules, set explicitly rather than taken from the standard handler: that one retries every POST,
/// which would duplicate records on a create.
/// </summary>
internal static class HubSpotRetry
{
    /// <summary>Set on a request whose replay could write twice (creates): retried only after a 429, which HubSpot answers before doing anything.</summary>
    internal static readonly HttpRequestOptionsKey<bool> NotIdempotent = new("AbmSync.HubSpot.NotIdempotent");

    /// <summary>The rolling burst window: without Retry-After, a throttled call waits for it to roll over.</summary>
    internal static readonly TimeSpan BurstWindow = TimeSpan.FromSeconds(10);

    internal static readonly TimeSpan SecondlyWindow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A 429 is HubSpot saying "not yet", not a fault: it gets this many times the fault retries. Several workers (or
    /// several flows of one) share a portal's limits, the secondly search limit above all, and a run must not fail
    /// because they met there. The request's overall timeout still bounds the wait.
    /// </summary>
    internal const int ThrottledRetriesPerFaultRetry = 4;

    internal static HttpRetryStrategyOptions CreateOptions(int maxRetryAttempts, TimeProvider timeProvider, ILogger? logger = null)
    {
        var faultRetries = Math.Max(1, maxRetryAttempts);
        var options = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = faultRetries * ThrottledRetriesPerFaultRetry,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            MaxDelay = TimeSpan.FromSeconds(30),
        };
        options.ShouldHandle = async args => await ShouldRetryAsync(args.Outcome, args.Context)
            && (args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests || args.AttemptNumber < faultRetries);
        options.DelayGenerator = args => DelayAsync(args.Outcome, timeProvider, args.Context.CancellationToken);
        if (logger is not null)
        {
            options.OnRetry = args =>
            {
                LogRetry(logger, args, maxRetryAttempts);
                return ValueTask.CompletedTask;
            };
        }
        return options;
    }

    internal static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var request = outcome.Result?.RequestMessage ?? context.GetRequestMessage();
        if (request is not null && request.Options.TryGetValue(NotIdempotent, out var notIdempotent) && notIdempotent &&
            outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests)
        {
            // A create may have been applied before a gateway error or timeout; only a throttled one surely was not.
            return false;
        }

        if (outcome.Exception is not null)
        {
            // A timeout of one attempt, or a connection failure; the caller's own cancellation is not transient.
            return outcome.Exception is TimeoutRejectedException or HttpRequestException
                || (outcome.Exception is OperationCanceledException && !context.CancellationToken.IsCancellationRequested);
        }

        var response = outcome.Result;
        if (response is null)
        {
            return false;
        }

        return response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests => !string.Equals(await ReadPolicyNameAsync(response, context.CancellationToken), "DAILY", StringComparison.Ordinal),
            HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => true,
            _ => false,
        };
    }

    /// <summary>Retry-After when given; a throttled call otherwise waits out its window; other faults use jittered backoff (null).</summary>
    internal static async ValueTask<TimeSpan?> DelayAsync(Outcome<HttpResponseMessage> outcome, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var response = outcome.Result;
        if (response is null)
        {
            return null;
        }

        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var policy = await ReadPolicyNameAsync(response, cancellationToken);
            var window = string.Equals(policy, "SECONDLY", StringComparison.Ordinal) ? SecondlyWindow : BurstWindow;

            // Up to a second of jitter, so that callers throttled together (other workers' too) come back spread over
            // the next second rather than together into the next 429.
            return window + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1000));
        }

        return null;
    }

    /// <summary>Reads policyName from a 429 body, buffering it so that the caller can still read it.</summary>
    internal static async Task<string?> ReadPolicyNameAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (body.Length == 0)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object &&
                   doc.RootElement.TryGetProperty("policyName", out var policy) && policy.ValueKind == JsonValueKind.String
                ? policy.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// One line per retry: what failed (a status, or the exception's message) and when the next attempt goes. The
    /// exception with its frames is logged only at Debug.
    /// </summary>
    static void LogRetry(ILogger logger, OnRetryArguments<HttpResponseMessage> args, int maxAttempts)
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
