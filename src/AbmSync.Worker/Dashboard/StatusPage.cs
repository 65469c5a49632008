using System.Globalization;
using System.Net;
using System.Text;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Hangfire.Dashboard;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Worker.Dashboard;

/// <summary>
/// The dashboard's "AbmSync status" page, what RevOps opens first: per object pair its last runs with their counts,
/// its open dead letters and the drift its last reconcile left; and per system the API budget used and left today.
/// Read-only; every value from data is HTML-encoded.
/// </summary>
internal sealed class StatusPage : IDashboardDispatcher
{
    public const string Path = "/abmsync/status";
    const int RunsPerPair = 5;
    static int registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1)
        {
            return;
        }
        DashboardRoutes.Routes.Add(Path, new StatusPage());
        NavigationMenu.Items.Add(page => new MenuItem("AbmSync status", page.Url.To(Path))
        {
            Active = page.RequestPath.StartsWith(Path, StringComparison.Ordinal),
        });
    }

    public async Task Dispatch(DashboardContext context)
    {
        var services = context.GetHttpContext().RequestServices;
        var store = services.GetRequiredService<StateStore>();
        var runs = (await store.RecentRunsAsync(500)).GroupBy(r => r.Object).ToDictionary(g => g.Key, g => g.Take(RunsPerPair).ToList(), StringComparer.Ordinal);
        var deadLetters = await store.UnresolvedDeadLettersAsync();
        var reconciles = await store.LastReconcilesAsync();
        var budgets = await services.GetRequiredService<ApiBudgets>().TodayAsync();

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>AbmSync status</title>")
            .Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}")
            .Append(".failed,.abandoned,.drift{color:#a00}.succeeded,.clean{color:#070}</style></head><body>")
            .Append("<p><a href=\"").Append(Encode(context.Request.PathBase + "/")).Append("\">← Hangfire dashboard</a> · <a href=\"")
            .Append(Encode(context.Request.PathBase + RunsPage.Path)).Append("\">all runs</a> · <a href=\"/report\">ABM scorecard</a></p><h1>AbmSync status</h1>");

        html.Append("<h2>API budget today</h2><table id=\"budgets\"><tr><th>system</th><th>day</th><th>used by AbmSync</th><th>allowed</th><th>left</th></tr>");
        foreach (var b in budgets)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr data-system=\"{Encode(b.System)}\"><td>{Encode(b.System)}</td><td>{Encode(b.Day)}</td><td>{b.Used}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{(b.Allowed is { } a ? a.ToString(CultureInfo.InvariantCulture) : "not known until the first call")}</td><td>{(b.Left is { } l ? l.ToString(CultureInfo.InvariantCulture) : "—")}</td></tr>");
        }
        html.Append("</table>");

        foreach (var pair in ObjectPairs.Everything)
        {
            var pairRuns = runs.GetValueOrDefault(pair) ?? [];
            var open = deadLetters.GetValueOrDefault(pair);
            html.Append(CultureInfo.InvariantCulture, $"<section class=\"pair\" data-pair=\"{Encode(pair)}\"><h2>{Encode(pair)}</h2>")
                .Append(CultureInfo.InvariantCulture, $"<p>Open dead letters: <strong data-dead-letters=\"{open}\">{open}</strong>. ");
            if (reconciles.GetValueOrDefault(pair) is { } reconcile)
            {
                var kinds = reconcile.Drift.Where(d => d.Value > 0).Select(d => $"{d.Key} {d.Value}").ToList();
                html.Append(CultureInfo.InvariantCulture, $"Last reconcile {Time(reconcile.FinishedAt)} ({(reconcile.Repaired ? "repair" : "report only")}): ")
                    .Append(CultureInfo.InvariantCulture, $"<span class=\"{(kinds.Count == 0 ? "clean" : "drift")}\" data-drift=\"{reconcile.Total}\">{(kinds.Count == 0 ? "no drift" : Encode(string.Join(", ", kinds)))}</span>.");
            }
            else
            {
                html.Append("No reconcile yet.");
            }
            html.Append("</p>");
            if (pairRuns.Count == 0)
            {
                html.Append("<p>No runs yet.</p></section>");
                continue;
            }
            html.Append("<table><tr><th>run</th><th>mode</th><th>status</th><th>started</th><th>read</th><th>HubSpot written</th><th>Salesforce written</th><th>dead-lettered</th><th>API calls SF / HS</th><th>message</th></tr>");
            foreach (var r in pairRuns)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr data-run=\"{r.Id}\"><td>{r.Id}</td><td>{Encode(r.Mode)}</td><td class=\"{Encode(r.Status)}\">{Encode(r.Status)}</td><td>{Time(r.StartedAt)}</td>")
                    .Append(CultureInfo.InvariantCulture, $"<td>{r.RecordsRead}</td><td>{r.HubSpotRecordsWritten}</td><td>{r.SalesforceRecordsWritten}</td><td>{r.DeadLettered}</td><td>{r.SalesforceCalls} / {r.HubSpotCalls}</td><td>{Encode(r.Message ?? "")}</td></tr>");
            }
            html.Append("</table></section>");
        }
        html.Append("</body></html>");
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html.ToString());
    }

    static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Encode(string text) => WebUtility.HtmlEncode(text);
}
