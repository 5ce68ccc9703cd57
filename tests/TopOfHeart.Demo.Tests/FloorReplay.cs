using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Silo.Demo;

namespace TopOfHeart.Demo.Tests;

/// <summary>
/// Runs the demo floor through the relay rules the way the silo does: per case, in arrival order,
/// with the deadlines checked at every tick. A caseless <c>customer.contact</c> goes to every case
/// of that customer with a baton in flight, as the contract says.
/// </summary>
internal sealed class FloorReplay
{
    public static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly DetectionSettings _settings;
    private readonly Dictionary<string, CaseRelay> _cases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CaseRelay>> _casesOfCustomer = new(StringComparer.Ordinal);

    public FloorReplay(DemoFloor floor, DetectionSettings settings)
    {
        Floor = floor;
        _settings = settings;
    }

    public DemoFloor Floor { get; }

    public List<(DateTimeOffset Tick, TouchpointEvent Event, string Story)> Beats { get; } = [];

    public List<(DateTimeOffset Tick, Alert Alert)> Alerts { get; } = [];

    /// <summary>Alert ids the relay resolved by itself (late pickup).</summary>
    public List<string> Resolved { get; } = [];

    /// <summary>The story each case belongs to.</summary>
    public Dictionary<string, string> StoryOfCase { get; } = new(StringComparer.Ordinal);

    public static FloorReplay Run(TimeSpan length, int seed = 7, DetectionSettings? settings = null)
    {
        settings ??= new DetectionSettings();
        var replay = new FloorReplay(new DemoFloor(Start, seed, "test", detection: settings), settings);
        for (var now = Start; now <= Start + length; now += Tick) replay.Step(now);
        return replay;
    }

    public void Step(DateTimeOffset now)
    {
        var effects = new RelayEffects();
        foreach (var beat in Floor.NextBeats(now))
        {
            Beats.Add((now, beat.Event, beat.Story));
            foreach (var relay in CasesFor(beat.Event)) relay.Apply(beat.Event, now, effects);
        }

        foreach (var relay in _cases.Values) relay.CheckDeadlines(now, effects);
        foreach (var alert in effects.Raised) Alerts.Add((now, alert));
        Resolved.AddRange(effects.Resolved);
    }

    private IEnumerable<CaseRelay> CasesFor(TouchpointEvent e)
    {
        if (e.CaseId is { } caseId)
        {
            if (!_cases.TryGetValue(caseId, out var relay))
            {
                relay = new CaseRelay(caseId, _settings);
                _cases[caseId] = relay;
                CasesOf(e.CustomerId).Add(relay);
                StoryOfCase[caseId] = Beats[^1].Story;
            }

            return [relay];
        }

        if (e.Type != EventType.CustomerContact) return [];
        return CasesOf(e.CustomerId).Where(r => r.ToView().BatonInFlight is not null).ToList();
    }

    private List<CaseRelay> CasesOf(string customerId)
    {
        if (!_casesOfCustomer.TryGetValue(customerId, out var list))
        {
            list = [];
            _casesOfCustomer[customerId] = list;
        }

        return list;
    }
}
