using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AbmSync.Worker.Dashboard;

/// <summary>
/// HTTP Basic in front of everything the worker serves except the two probes: the Hangfire dashboard, the status
/// page, the report and <c>/metrics</c>. Local requests get no exemption (behind a reverse proxy every request looks
/// local). A viewer may read: GET and HEAD, and the dashboard's own read-only polls; anything else is 403.
/// </summary>
internal sealed class DashboardAuthentication(RequestDelegate next, DashboardUsers users)
{
    public const string Realm = "AbmSync";

    /// <summary>POSTs the Hangfire dashboard makes to read, not to change anything.</summary>
    static readonly string[] ReadOnlyPosts = ["/hangfire/stats"];

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsProbe(request))
        {
            return next(context);
        }
        if (Credentials(request) is not var (user, password) || users.Verify(user, password) is not var (name, role))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("401 Unauthorized: sign in with a user from Worker:Users.");
        }
        if (role != DashboardRoles.Operator && !IsRead(request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync($"403 Forbidden: {name} is a viewer; triggering, retrying and deleting take an operator.");
        }
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], "Basic"));
        return next(context);
    }

    static bool IsProbe(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && (request.Path.Equals("/healthz", StringComparison.Ordinal) || request.Path.Equals("/readyz", StringComparison.Ordinal));

    static bool IsRead(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
        || HttpMethods.IsPost(request.Method) && ReadOnlyPosts.Any(p => request.Path.Equals(p, StringComparison.OrdinalIgnoreCase));

    static (string User, string Password)? Credentials(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return null;
        }
        var bytes = new byte[header.Parameter.Length];
        if (!Convert.TryFromBase64String(header.Parameter, bytes, out var length))
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? null : (text[..colon], text[(colon + 1)..]);
    }
}

/// <summary>Hangfire's own gate: the request was signed in by <see cref="DashboardAuthentication"/>; viewers see no buttons.</summary>
internal sealed class SignedInFilter : Hangfire.Dashboard.IDashboardAuthorizationFilter
{
    public bool Authorize(Hangfire.Dashboard.DashboardContext context) =>
        Hangfire.Dashboard.AspNetCoreDashboardContextExtensions.GetHttpContext(context).User.Identity?.IsAuthenticated == true;

    public static bool IsViewer(Hangfire.Dashboard.DashboardContext context) =>
        !Hangfire.Dashboard.AspNetCoreDashboardContextExtensions.GetHttpContext(context).User.IsInRole(DashboardRoles.Operator);
}
