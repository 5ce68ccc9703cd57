using System.Globalization;
using System.Runtime.CompilerServices;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;

[assembly: InternalsVisibleTo("TopOfHeart.Demo.Tests")]

namespace TopOfHeart.Silo.Demo;

/// <summary>
/// A simulated company floor: customers' cases relayed between departments, mostly well, with
/// every kind of relay failure mixed in at a steady small rate. Pure and deterministic: the same
/// seed, start and sequence of <see cref="Next"/> times give the same events. No clock, no I/O.
/// </summary>
/// <remarks>
/// Healthy traffic is paced so that about <c>eventsPerSecond</c> events fall due each second. One
/// failure scenario starts every <c>failureEvery</c> (the first 2 s in), cycling through all kinds
/// in a shuffled order. Each scenario's failing moment happens within 3 s of its start, its lead-in
/// backdated (sent at once); timer failures (a dropped baton, a stall after accept) are backdated so
/// their deadline passes <see cref="TimerLead"/> after the start, whatever the detection settings.
/// So every kind fires within 2 s + 6 × <c>failureEvery</c> + <see cref="TimerLead"/> (36 s by default).
/// </remarks>
public sealed partial class DemoFloor
{
    /// <summary>How long after a timer scenario starts its deadline passes.</summary>
    public static readonly TimeSpan TimerLead = TimeSpan.FromSeconds(10);

    private const int CustomerPool = 5000;
    private const int MaxStoriesPerTick = 10_000;

    private readonly Random _random;
    private readonly DateTimeOffset _start;
    private readonly string _runId;
    private readonly double _eventsPerSecond;
    private readonly TimeSpan _failureEvery;
    private readonly DetectionSettings _detection;
    private readonly PriorityQueue<DemoBeat, (DateTimeOffset Due, long Order)> _queue = new();
    private readonly Dictionary<long, int> _dueBySecond = [];
    private readonly Dictionary<string, DateTimeOffset> _busyUntil = new(StringComparer.Ordinal);
    private readonly Action<DateTimeOffset>[] _failures;
    private readonly Queue<Action<DateTimeOffset>> _round = new();
    private DateTimeOffset _nextFailureAt;
    private long _events;
    private long _cases;
    private long _order;
    private long _mintedCustomers;

    /// <param name="start">The floor's time zero; the first failure starts 2 s after it.</param>
    /// <param name="seed">Seeds every random choice.</param>
    /// <param name="runId">Makes event and case ids unique across runs, e.g. the start time.</param>
    /// <param name="eventsPerSecond">Pace of healthy traffic (failure scenarios come on top).</param>
    /// <param name="failureEvery">How often a failure scenario starts; default 4 s.</param>
    /// <param name="detection">The silo's thresholds, so timer failures fire on time and healthy relays stay healthy.</param>
    public DemoFloor(
        DateTimeOffset start,
        int seed,
        string runId,
        double eventsPerSecond = DemoOptions.DefaultEventsPerSecond,
        TimeSpan? failureEvery = null,
        DetectionSettings? detection = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (!double.IsFinite(eventsPerSecond) || eventsPerSecond <= 0)
            throw new ArgumentOutOfRangeException(nameof(eventsPerSecond), eventsPerSecond, "must be positive");
        var every = failureEvery ?? DemoOptions.DefaultFailureEvery;
        if (every <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(failureEvery), every, "must be positive");

        _random = new Random(seed);
        _start = start;
        _runId = runId;
        _eventsPerSecond = eventsPerSecond;
        _failureEvery = every;
        _detection = detection ?? new DetectionSettings();
        _nextFailureAt = start + TimeSpan.FromSeconds(2);
        _failures = [DroppedBaton, HandoffRejected, PingPong, CustomerChasing, ContextLost, SentimentDrop, StalledAfterAccept];
    }

    public FloorRoster Roster { get; } = FloorRoster.Default;

    /// <summary>The events due by <paramref name="now"/>, in order; none occurs after <paramref name="now"/>.</summary>
    public IReadOnlyList<TouchpointEvent> Next(DateTimeOffset now) => NextBeats(now).ConvertAll(b => b.Event);

    /// <summary>As <see cref="Next"/>, with the story each event belongs to ("healthy", "walk-in" or an alert kind).</summary>
    internal List<DemoBeat> NextBeats(DateTimeOffset now)
    {
        StartFailures(now);
        StartHealthyTraffic(now);

        var due = new List<DemoBeat>();
        while (_queue.TryPeek(out var beat, out var at) && at.Due <= now)
        {
            _queue.Dequeue();
            var second = SecondOf(at.Due);
            if (--_dueBySecond[second] == 0) _dueBySecond.Remove(second);
            due.Add(beat);
        }

        return due;
    }

    internal string NewEventId() => string.Create(CultureInfo.InvariantCulture, $"demo-{_runId}-{++_events}");

    internal void Schedule(DateTimeOffset due, TouchpointEvent e, string story)
    {
        _queue.Enqueue(new DemoBeat(e, story), (due, _order++));
        var second = SecondOf(due);
        _dueBySecond[second] = _dueBySecond.GetValueOrDefault(second) + 1;
    }

    internal void Release(string customerId, DateTimeOffset after) => _busyUntil[customerId] = after;

    private void StartFailures(DateTimeOffset now)
    {
        // After a long pause (a stalled host), resume the rotation instead of replaying every missed scenario.
        if (now - _nextFailureAt > TimeSpan.FromMinutes(1)) _nextFailureAt = now;
        while (_nextFailureAt <= now)
        {
            if (_round.Count == 0)
            {
                var order = (Action<DateTimeOffset>[])_failures.Clone();
                _random.Shuffle(order);
                foreach (var scenario in order) _round.Enqueue(scenario);
            }

            _round.Dequeue()(_nextFailureAt);
            _nextFailureAt += _failureEvery;
        }
    }

    /// <summary>Opens stories until the coming second has its share of events.</summary>
    private void StartHealthyTraffic(DateTimeOffset now)
    {
        var second = SecondOf(now) + 1;
        var from = _start + TimeSpan.FromSeconds(second);
        for (var i = 0; i < MaxStoriesPerTick && _dueBySecond.GetValueOrDefault(second) < _eventsPerSecond; i++)
        {
            var at = from + TimeSpan.FromMilliseconds(_random.Next(1000));
            if (_random.NextDouble() < 0.12) WalkIn(at);
            else HealthyRelay(at);
        }
    }

    private long SecondOf(DateTimeOffset at) => (long)Math.Floor((at - _start).TotalSeconds);

    /// <summary>A new story for a customer who has nothing else going on, so their calls chase only this case.</summary>
    private Journey Begin(string story, DateTimeOffset releaseAt, DateTimeOffset firstAt, bool withCase = true)
    {
        var caseId = withCase ? string.Create(CultureInfo.InvariantCulture, $"case-{_runId}-{++_cases}") : null;
        return new Journey(this, _random, story, caseId, PickIdleCustomer(releaseAt), releaseAt, firstAt);
    }

    private string PickIdleCustomer(DateTimeOffset at)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"cust-{_random.Next(1, CustomerPool + 1):00000}");
            if (!_busyUntil.TryGetValue(id, out var busy) || busy < at)
            {
                _busyUntil[id] = DateTimeOffset.MaxValue;
                return id;
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"cust-{_runId}-{++_mintedCustomers}");
    }
}

/// <summary>One event of the floor and the story it belongs to.</summary>
internal readonly record struct DemoBeat(TouchpointEvent Event, string Story);
