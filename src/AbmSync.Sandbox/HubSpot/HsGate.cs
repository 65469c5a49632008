using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>
/// What stands in front of every API call: the bearer-token check, the per-app ten-second burst window and per-account
/// daily allocation (with HubSpot's rate-limit headers), the separate search limit, and fault injection.
/// </summary>
internal sealed class HsGate
{
    const string ActorKey = "hs.actor";

    readonly TimeProvider time;
    readonly HsOAuth oauth;
    readonly Dictionary<string, HsActor> staticTokens;
    readonly Lock sync = new();
    readonly Dictionary<string, Queue<DateTimeOffset>> burst = new(StringComparer.Ordinal);
    readonly Queue<DateTimeOffset> search = new();
    readonly List<(int Status, double P)> faults;
    readonly Random faultRandom;
    DateOnly day;
    long dailyUsed;

    public HsGate(SandboxOptions options, TimeProvider time, HsOAuth oauth, HsActor human)
    {
        this.time = time;
        this.oauth = oauth;
        staticTokens = new(StringComparer.Ordinal)
        {
            [SandboxCredentials.HubSpotAccessToken] = HsActor.Integration,
            [SandboxCredentials.HubSpotHumanToken] = human,
        };
        (BurstMax, BurstWindow) = ParseRate(options.HubSpotRate);
        DailyMax = BurstMax <= 100 ? 250_000 : BurstMax <= 190 ? 625_000 : 1_000_000;
        faults = ParseFaults(options.HubSpotFaults);
        faultRandom = new Random(unchecked(options.Seed * 31 + 502));
    }

    public int BurstMax { get; }
    public TimeSpan BurstWindow { get; }
    public long DailyMax { get; }
    /// <summary>HubSpot's documented search limit: five requests per second per account.</summary>
    public int SearchPerSecond { get; init; } = 5;

    public static HsActor Actor(HttpContext context) => context.Items[ActorKey] as HsActor ?? HsActor.Integration;

