using System.Globalization;
using System.Net;
using System.Text;

namespace AbmSync.Worker.Report;

/// <summary>One bar of a scorecard chart: what it counts, the measured value, and that value as a person reads it.</summary>
public sealed record ChartBar(string Label, decimal Value, string Display);

/// <summary>
/// Inline SVG column charts for the scorecard page. Plain markup so that the page needs no script, font or image:
/// each bar is a <c>rect</c> carrying its label and value as data attributes (what tests and scrapers read) with a
/// visible <c>text</c> label beneath it and its value above it.
/// </summary>
public static class SvgChart
{
    /// <summary>The height of the tallest bar: every other bar is this times its value over the largest value.</summary>
    public const int PlotHeight = 160;

    // Wide enough for a label such as "Tier 3 → Tier 1" at the font size below.
    const int Slot = 116;
    const int BarWidth = 64;
    const int Top = 24;
    const int LabelBand = 36;

    /// <summary>
    /// A column chart named <paramref name="name"/> (its <c>data-chart</c>). With no bars it says
    /// <paramref name="noneMessage"/> inside the same element, so the page shows that nothing was measured rather than
    /// bars of zero. Values below zero are drawn as zero: no scorecard figure is negative.
    /// </summary>
    public static string Render(string name, string title, IReadOnlyList<ChartBar> bars, string noneMessage)
    {
        var inv = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        var width = Math.Max(360, 24 + (bars.Count * Slot));
        var height = Top + PlotHeight + LabelBand;
        // Inline SVG in an HTML page needs no xmlns: leaving it out keeps every URL out of the page.
        svg.Append(inv, $"<svg data-chart=\"{Encode(name)}\" role=\"img\" width=\"{width}\" height=\"{(bars.Count == 0 ? 48 : height)}\" viewBox=\"0 0 {width} {(bars.Count == 0 ? 48 : height)}\" aria-label=\"{Encode(title)}\">");
        svg.Append("<title>").Append(Encode(title)).Append("</title>");
        if (bars.Count == 0)
        {
            svg.Append("<text class=\"none\" x=\"12\" y=\"28\">").Append(Encode(noneMessage)).Append("</text></svg>");
            return svg.ToString();
        }
        var max = bars.Max(b => Math.Max(0, b.Value));
        var baseline = Top + PlotHeight;
        svg.Append(inv, $"<line x1=\"12\" y1=\"{baseline}\" x2=\"{width - 12}\" y2=\"{baseline}\" class=\"axis\"/>");
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var barHeight = BarHeight(bar.Value, max);
            var x = 12 + (i * Slot) + ((Slot - BarWidth) / 2m);
            var centre = 12 + (i * Slot) + (Slot / 2m);
            svg.Append(inv, $"<rect data-label=\"{Encode(bar.Label)}\" data-value=\"{bar.Value.ToString(inv)}\" x=\"{x:0.##}\" y=\"{baseline - barHeight:0.##}\" width=\"{BarWidth}\" height=\"{barHeight:0.##}\" class=\"bar\"><title>{Encode(bar.Label)}: {Encode(bar.Display)}</title></rect>");
            svg.Append(inv, $"<text class=\"value\" x=\"{centre:0.##}\" y=\"{baseline - barHeight - 6:0.##}\" text-anchor=\"middle\">{Encode(bar.Display)}</text>");
            svg.Append(inv, $"<text class=\"label\" x=\"{centre:0.##}\" y=\"{baseline + 18}\" text-anchor=\"middle\">{Encode(bar.Label)}</text>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A bar's height: proportional to its value, the largest value filling the plot; rounded to 0.01 px.</summary>
    public static decimal BarHeight(decimal value, decimal max) =>
        max <= 0 || value <= 0 ? 0 : Math.Round(PlotHeight * value / max, 2);

    static string Encode(string text) => WebUtility.HtmlEncode(text);
}
