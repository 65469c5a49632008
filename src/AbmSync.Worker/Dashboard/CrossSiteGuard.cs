using Microsoft.AspNetCore.Http;

namespace AbmSync.Worker.Dashboard;

/// <summary>
/// Refuses what a page on another site can make a browser send to the local dashboard: a request whose <c>Origin</c>
/// is not the dashboard's own, or that the browser marks as cross-site. Host names are checked before this (host
/// filtering), so a DNS-rebound name never reaches it; state-changing requests also need Hangfire's antiforgery token.
/// </summary>
internal sealed class CrossSiteGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers.Origin is { Count: > 0 } origins && origins.ToString() is var origin && !IsOwnOrigin(origin, request))
        {
            return Refuse(context, "cross-origin requests are refused");
        }
        if (string.Equals(request.Headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(context, "cross-site requests are refused");
        }
        return next(context);
    }

    /// <summary>Same scheme, host and port as the request itself ("null" — a sandboxed frame or file page — is foreign).</summary>
    static bool IsOwnOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    static Task Refuse(HttpContext context, string reason)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"403 Forbidden: {reason}.");
    }
}
