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
/// <remarks>
/// Every live case holds one, with a handful of counters (its owner, its batons, a few per leg). They sit in one array
/// scanned in order, sized exactly when copied: a <see cref="Dictionary{TKey,TValue}"/> per case took about 430 bytes
/// (its entries, buckets and the table itself) where the array takes 32 a counter.
/// </remarks>
public sealed class Contribution
{
    private Counter[] _counters = [];
    private int _count;

    public int Count => _count;

    public void Add(FigureKey key, long amount = 1)
    {
        if (amount == 0) return;
        var i = IndexOf(key);
        if (i >= 0)
        {
            _counters[i].Value += amount;
            return;
        }

        if (_count == _counters.Length) Array.Resize(ref _counters, Math.Max(4, _count * 2));
        _counters[_count++] = new Counter { Key = key, Value = amount };
    }

    public long this[FigureKey key] => IndexOf(key) is var i and >= 0 ? _counters[i].Value : 0;

    public void Clear() => _count = 0;

    /// <summary>Becomes a copy of <paramref name="other"/>, in an array of exactly its size.</summary>
    public void CopyFrom(Contribution other)
    {
        if (_counters.Length != other._count) _counters = new Counter[other._count];
        Array.Copy(other._counters, _counters, other._count);
        _count = other._count;
    }

    /// <summary>What to add to the floor's figures to go from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static void Diff(Contribution? before, Contribution? after, List<FigureDelta> into)
    {
        if (after is not null)
        {
            for (var i = 0; i < after._count; i++)
            {
                ref readonly var counter = ref after._counters[i];
                var delta = counter.Value - (before?[counter.Key] ?? 0);
                if (delta != 0) into.Add(new FigureDelta(counter.Key, delta));
            }
        }

        if (before is not null)
        {
            for (var i = 0; i < before._count; i++)
            {
                ref readonly var counter = ref before._counters[i];
                if (after is null || after.IndexOf(counter.Key) < 0) into.Add(new FigureDelta(counter.Key, -counter.Value));
            }
        }
    }

    private int IndexOf(FigureKey key)
    {
        for (var i = 0; i < _count; i++)
        {
            ref readonly var k = ref _counters[i].Key;
            if (k.Metric == key.Metric && k.N == key.N && string.Equals(k.A, key.A, StringComparison.Ordinal)
                && string.Equals(k.B, key.B, StringComparison.Ordinal)) return i;
        }

        return -1;
    }

    private struct Counter
    {
        public FigureKey Key;
        public long Value;
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
