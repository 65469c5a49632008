using System.Globalization;
using System.Net;
using System.Text;
using AbmSync.Worker.State;
using Hangfire.Dashboard;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Worker.Dashboard;

/// <summary>
/// The dashboard's "AbmSync runs" page: the run log as RevOps reads it, with runs whose process died shown as
/// abandoned (and when they were last seen alive) rather than running forever. Read-only.
/// </summary>
internal sealed class RunsPage : IDashboardDispatcher
{
    public const string Path = "/abmsync/runs";
    static int registered;

    /// <summary>Hangfire's routes and menu are process-wide: register once, whatever builds the app.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1)
        {
            return;
        }
        DashboardRoutes.Routes.Add(Path, new RunsPage());
        NavigationMenu.Items.Add(page => new MenuItem("AbmSync runs", page.Url.To(Path))
        {
            Active = page.RequestPath.StartsWith(Path, StringComparison.Ordinal),
        });
    }

    public async Task Dispatch(DashboardContext context)
    {
        var store = context.GetHttpContext().RequestServices.GetRequiredService<StateStore>();
        var runs = await store.RecentRunsAsync(50);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>AbmSync runs</title>")
            .Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}")
            .Append(".abandoned,.failed{color:#a00}.succeeded{color:#070}</style></head><body>")
            .Append("<p><a href=\"").Append(Encode(context.Request.PathBase + "/")).Append("\">← Hangfire dashboard</a></p>")
            .Append("<h1>AbmSync runs</h1><table><tr><th>run</th><th>object</th><th>mode</th><th>status</th><th>started</th><th>finished / last seen alive</th>")
            .Append("<th>read</th><th>HubSpot written</th><th>Salesforce written</th><th>dead-lettered</th><th>API calls SF / HS</th><th>worker</th><th>message</th></tr>");
        foreach (var r in runs)
        {
            var when = r.FinishedAt is { } finished ? Time(finished) : r.LastSeenAlive is { } seen ? $"last seen alive {Time(seen)}" : "";
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{r.Id}</td><td>{Encode(r.Object)}</td><td>{Encode(r.Mode)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"{Encode(r.Status)}\">{Encode(r.Status)}</td><td>{Time(r.StartedAt)}</td><td>{Encode(when)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{r.RecordsRead}</td><td>{r.HubSpotRecordsWritten}</td><td>{r.SalesforceRecordsWritten}</td><td>{r.DeadLettered}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{r.SalesforceCalls} / {r.HubSpotCalls}{(r.EstimatedSalesforceCalls is { } es && r.EstimatedHubSpotCalls is { } eh ? $" (estimated {es} / {eh})" : "")}</td><td>{Encode(r.Worker ?? "")}</td><td>{Encode(r.Message ?? "")}</td></tr>");
        }
        html.Append("</table></body></html>");
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html.ToString());
    }

    static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Encode(string text) => WebUtility.HtmlEncode(text);
}
