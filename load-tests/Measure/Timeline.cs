using HdrHistogram;

namespace TopOfHeart.LoadTests.Measure;

/// <summary>One second of one phase: what was accepted and how fast the answers came.</summary>
public sealed record SecondPoint(
    int Second,
    string Phase,
    double OfferedPerSecond,
    long AcceptedEvents,
    long Requests,
    long Errors,
    double P50Ms,
    double P99Ms,
    double MaxMs);

/// <summary>
/// Ingest measured second by second (by when each answer came, on the run's clock), per phase: the ceiling, the
/// silo, each ramp step.
/// </summary>
public sealed class Timeline
{
    private readonly object _gate = new();
    private readonly List<SecondPoint> _points = [];
    private readonly LongHistogram _current = new(1, 10L * 60 * 1_000_000, 2);
    private int _second = -1;
    private string _phase = "";
    private double _offered;
    private long _accepted;
    private long _requests;
    private long _errors;

    public void Record(double atSeconds, string phase, double offeredPerSecond, long micros, int accepted, bool error)
    {
        lock (_gate)
        {
            var second = (int)atSeconds;
            if (second != _second || phase != _phase) Roll(second, phase, offeredPerSecond);
            _current.RecordValue(Math.Clamp(micros, 1, _current.HighestTrackableValue));
            _accepted += accepted;
            _requests++;
            if (error) _errors++;
        }
    }

    public IReadOnlyList<SecondPoint> Points
    {
        get
        {
            lock (_gate)
            {
                Roll(-1, "", 0);
                return [.. _points];
            }
        }
    }

    /// <summary>The last complete second of a phase, for live progress.</summary>
    public SecondPoint? Last
    {
        get
        {
            lock (_gate) return _points.Count == 0 ? null : _points[^1];
        }
    }

    private void Roll(int second, string phase, double offered)
    {
        if (_second >= 0 && _requests > 0)
        {
            _points.Add(new SecondPoint(_second, _phase, _offered, _accepted, _requests, _errors,
                _current.GetValueAtPercentile(50) / 1000.0, _current.GetValueAtPercentile(99) / 1000.0, _current.GetMaxValue() / 1000.0));
        }

        _current.Reset();
        _second = second;
        _phase = phase;
        _offered = offered;
        _accepted = 0;
        _requests = 0;
        _errors = 0;
    }
}
