using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.HubSpot;

/// <summary>What the limiter knows of the portal's allowances; Daily values are null until HubSpot has sent them.</summary>
public sealed record HubSpotRateLimitStatus(int WindowMax, int? WindowRemaining, long? DailyLimit, long? DailyRemaining, DateTimeOffset? ObservedAt)
{
    /// <summary>Calls used today by every client of the account, as HubSpot last reported it.</summary>
    public long? DailyUsed => DailyLimit is { } limit && DailyRemaining is { } remaining ? limit - remaining : null;
}

/// <summary>
/// Client-side throttle, one per process (singleton), so that HubSpot rarely has to answer 429. HubSpot counts the burst
/// allowance over a rolling ten-second window, so this keeps a log of send times over the same rolling window (exact
/// where a refilling bucket would over- or under-shoot at the edges); search has its own per-second window. HubSpot's
/// X-HubSpot-RateLimit-* headers tighten it: a lower Max, or Remaining at zero because other clients share the app.
/// </summary>
public sealed class HubSpotRateLimiter
{
    internal static readonly HttpRequestOptionsKey<bool> IsSearch = new("AbmSync.HubSpot.IsSearch");

    // HubSpot counts arrivals, we count departures: a small margin absorbs the difference in latency between two calls.
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BurstWindow = TimeSpan.FromSeconds(10) + Margin;
    private static readonly TimeSpan SearchWindow = TimeSpan.FromSeconds(1) + Margin;

    private readonly TimeProvider _time;
    private readonly ILogger<HubSpotRateLimiter> _logger;
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _burst = new();
    private readonly Queue<DateTimeOffset> _search = new();
    private readonly int _configuredMax;
    private readonly int _searchMax;
    private readonly double _dailyBudgetShare;
    private int _windowMax;
    private int? _windowRemaining;
    private long? _dailyLimit;
    private long? _dailyRemaining;
    private DateTimeOffset? _observedAt;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;

    public HubSpotRateLimiter(IOptions<HubSpotOptions> options, TimeProvider time, ILogger<HubSpotRateLimiter> logger)
    {
        _time = time;
        _logger = logger;
        _configuredMax = options.Value.RequestsPer10Seconds;
        _searchMax = options.Value.SearchRequestsPerSecond;
        _dailyBudgetShare = options.Value.DailyBudgetShare;
        _windowMax = _configuredMax;
    }

    public HubSpotRateLimitStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new HubSpotRateLimitStatus(_windowMax, _windowRemaining, _dailyLimit, _dailyRemaining, _observedAt);
            }
        }
    }

    /// <summary>
    /// True once the account's daily use reaches the configured share of its allocation. Not enforced per request: the
    /// caller checks it between pages, so that a run stops cleanly at a checkpoint. Daily quota exhaustion (a 429
    /// DAILY) is not transient and is never retried.
    /// </summary>
    public bool IsDailyBudgetExhausted
    {
        get
        {
            var status = Status;
            return status.DailyUsed is { } used && status.DailyLimit is { } limit && used >= _dailyBudgetShare * limit;
        }
    }

    /// <summary>Waits until one more request fits the burst window (and the search window, for a search).</summary>
    public async ValueTask AcquireAsync(bool search, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                wait = _pausedUntil - now;
                var burstWait = WaitFor(_burst, _windowMax, BurstWindow, now);
                if (burstWait > wait)
                {
                    wait = burstWait;
                }

                if (search)
                {
                    var searchWait = WaitFor(_search, _searchMax, SearchWindow, now);
                    if (searchWait > wait)
                    {
                        wait = searchWait;
                    }
                }

                if (wait <= TimeSpan.Zero)
                {
                    _burst.Enqueue(now);
                    if (search)
                    {
                        _search.Enqueue(now);
                    }

                    return;
                }
            }

            await Task.Delay(wait, _time, cancellationToken);
        }
    }

    private static TimeSpan WaitFor(Queue<DateTimeOffset> log, int max, TimeSpan window, DateTimeOffset now)
    {
        while (log.Count > 0 && log.Peek() <= now - window)
        {
            log.Dequeue();
        }

        return log.Count < max ? TimeSpan.Zero : log.Peek() + window - now;
    }

    /// <summary>Learns from a response's X-HubSpot-RateLimit-* headers (absent on search responses).</summary>
    public void Observe(HttpResponseMessage response)
    {
        var headers = response.Headers;
        var max = ReadLong(headers, "X-HubSpot-RateLimit-Max");
        var remaining = ReadLong(headers, "X-HubSpot-RateLimit-Remaining");
        var interval = ReadLong(headers, "X-HubSpot-RateLimit-Interval-Milliseconds");
        var daily = ReadLong(headers, "X-HubSpot-RateLimit-Daily");
        var dailyRemaining = ReadLong(headers, "X-HubSpot-RateLimit-Daily-Remaining");
        if (max is null && remaining is null && daily is null && dailyRemaining is null)
        {
            return;
        }

        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _observedAt = now;
            if (max is > 0)
            {
                // Never above what configuration allows: the app's allowance may be shared with other processes.
                _windowMax = (int)Math.Min(_configuredMax, max.Value);
            }

            if (remaining is not null)
            {
                _windowRemaining = (int)remaining.Value;
                if (remaining <= 0)
                {
                    // Someone else spent the window; wait for it to roll rather than collect a 429.
                    var window = interval is > 0 ? TimeSpan.FromMilliseconds(interval.Value) : BurstWindow;
                    var until = now + window;
                    if (until > _pausedUntil)
                    {
                        _pausedUntil = until;
                    }
                }
            }

            _dailyLimit = daily ?? _dailyLimit;
            _dailyRemaining = dailyRemaining ?? _dailyRemaining;
        }

        Log.RateLimitHeaders(_logger, (int?)remaining, (int?)max, dailyRemaining, daily);
    }

    /// <summary>After a 429 without Retry-After, hold every caller until the window rolls over.</summary>
    internal void PauseFor(TimeSpan duration)
    {
        lock (_gate)
        {
            var until = _time.GetUtcNow() + duration;
            if (until > _pausedUntil)
            {
                _pausedUntil = until;
            }
        }
    }

    private static long? ReadLong(System.Net.Http.Headers.HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) &&
        long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}

/// <summary>Sits inside the retry loop, so that every attempt (replays included) waits its turn.</summary>
internal sealed class HubSpotRateLimitHandler(HubSpotRateLimiter limiter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var search = request.Options.TryGetValue(HubSpotRateLimiter.IsSearch, out var isSearch) && isSearch;
        await limiter.AcquireAsync(search, cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        limiter.Observe(response);
        if ((int)response.StatusCode == 429 && response.Headers.RetryAfter is null && !search)
        {
            // The burst window is shared by every caller in this process: all of them should back off, not only this one.
            limiter.PauseFor(TimeSpan.FromSeconds(1));
        }

        return response;
    }
}
