using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Silo.Demo;

/// <summary>The stories the floor tells: healthy relays and walk-ins, and one small method per relay failure.</summary>
public sealed partial class DemoFloor
{
    private static readonly Touchpoint Survey = new("app/survey", Channel.App);
    private static readonly Touchpoint PhoneLine = new("phone/main-line", Channel.Phone);

    private bool _chaseNamesCase;
    private bool _bounceBack;

    /// <summary>The everyday relay: opened, served, handed on and picked up within seconds, resolved.</summary>
    private void HealthyRelay(DateTimeOffset at)
    {
        var routes = Roster.Routes.Where(r => r.Legs.Count <= _detection.MaxHops).ToList();
        var route = routes[_random.Next(routes.Count)];
        var j = Begin("healthy", at, at);
        j.Open(route.Opener, Between(-0.2, 0.45), route.Request);
        Serve(j, _random.Next(1, 3));
        foreach (var leg in route.Legs)
        {
            PassBaton(j, leg.To, leg.Reason);
            Serve(j, _random.Next(1, 3));
        }

        Close(j, feedbackChance: 0.6);
    }

    /// <summary>A question answered on the spot, no case needed: still a moment of truth.</summary>
    private void WalkIn(DateTimeOffset at)
    {
        var j = Begin("walk-in", at, at, withCase: false);
        j.Moment(Roster.Departments[_random.Next(Roster.Departments.Count)]);
        if (_random.NextDouble() < 0.3)
        {
            j.Wait(5, 20);
            j.Feedback(Survey);
        }

        j.End();
    }

    /// <summary>Nobody picks the baton up: the request is backdated so its SLA runs out <see cref="TimerLead"/> from now.</summary>
    private void DroppedBaton(DateTimeOffset now)
    {
        var (from, to, reason, request) = PickHandoff();
        var sla = _detection.SlaFor(from.Name, to.Name);
        var requestAt = now - Backdate(sla);
        var j = Begin(nameof(AlertKind.DroppedBaton), now, requestAt - TimeSpan.FromSeconds(25));
        j.Open(from, Between(-0.1, 0.3), request);
        j.Wait(8, 12);
        j.Talk();
        j.At = requestAt;
        j.Request(to, reason);

        var droppedAt = requestAt + sla;
        if (_random.NextDouble() < 0.5)
        {
            // Late pickup: the alert resolves itself.
            j.At = droppedAt;
            j.Wait(20, 40);
            j.Accept(to);
            j.Wait(4, 8);
            j.Talk(shift: -Between(0.05, 0.15));
        }
        else
        {
            // The sender gives up waiting and closes the case alone.
            j.At = droppedAt;
            j.Wait(60, 100);
        }

        Close(j, feedbackChance: 0);
    }

    /// <summary>The receiver refuses the baton (just after the scenario starts); the sender finds the right department.</summary>
    private void HandoffRejected(DateTimeOffset now)
    {
        var (from, to, reason, request) = PickHandoff();
        var j = Begin(nameof(AlertKind.HandoffRejected), now, now);
        j.Open(from, Between(-0.1, 0.4), request);
        Serve(j, 1);
        j.Wait(2, 5);
        j.Request(to, reason);
        j.Wait(5, 20, Half(_detection.SlaFor(from.Name, to.Name)));
        j.Pin(Soon(now));
        j.Reject(to, Pick(["not our queue", "missing contract number", "we do not handle this product", "send it to the right team"]));
        j.Wait(3, 8);
        j.Talk(shift: -Between(0.0, 0.1));
        var other = Roster.Departments.Where(d => d != from && d != to).ToList();
        var next = other[_random.Next(other.Count)];
        PassBaton(j, next, "rerouted after a refusal");
        Serve(j, 1);
        Close(j, feedbackChance: 0.3);
    }

    /// <summary>
    /// The case bounces, just after the scenario starts: sent back to a department that already owned
    /// it, or, every other time when the floor has enough departments, handed on more than <c>MaxHops</c> times.
    /// </summary>
    private void PingPong(DateTimeOffset now)
    {
        var j = Begin(nameof(AlertKind.PingPong), now, now);
        _bounceBack = !_bounceBack;
        var departments = Roster.Departments.ToArray();
        _random.Shuffle(departments);
        j.Open(departments[0], Between(-0.1, 0.3), "nobody knows who handles my case");
        Serve(j, 1);
        if (_bounceBack || _detection.MaxHops + 2 > departments.Length)
        {
            PassBaton(j, departments[1], $"{departments[1].Name} should handle this");
            Serve(j, 1);
            PassBaton(j, departments[0], "not ours, back to you", pinRequestAt: Soon(now));
        }
        else
        {
            for (var hop = 1; hop <= _detection.MaxHops + 1; hop++)
            {
                PassBaton(j, departments[hop], "maybe they can help", pinRequestAt: hop > _detection.MaxHops ? Soon(now) : null);
                if (hop <= _detection.MaxHops) Serve(j, 1);
            }
        }

        Serve(j, 1);
        Close(j, feedbackChance: 0.3);
    }

