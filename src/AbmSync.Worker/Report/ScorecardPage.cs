using System.Globalization;
using System.Net;
using System.Text;

namespace AbmSync.Worker.Report;

/// <summary>
/// The weekly ABM scorecard as one self-contained HTML page: inline CSS and SVG only, no script, font, stylesheet or
/// image from anywhere, and a Content-Security-Policy that forbids them, so the file can be mailed or opened from
/// disk and shows the same. Every value from the data (account and user names are user data) is HTML-encoded.
/// </summary>
public static class ScorecardPage
{
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

    const string Style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1200px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
        .meta,.note{color:#57606a;font-size:12px}.none{fill:#57606a;font-style:italic}p.none{color:#57606a;font-style:italic}
        .grid{display:flex;flex-wrap:wrap;gap:8px 32px}.chart h3{font-size:14px;margin:12px 0 4px}
        svg .bar{fill:#3b6fb6}svg .axis{stroke:#8c959f}svg text{font-size:11px;fill:#1b1f24}svg .value{font-weight:600}
        table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f6f8fa}.flag{display:inline-block;border-radius:8px;padding:0 6px;margin-right:4px;font-size:12px;background:#eaeef2}
        .flag.advanced{background:#dafbe1}.flag.stalled{background:#fff8c5}.flag.intervention{background:#ffebe9}
        """;

    public static string Render(ScorecardData data)
    {
        var inv = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ContentSecurityPolicy).Append("\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append(inv, $"<title>ABM scorecard, {data.Since:yyyy-MM-dd} to {data.GeneratedAt:yyyy-MM-dd}</title>\n");
        html.Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Weekly ABM scorecard</h1>\n");
        html.Append(inv, $"<p class=\"meta\">The last {data.Days} days: {data.Since:yyyy-MM-dd HH:mm} to {data.GeneratedAt:yyyy-MM-dd HH:mm} UTC. {data.TieredAccounts} tiered account(s)");
        html.Append(data.UntieredAccounts > 0 ? string.Create(inv, $", {data.UntieredAccounts} more on the list without a tier") : "");
        html.Append(". From AbmSync's state store as of its last sync runs.</p>\n");

        Section(html, "The list", data.Tiers, data.Stages);
        Section(html, "Movement", data.TierMoves);
        Section(html, "Engagement and buying committee", data.Engagement, data.Coverage);
        Section(html, "Pipeline", data.Pipeline, data.WinRate, data.Cycle);
        html.Append(inv, $"<p class=\"note\">Opportunities recorded: {data.Opportunities}. ").Append(Encode(data.AmountNote)).Append("</p>\n");
        html.Append("<h2>Marketing influence</h2>\n");
        if (data.Influence is { } influence)
        {
            html.Append("<div class=\"grid\">");
            Chart(html, influence);
            html.Append("</div>\n");
        }
        else
        {
            html.Append("<p class=\"none\" id=\"influence-none\">No marketing-influence decision is recorded: no opportunities run has assessed influence yet.</p>\n");
        }

        Review(html, data);
        TierOne(html, data.TierOne);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    static void Section(StringBuilder html, string title, params ScorecardChart[] charts)
    {
        html.Append("<h2>").Append(Encode(title)).Append("</h2>\n<div class=\"grid\">");
        foreach (var chart in charts)
        {
            Chart(html, chart);
        }
        html.Append("</div>\n");
    }

    static void Chart(StringBuilder html, ScorecardChart chart)
    {
        html.Append("<figure class=\"chart\"><h3>").Append(Encode(chart.Title)).Append("</h3>");
        html.Append(SvgChart.Render(chart.Name, chart.Title, chart.Bars, chart.NoneMessage));
        if (chart.Note is { } note)
        {
            html.Append("<figcaption class=\"note\">").Append(Encode(note)).Append("</figcaption>");
        }
        html.Append("</figure>\n");
    }

    static void Review(StringBuilder html, ScorecardData data)
    {
        html.Append("<h2>Weekly review: Tier 1 and Tier 2</h2>\n");
        if (data.Review.Count == 0)
        {
            html.Append("<p class=\"none\">No Tier 1 or Tier 2 account advanced, stalled or needs intervention in the period.</p>\n");
        }
        html.Append("<table id=\"review\">\n<thead><tr><th>Account</th><th>Tier</th><th>Owner</th><th>SDR</th><th>ABM marketer</th><th>Flags</th><th>Why</th></tr></thead>\n<tbody>\n");
        foreach (var row in data.Review)
        {
            html.Append("<tr data-account-id=\"").Append(Encode(row.AccountId)).Append("\" data-tier=\"").Append(Encode(row.Tier))
                .Append("\" data-flags=\"").Append(Encode(string.Join('|', row.Flags))).Append("\">");
            Cell(html, row.Name);
            Cell(html, row.Tier);
            Cell(html, row.Owner);
            Cell(html, row.Sdr);
            Cell(html, row.Marketer);
            html.Append("<td>");
            foreach (var flag in row.Flags)
            {
                html.Append("<span class=\"flag ").Append(Encode(flag)).Append("\">").Append(Encode(flag)).Append("</span>");
            }
            html.Append("</td>");
            Cell(html, row.Reason);
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    static void TierOne(StringBuilder html, IReadOnlyList<TierOneAccount> accounts)
    {
        var inv = CultureInfo.InvariantCulture;
        html.Append(inv, $"<h2>Tier 1 accounts ({accounts.Count})</h2>\n");
        if (accounts.Count == 0)
        {
            html.Append("<p class=\"none\">No Tier 1 accounts recorded.</p>\n");
        }
        html.Append("<table id=\"tier1\">\n<thead><tr><th>Account</th><th>Owner</th><th>Stage</th><th>Engagement</th></tr></thead>\n<tbody>\n");
        foreach (var account in accounts)
        {
            html.Append("<tr data-account-id=\"").Append(Encode(account.AccountId)).Append("\">");
            Cell(html, account.Name);
            Cell(html, account.Owner);
            Cell(html, account.Stage ?? "not staged");
            Cell(html, account.Engagement is { } e ? e.ToString("0.#", inv) : "not scored");
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    static void Cell(StringBuilder html, string text) => html.Append("<td>").Append(Encode(text)).Append("</td>");

    static string Encode(string text) => WebUtility.HtmlEncode(text);
}
