using HdrHistogram;

namespace TopOfHeart.LoadTests.Measure;

/// <summary>Percentiles of one measured quantity, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary Of(HistogramBase h) => h.TotalCount == 0
        ? Empty
        : new LatencySummary(h.TotalCount, Ms(h.GetValueAtPercentile(50)), Ms(h.GetValueAtPercentile(90)),
            Ms(h.GetValueAtPercentile(99)), Ms(h.GetValueAtPercentile(99.9)), Ms(h.GetMaxValue()), Math.Round(h.GetMean() / 1000.0, 3));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>A point of a percentile distribution: the latency (ms) at a percentile.</summary>
public sealed record PercentilePoint(double Percentile, double Ms);

/// <summary>
/// An HdrHistogram of microseconds (1 µs … 10 min, 3 significant digits), safe to record from any thread.
/// </summary>
public sealed class LatencyRecorder
{
    private const long Highest = 10L * 60 * 1_000_000;
    private readonly LongHistogram _histogram = new(1, Highest, 3);

    public void RecordMicros(long micros)
    {
        var value = Math.Clamp(micros, 1, Highest);
        lock (_histogram) _histogram.RecordValue(value);
    }

    public void RecordMs(double ms) => RecordMicros((long)(ms * 1000));

    public long Count
    {
        get
        {
            lock (_histogram) return _histogram.TotalCount;
        }
    }

    public LatencySummary Summary()
    {
        lock (_histogram) return LatencySummary.Of(_histogram);
    }

    /// <summary>The distribution for a chart: the classic HdrHistogram percentile spectrum.</summary>
    public IReadOnlyList<PercentilePoint> Distribution()
    {
        lock (_histogram)
        {
            if (_histogram.TotalCount == 0) return [];
            var points = new List<PercentilePoint>();
            foreach (var p in new[] { 0.0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100 })
            {
                points.Add(new PercentilePoint(p, Math.Round(_histogram.GetValueAtPercentile(p) / 1000.0, 3)));
            }

            return points;
        }
    }

    public void Add(LatencyRecorder other)
    {
        HistogramBase copy;
        lock (other._histogram) copy = other._histogram.Copy();
        lock (_histogram) _histogram.Add(copy);
    }

    public void Reset()
    {
        lock (_histogram) _histogram.Reset();
    }
}