    /// <summary>
    /// The customer calls while the baton is in flight, just after the scenario starts: every other time
    /// naming the case, else just calling the main line (no case id). The late pickup resolves the alert.
    /// </summary>
    private void CustomerChasing(DateTimeOffset now)
    {
        var (from, to, reason, request) = PickHandoff();
        var sla = _detection.SlaFor(from.Name, to.Name);
        var j = Begin(nameof(AlertKind.CustomerChasing), now, now);
        _chaseNamesCase = !_chaseNamesCase;
        j.Open(from, Between(0.0, 0.4), request);
        j.Wait(3, 6);
        j.Talk();
        j.Wait(2, 4);
        j.Request(to, reason);
        j.Wait(10, 15, Third(sla));
        j.Pin(Soon(now));
        if (_chaseNamesCase) j.Contact(Roster.Support.Touchpoints[^1], namesCase: true, "replied to the case e-mail: any news?");
        else j.Contact(PhoneLine, namesCase: false, "called the main line asking for an update");
        j.Wait(10, 15, Third(sla));
        j.Accept(to);
        j.Wait(4, 8);
        j.Talk(shift: -Between(0.05, 0.15));
        Close(j, feedbackChance: 0.3);
    }

    /// <summary>After the handoff the customer has to tell the whole story again (just after the scenario starts).</summary>
    private void ContextLost(DateTimeOffset now)
    {
        var (from, to, reason, request) = PickHandoff();
        var j = Begin(nameof(AlertKind.ContextLost), now, now);
        j.Open(from, Between(0.0, 0.4), request);
        Serve(j, 1);
        PassBaton(j, to, reason);
        j.Wait(3, 8, Half(_detection.StallTimeout));
        j.Pin(Soon(now));
        j.Talk(shift: -Between(0.1, 0.2), customerRepeatedInfo: true);
        Serve(j, 1);
        Close(j, feedbackChance: 0.5);
    }

    /// <summary>A happy customer turns sour right after the handoff (just after the scenario starts).</summary>
    private void SentimentDrop(DateTimeOffset now)
    {
        var (from, to, reason, request) = PickHandoff();
        var j = Begin(nameof(AlertKind.SentimentDrop), now, now);
        j.Open(from, Between(0.5, 0.7), request);
        j.Wait(3, 6);
        j.Talk(shift: Between(0.0, 0.1));
        PassBaton(j, to, reason);
        j.Wait(3, 8, Half(_detection.StallTimeout));
        j.Pin(Soon(now));
        j.Talk(shift: -(_detection.SentimentDrop + Between(0.1, 0.25)));
        Serve(j, 1);
        Close(j, feedbackChance: 0.8);
    }

    /// <summary>
    /// The receiver accepts and then does nothing: the accept is backdated so the stall timeout runs
    /// out <see cref="TimerLead"/> from now; the owner turns up a while after the alert.
    /// </summary>
    private void StalledAfterAccept(DateTimeOffset now)
    {
        var (from, to, reason, request) = PickHandoff();
        var stall = _detection.StallTimeout;
        var acceptAt = now - Backdate(stall);
        var j = Begin(nameof(AlertKind.StalledAfterAccept), now, acceptAt - TimeSpan.FromSeconds(45));
        j.Open(from, Between(0.0, 0.4), request);
        j.Wait(5, 10);
        j.Talk();
        j.At = acceptAt - Min(TimeSpan.FromSeconds(Between(8, 20)), Half(_detection.SlaFor(from.Name, to.Name)));
        j.Request(to, reason);
        j.At = acceptAt;
        j.Accept(to);
        j.At = acceptAt + stall;
        j.Wait(30, 60);
        j.Talk(shift: -Between(0.1, 0.2));
        Close(j, feedbackChance: 0.3);
    }

    /// <summary>Request, then a prompt accept well within the SLA.</summary>
    private void PassBaton(Journey j, Department to, string reason, DateTimeOffset? pinRequestAt = null)
    {
        var from = j.Owner!;
        j.Wait(2, 6);
        if (pinRequestAt is { } when) j.Pin(when);
        j.Request(to, reason);
        j.Wait(2, 12, Half(_detection.SlaFor(from.Name, to.Name)));
        j.Accept(to);
    }

    /// <summary>The owner deals with the customer a few times, soon enough never to stall.</summary>
    private void Serve(Journey j, int moments)
    {
        for (var i = 0; i < moments; i++)
        {
            j.Wait(3, 9, Half(_detection.StallTimeout));
            j.Talk();
        }
    }

    private void Close(Journey j, double feedbackChance)
    {
        j.Wait(2, 6, Half(_detection.StallTimeout));
        j.Resolve();
        if (_random.NextDouble() < feedbackChance)
        {
            j.Wait(5, 20);
            j.Feedback(Survey);
        }

        j.End();
    }

    /// <summary>The first leg of a usual route: where the failing baton goes.</summary>
    private (Department From, Department To, string Reason, string Request) PickHandoff()
    {
        var routes = Roster.Routes.Where(r => r.Legs.Count > 0).ToList();
        var route = routes[_random.Next(routes.Count)];
        return (route.Opener, route.Legs[0].To, route.Legs[0].Reason, route.Request);
    }

    /// <summary>How far back a timer scenario starts so that <paramref name="timeout"/> runs out <see cref="TimerLead"/> from now.</summary>
    private static TimeSpan Backdate(TimeSpan timeout) => timeout > TimerLead ? timeout - TimerLead : TimeSpan.Zero;

    /// <summary>When a scenario's failing moment happens: a moment after it starts, its lead-in backdated before.</summary>
    private DateTimeOffset Soon(DateTimeOffset now) => now + TimeSpan.FromSeconds(Between(0.5, 3));

    private static TimeSpan Half(TimeSpan span) => span / 2;

    private static TimeSpan Third(TimeSpan span) => span / 3;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private double Between(double min, double max) => min + (_random.NextDouble() * (max - min));

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
