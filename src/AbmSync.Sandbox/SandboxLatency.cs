using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox;

/// <summary>
/// The simulated round trip of one emulator: every answer waits <see cref="SandboxOptions.Latency"/> plus a uniform
/// extra in [0, <see cref="SandboxOptions.LatencyJitter"/>), drawn from a generator seeded by the sandbox's seed, so
/// that two runs with one seed see delays of one distribution.
/// </summary>
public sealed class SandboxLatency
{
    readonly TimeSpan latency;
    readonly TimeSpan jitter;
    readonly Random random;
    readonly TimeProvider clock;

    /// <param name="clock">
    /// The clock the delays run on. Not the sandbox's world clock: a test may give that one fake and stopped, and a
    /// delay is real time on a real socket.
    /// </param>
    public SandboxLatency(TimeSpan latency, TimeSpan jitter, int seed, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(jitter, TimeSpan.Zero);
        this.latency = latency;
        this.jitter = jitter;
        random = new Random(seed);
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary>No answer is delayed.</summary>
    public bool IsNone => latency == TimeSpan.Zero && jitter == TimeSpan.Zero;

    /// <summary>The delay of the next answer.</summary>
    public TimeSpan Draw()
    {
        if (jitter == TimeSpan.Zero)
        {
            return latency;
        }
        double roll;
        lock (random)
        {
            roll = random.NextDouble();
        }
        return latency + TimeSpan.FromTicks((long)(roll * jitter.Ticks));
    }

    /// <summary>A request's delay, drawn now and served once (<see cref="RequestDelay"/>).</summary>
    public RequestDelay ForRequest() => new(Draw(), clock);
}

/// <summary>
/// One request's drawn delay, served at most once: by the host before the handler runs, or, for an endpoint tagged
/// <see cref="DelayInHandlerMetadata"/>, by the handler itself at the point it chooses (a Salesforce write serves it
/// while it holds its row locks, so that two writes overlapping on the wire overlap in the org too).
/// </summary>
public sealed class RequestDelay(TimeSpan delay, TimeProvider clock)
{
    int served;

    public TimeSpan Delay { get; } = delay;

    public Task ServeAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref served, 1) == 0 && Delay > TimeSpan.Zero ? Task.Delay(Delay, clock, cancellationToken) : Task.CompletedTask;

    /// <summary>Serves the request's delay if the host left it to the handler and nobody has served it yet.</summary>
    public static Task ServeAsync(HttpContext context) =>
        context.Features.Get<RequestDelay>()?.ServeAsync(context.RequestAborted) ?? Task.CompletedTask;
}

/// <summary>
/// Endpoint metadata: the handler serves the request's <see cref="RequestDelay"/> itself, found in the request's
/// features, and must serve it on every path (a filter around the handler is the safe place for the paths that end early).
/// </summary>
public sealed record DelayInHandlerMetadata
{
    public static DelayInHandlerMetadata Instance { get; } = new();
}

public static class DelayInHandlerEndpointExtensions
{
    public static TBuilder DelaysInHandler<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(DelayInHandlerMetadata.Instance);
        return builder;
    }
}
