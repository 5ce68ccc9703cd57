using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Relay.Tests.TestKit;

/// <summary>A <see cref="CaseRelay"/> of case <see cref="Ev.CaseId"/> with the server clock passed explicitly.</summary>
internal sealed class RelayProbe
{
    public RelayProbe(DetectionSettings? settings = null)
    {
        Settings = settings ?? new DetectionSettings();
        Relay = new CaseRelay(Ev.CaseId, Settings);
    }

    public DetectionSettings Settings { get; }

    /// <summary>How long a chase is held for an accept overtaken in transit (<see cref="DetectionSettings.ReorderGrace"/>).</summary>
    public TimeSpan Grace => Settings.ReorderGrace;

    public CaseRelay Relay { get; }

    /// <summary>Sales opens the case at 0 min and hands the baton to Billing at 1 min ("req"); due at 3 min by default.</summary>
    public static RelayProbe WithBatonInFlight(DetectionSettings? settings = null)
    {
        var probe = new RelayProbe(settings);
        probe.Apply(Ev.Opened("open", Ev.Min(0), Ev.Sales), Ev.Request("req", Ev.Min(1), Ev.Sales, Ev.Billing));
        return probe;
    }

    /// <summary>As <see cref="WithBatonInFlight"/>, and Billing accepts at 2 min ("acc").</summary>
    public static RelayProbe WithBatonAccepted(DetectionSettings? settings = null)
    {
        var probe = WithBatonInFlight(settings);
        probe.Apply(Ev.Accept("acc", Ev.Min(2), Ev.Billing));
        return probe;
    }

    /// <summary>Applies events live: each arrives when it happened.</summary>
    public RelayEffects Apply(params TouchpointEvent[] events)
    {
        var effects = new RelayEffects();
        foreach (var e in events) Relay.Apply(e, e.OccurredAt, effects);
        return effects;
    }

    /// <summary>Applies events live, then lets the reorder grace of the last one pass: the chases they make come out.</summary>
    public RelayEffects ApplyPastGrace(params TouchpointEvent[] events)
    {
        var effects = Apply(events);
        Relay.CheckDeadlines(events[^1].OccurredAt + Grace, effects);
        return effects;
    }

    /// <summary>Applies events that all reach the server at <paramref name="now"/>, in the given order.</summary>
    public RelayEffects ApplyAt(DateTimeOffset now, params TouchpointEvent[] events)
    {
        var effects = new RelayEffects();
        foreach (var e in events) Relay.Apply(e, now, effects);
        return effects;
    }

    public RelayEffects Check(DateTimeOffset now)
    {
        var effects = new RelayEffects();
        Relay.CheckDeadlines(now, effects);
        return effects;
    }

    public static string IdOf(AlertKind kind, string triggerEventId) => AlertVocabulary.AlertId(kind, Ev.CaseId, triggerEventId);
}

internal static class EffectsAssertions
{
    /// <summary>The one alert of <paramref name="kind"/> raised; fails if there is none or more.</summary>
    public static Alert Single(this RelayEffects effects, AlertKind kind) => Assert.Single(effects.Raised, a => a.Kind == kind);

    public static IEnumerable<AlertKind> Kinds(this RelayEffects effects) => effects.Raised.Select(a => a.Kind);

    public static void HasNo(this RelayEffects effects, AlertKind kind) => Assert.DoesNotContain(kind, effects.Kinds());

    /// <summary>Exactly these alert ids were resolved, in any order.</summary>
    public static void ResolvedExactly(this RelayEffects effects, params string[] alertIds) =>
        Assert.Equal(alertIds.Order(StringComparer.Ordinal), effects.Resolved.Order(StringComparer.Ordinal));
}
