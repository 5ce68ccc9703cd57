namespace TopOfHeart.Contracts.Figures;

/// <summary>
/// The live figures of the floor are sums of small counters that every grain contributes to.
/// A grain sends the difference between its contribution before and after a change, so figures
/// stay right when events arrive out of order or a case is replayed.
/// </summary>
public enum Metric : byte
{
    /// <summary>A = owner department.</summary>
    OpenCases = 1,
    /// <summary>A = receiving department of a baton in flight, B = sender.</summary>
    BatonsWaiting,
    /// <summary>A = from, B = to: handoffs requested (or implicitly taken).</summary>
    Handoffs,
    /// <summary>A = from, B = to: batons accepted.</summary>
    Accepted,
    /// <summary>A = from, B = to: batons refused.</summary>
    Refused,
    /// <summary>A = from, B = to, N = UTC day number the baton was dropped.</summary>
    Dropped,
    /// <summary>A = from, B = to: ping-pong handoffs.</summary>
    PingPongs,
    /// <summary>A = receiving department, N = time-to-accept bucket (see <see cref="AcceptTimeBuckets"/>).</summary>
    AcceptTime,
    /// <summary>A = department named on the event: distinct events applied.</summary>
    DepartmentEvents,
    /// <summary>All distinct events applied on this floor.</summary>
    EventsApplied,
    /// <summary>A = severity, B = responsible department: alerts not yet resolved.</summary>
    AlertsOpen,
    /// <summary>Customers with at least two sentiment readings.</summary>
    CustomersMeasured,
    /// <summary>Customers whose last reading is above their first.</summary>
    CustomersHappier,
    /// <summary>A = employee, N = UTC day: sum of customer sentiment in thousandths.</summary>
    EmployeeSentimentMilli,
    /// <summary>A = employee, N = UTC day: sentiment readings.</summary>
    EmployeeReadings,
    /// <summary>A = employee, N = UTC day: sum of feedback scores in thousandths.</summary>
    EmployeeFeedbackMilli,
    /// <summary>A = employee, N = UTC day: feedback scores.</summary>
    EmployeeFeedbacks,
    /// <summary>A = employee, N = UTC day: interactions.</summary>
    EmployeeInteractions,
    /// <summary>A = employee, B = department the employee acted for.</summary>
    EmployeeDepartment,
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.FigureKey")]
public readonly record struct FigureKey(
    [property: Id(0)] Metric Metric,
    [property: Id(1)] string A,
    [property: Id(2)] string B,
    [property: Id(3)] int N)
{
    public static FigureKey Of(Metric metric, string? a = null, string? b = null, int n = 0) =>
        new(metric, a ?? string.Empty, b ?? string.Empty, n);
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.FigureDelta")]
public readonly record struct FigureDelta(
    [property: Id(0)] FigureKey Key,
    [property: Id(1)] long Delta);

/// <summary>A multiset of figure contributions; two of them diff into deltas.</summary>
public sealed class Contribution
{
    private readonly Dictionary<FigureKey, long> _counts = new();

    public int Count => _counts.Count;

    public void Add(FigureKey key, long amount = 1)
    {
        if (amount == 0) return;
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, key, out _);
        slot += amount;
    }

    public long this[FigureKey key] => _counts.GetValueOrDefault(key);

    public void Clear() => _counts.Clear();

    /// <summary>Becomes a copy of <paramref name="other"/>, reusing its own table.</summary>
    public void CopyFrom(Contribution other)
    {
        _counts.Clear();
        foreach (var (key, value) in other._counts) _counts[key] = value;
    }

    /// <summary>What to add to the floor's figures to go from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static void Diff(Contribution? before, Contribution? after, List<FigureDelta> into)
    {
        if (after is not null)
        {
            foreach (var (key, value) in after._counts)
            {
                var delta = value - (before?._counts.GetValueOrDefault(key) ?? 0);
                if (delta != 0) into.Add(new FigureDelta(key, delta));
            }
        }

        if (before is not null)
        {
            foreach (var (key, value) in before._counts)
            {
                if (after is null || !after._counts.ContainsKey(key)) into.Add(new FigureDelta(key, -value));
            }
        }
    }
}

/// <summary>Time-to-accept histogram buckets: about 5% wide, from a tenth of a second up.</summary>
public static class AcceptTimeBuckets
{
    private const double Growth = 1.05;
    private static readonly double LogGrowth = Math.Log(Growth);

    public static int Of(TimeSpan elapsed)
    {
        var ms = Math.Max(100.0, elapsed.TotalMilliseconds);
        return (int)Math.Floor(Math.Log(ms / 100.0) / LogGrowth);
    }

    /// <summary>The representative value (geometric middle) of a bucket.</summary>
    public static TimeSpan Middle(int bucket) =>
        TimeSpan.FromMilliseconds(100.0 * Math.Pow(Growth, bucket + 0.5));

    /// <summary>Median of a histogram given as (bucket, count) pairs; null when empty.</summary>
    public static TimeSpan? Median(IEnumerable<KeyValuePair<int, long>> histogram)
    {
        var sorted = histogram.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key).ToList();
        var total = sorted.Sum(kv => kv.Value);
        if (total == 0) return null;
        var half = (total + 1) / 2;
        long seen = 0;
        foreach (var (bucket, count) in sorted)
        {
            seen += count;
            if (seen >= half) return Middle(bucket);
        }

        return Middle(sorted[^1].Key);
    }
}
