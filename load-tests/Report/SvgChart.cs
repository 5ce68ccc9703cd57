using System.Globalization;
using System.Net;
using System.Text;

namespace TopOfHeart.LoadTests.Report;

/// <summary>A line to draw: points in data units, on the left or the right axis.</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, string Color, bool RightAxis = false, bool Dashed = false);

/// <summary>
/// A small, dependency-free SVG line chart: two y axes, "nice" ticks, a legend. Enough for a latency
/// distribution and a throughput-over-time chart that any browser or Git host shows.
/// </summary>
public sealed class SvgChart
{
    private const int Width = 900;
    private const int Height = 420;
    private const int Left = 70;
    private const int Right = 70;
    private const int LegendTop = 38;
    private const int Bottom = 60;

    public required string Title { get; init; }

    public required string XLabel { get; init; }

    public required string YLabel { get; init; }

    public string? RightLabel { get; init; }

    public List<Series> Series { get; } = [];

    /// <summary>Custom x ticks (value, label), e.g. percentiles on a log scale; null: nice numeric ticks.</summary>
    public IReadOnlyList<(double X, string Label)>? XTicks { get; init; }

    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

    public string Render()
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(Title)}</text>\n");

        var all = Series.Where(s => s.Points.Count > 0).ToList();
        if (all.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\">no data</text>\n</svg>\n");
            return svg.ToString();
        }

        // Legend first: its rows decide where the plot starts.
        var legend = new List<(int X, int Y, Series S, string Name)>();
        var lx = Left;
        var ly = LegendTop;
        foreach (var s in all)
        {
            var name = s.Name + (s.RightAxis ? " (right)" : "");
            var width = 40 + (int)(name.Length * 6.5);
            if (lx + width > Width - 10 && lx > Left)
            {
                lx = Left;
                ly += 16;
            }

            legend.Add((lx, ly, s, name));
            lx += width;
        }

        var top = ly + 14;
        var xs = all.SelectMany(s => s.Points.Select(p => p.X)).ToList();
        var (xMin, xMax) = (xs.Min(), xs.Max());
        if (XTicks is { Count: > 0 } ticks)
        {
            xMin = Math.Min(xMin, ticks.Min(t => t.X));
            xMax = Math.Max(xMax, ticks.Max(t => t.X));
        }

        if (xMax <= xMin) xMax = xMin + 1;
        var leftMax = NiceMax(all.Where(s => !s.RightAxis).SelectMany(s => s.Points.Select(p => p.Y)).DefaultIfEmpty(1).Max());
        var rightMax = NiceMax(all.Where(s => s.RightAxis).SelectMany(s => s.Points.Select(p => p.Y)).DefaultIfEmpty(1).Max());
        var plotW = Width - Left - Right;
        var plotH = Height - top - Bottom;
        double X(double x) => Left + ((x - xMin) / (xMax - xMin) * plotW);
        double YL(double y) => top + plotH - (Math.Min(y, leftMax) / leftMax * plotH);
        double YR(double y) => top + plotH - (Math.Min(y, rightMax) / rightMax * plotH);

        // Grid and axes.
        foreach (var t in Ticks(leftMax))
        {
            var y = YL(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Left + plotW}\" y2=\"{y:0.#}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Format(t)}</text>\n");
        }

        if (all.Any(s => s.RightAxis))
        {
            foreach (var t in Ticks(rightMax))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotW + 6}\" y=\"{YR(t) + 4:0.#}\" fill=\"#555\">{Format(t)}</text>\n");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate({Width - 14},{top + (plotH / 2)}) rotate(90)\" text-anchor=\"middle\" fill=\"#555\">{Escape(RightLabel ?? "")}</text>\n");
        }

        foreach (var (value, label) in XTicks ?? NumericTicks(xMin, xMax))
        {
            var x = X(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{top}\" x2=\"{x:0.#}\" y2=\"{top + plotH}\" stroke=\"#f0f0f0\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{top + plotH + 18}\" text-anchor=\"middle\">{Escape(label)}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + (plotW / 2)}\" y=\"{Height - 22}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16,{top + (plotH / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}</text>\n");

        foreach (var s in all)
        {
            var path = new StringBuilder();
            foreach (var (x, y) in s.Points.OrderBy(p => p.X))
            {
                path.Append(CultureInfo.InvariantCulture, $"{(path.Length == 0 ? "M" : " L")}{X(x):0.##},{(s.RightAxis ? YR(y) : YL(y)):0.##}");
            }

            var dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"{dash}/>\n");
            if (s.Points.Count <= 20)
            {
                foreach (var (x, y) in s.Points)
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(x):0.##}\" cy=\"{(s.RightAxis ? YR(y) : YL(y)):0.##}\" r=\"3\" fill=\"{s.Color}\"/>\n");
            }
        }

        foreach (var (x, y, s, name) in legend)
        {
            var dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"{y}\" x2=\"{x + 22}\" y2=\"{y}\" stroke=\"{s.Color}\" stroke-width=\"3\"{dash}/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 27}\" y=\"{y + 4}\">{Escape(name)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Percentiles on the usual log scale: x = log10(1 / (1 − p)), so 90, 99, 99.9 … are evenly spaced.</summary>
    public static double PercentileX(double percentile) => Math.Log10(100 / Math.Max(100 - percentile, 0.0001));

    public static readonly IReadOnlyList<(double X, string Label)> PercentileTicks =
    [
        (PercentileX(0), "0%"), (PercentileX(90), "90%"), (PercentileX(99), "99%"), (PercentileX(99.9), "99.9%"),
        (PercentileX(99.99), "99.99%"), (PercentileX(99.999), "99.999%"), (PercentileX(100), "max"),
    ];

    private static double NiceMax(double max)
    {
        if (max <= 0 || !double.IsFinite(max)) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
        {
            if (step * magnitude >= max) return step * magnitude;
        }

        return 10 * magnitude;
    }

    private static IEnumerable<double> Ticks(double max)
    {
        for (var i = 0; i <= 5; i++) yield return max * i / 5;
    }

    private static IEnumerable<(double, string)> NumericTicks(double min, double max)
    {
        var raw = (max - min) / 8;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(m => m >= raw);
        for (var v = Math.Ceiling(min / step) * step; v <= max + (step / 1000); v += step) yield return (v, Format(v));
    }

    private static string Format(double v) =>
        Math.Abs(v) >= 10_000 ? (v / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : Math.Abs(v) >= 100 ? v.ToString("0", CultureInfo.InvariantCulture)
        : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