    /// <summary>Parses <c>190/10s</c> (also <c>100/10</c>, <c>250/10s</c>, <c>5/1s</c>).</summary>
    public static (int Max, TimeSpan Window) ParseRate(string rate)
    {
        var parts = rate.Split('/', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var max) || max <= 0)
        {
            throw new ArgumentException($"HubSpot rate '{rate}' is not of the form N/10s.", nameof(rate));
        }
        var window = parts[1].TrimEnd('s', 'S');
        if (!int.TryParse(window, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
        {
            throw new ArgumentException($"HubSpot rate '{rate}' is not of the form N/10s.", nameof(rate));
        }
        return (max, TimeSpan.FromSeconds(seconds));
    }

    static List<(int Status, double P)> ParseFaults(string? spec)
    {
        var list = new List<(int, double)>();
        foreach (var part in (spec ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split(':', 2);
            if (kv.Length != 2 || !int.TryParse(kv[0], NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status is not (429 or 502 or 503 or 504 or 423 or 500)
                || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || p is < 0 or > 1)
            {
                throw new ArgumentException($"HubSpot fault '{part}' is not of the form 429:0.05 (statuses 429, 423, 500, 502, 503, 504).", nameof(spec));
            }
            list.Add((status, p));
        }
        return list;
    }

    public async Task Invoke(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/_sandbox") || path.StartsWithSegments("/oauth"))
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
        HsActor? actor;
        if (!staticTokens.TryGetValue(token, out actor))
        {
            var (oauthActor, expiredAt) = oauth.Check(token);
            if (expiredAt is { } expired)
            {
                var ago = (long)(time.GetUtcNow() - expired).TotalSeconds;
                await Write(context, HsJson.Answer(401, HsJson.Error("EXPIRED_AUTHENTICATION",
                    $"The OAuth token used to make this call expired {ago.ToString(CultureInfo.InvariantCulture)} second(s) ago.",
                    new JsonObject { ["expire time"] = new JsonArray(HsJson.Timestamp(expired)) })));
                return;
            }
            actor = oauthActor;
        }
        if (actor is null)
        {
            await Write(context, HsJson.Answer(401, HsJson.Error("INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")));
            return;
        }
        context.Items[ActorKey] = actor;

        var isSearch = HttpMethods.IsPost(context.Request.Method) && path.Value is { } p && p.EndsWith("/search", StringComparison.Ordinal);
        // The burst limit is per app: OAuth tokens of the integration app share its window, the rep's token has its own.
        var refusal = isSearch ? TakeSearch() : TakeBurst(context, actor.SourceType + ":" + actor.SourceId);
        if (refusal is not null)
        {
            await Write(context, HsJson.Answer(429, refusal));
            return;
        }

        if (Fault() is { } status)
        {
            await Write(context, status == 429
                ? HsJson.Answer(429, RateLimitBody("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit."))
                : status == 423
                    ? HsJson.Answer(423, HsJson.Error("LOCKED", "Too many concurrent writes to the same records; retry after a pause."))
                    // 5xx answers come from HubSpot's edge as HTML, not as the API's JSON error body.
                    : Results.Text($"<html><body><h1>{status.ToString(CultureInfo.InvariantCulture)} {ReasonPhrases.GetReasonPhrase(status)}</h1></body></html>", "text/html", statusCode: status));
            return;
        }
        await next(context);
    }

    static Task Write(HttpContext context, IResult result) => result.ExecuteAsync(context);

    JsonObject? TakeSearch()
    {
        lock (sync)
        {
            var now = time.GetUtcNow();
            while (search.Count > 0 && now - search.Peek() >= TimeSpan.FromSeconds(1))
            {
                search.Dequeue();
            }
            if (search.Count >= SearchPerSecond)
            {
                return RateLimitBody("SECONDLY", "You have reached your secondly limit.");
            }
            search.Enqueue(now);
            CountDaily(now);
            return null;
        }
    }

    JsonObject? TakeBurst(HttpContext context, string app)
    {
        lock (sync)
        {
            var now = time.GetUtcNow();
            if (!burst.TryGetValue(app, out var window))
            {
                burst[app] = window = new Queue<DateTimeOffset>();
            }
            while (window.Count > 0 && now - window.Peek() >= BurstWindow)
            {
                window.Dequeue();
            }
            RollDay(now);
            var headers = context.Response.Headers;
            headers["X-HubSpot-RateLimit-Max"] = BurstMax.ToString(CultureInfo.InvariantCulture);
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = ((long)BurstWindow.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            headers["X-HubSpot-RateLimit-Daily"] = DailyMax.ToString(CultureInfo.InvariantCulture);
            if (dailyUsed >= DailyMax)
            {
                headers["X-HubSpot-RateLimit-Remaining"] = "0";
                headers["X-HubSpot-RateLimit-Daily-Remaining"] = "0";
                return RateLimitBody("DAILY", "You have reached your daily limit.");
            }
            if (window.Count >= BurstMax)
            {
                headers["X-HubSpot-RateLimit-Remaining"] = "0";
                headers["X-HubSpot-RateLimit-Daily-Remaining"] = (DailyMax - dailyUsed).ToString(CultureInfo.InvariantCulture);
                return RateLimitBody("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.");
            }
            window.Enqueue(now);
            CountDaily(now);
            headers["X-HubSpot-RateLimit-Remaining"] = (BurstMax - window.Count).ToString(CultureInfo.InvariantCulture);
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = (DailyMax - dailyUsed).ToString(CultureInfo.InvariantCulture);
            return null;
        }
    }

    void RollDay(DateTimeOffset now)
    {
        // The daily allocation resets at midnight in the account's time zone; the sandbox portal lives in UTC.
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (today != day)
        {
            day = today;
            dailyUsed = 0;
        }
    }

    void CountDaily(DateTimeOffset now)
    {
        RollDay(now);
        dailyUsed++;
    }

    int? Fault()
    {
        if (faults.Count == 0)
        {
            return null;
        }
        lock (sync)
        {
            var roll = faultRandom.NextDouble();
            foreach (var (status, p) in faults)
            {
                if (roll < p)
                {
                    return status;
                }
                roll -= p;
            }
            return null;
        }
    }

    static JsonObject RateLimitBody(string policy, string message) => new()
    {
        ["status"] = "error",
        ["message"] = message,
        ["errorType"] = "RATE_LIMIT",
        ["correlationId"] = Guid.NewGuid().ToString(),
        ["policyName"] = policy,
        ["groupName"] = policy == "SECONDLY" ? "publicapi:crm-search" : "publicapi:" + HsActor.IntegrationAppId,
        ["category"] = "RATE_LIMITS",
    };
}
