using System.Collections.Concurrent;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Views;

namespace TopOfHeart.Grains.Relay;

/// <summary>
/// The relay rules of one case, as a deterministic state machine: no Orleans, no clock, no I/O.
/// Events go in with the current time; the new state, the alerts to raise and resolve and the next
/// deadline come out.
/// <para>
/// The case is a fold over its events in <c>occurredAt</c> order (ties in arrival order). A deadline
/// is an event of its own in that order: a baton whose due time lies before the next event was
/// dropped before it. An event that arrives out of order is inserted in its place and the fold is
/// replayed; alerts raised before are never raised again.
/// </para>
/// <para>
/// A chase rests on the <i>absence</i> of an accept, which may still be on its way: it is held for
/// <see cref="DetectionSettings.ReorderGrace"/> from the contact's arrival (server clock) and raised only if the
/// replayed fold still has the baton in flight then. A chase raised and later shown false (an accept, refusal or
/// close that happened before the contact reached the server after the grace) is withdrawn (<see cref="AlertVocabulary.Withdrawn"/>).
/// </para>
/// </summary>
public sealed class CaseRelay
{
    private readonly DetectionSettings _settings;
    private readonly List<Entry> _log = [];
    private readonly SmallStringSet _eventIds = new();
    // Created by the first alert: most cases raise none, and an empty set still cost 40 bytes a live case.
    private SmallStringSet? _raised;
    private SmallStringSet? _autoResolved;
    private long _sequence;
    private FoldState _state = new();

    // Collects the effects of the call in progress; suppressed alerts never reach it.
    private RelayEffects? _effects;
    private DateTimeOffset _now;

    public CaseRelay(string caseId, DetectionSettings settings)
    {
        CaseId = caseId;
        _settings = settings;
    }

    public string CaseId { get; }

    public int EventCount => _log.Count;

    public bool Exists => _state.Exists;

    public bool IsResolved => _state.Resolved;

    public string? CustomerId => _state.CustomerId;

    public string? Owner => _state.Owner;

    /// <summary>Alert ids this case has raised, in the order it raised them.</summary>
    public IReadOnlyCollection<string> RaisedAlertIds => (IReadOnlyCollection<string>?)_raised ?? [];

    /// <summary>Alert ids this case resolved by itself (late pickup, or withdrawn: see <see cref="ResolutionOf"/>).</summary>
    public IReadOnlyCollection<string> AutoResolvedAlertIds => (IReadOnlyCollection<string>?)_autoResolved ?? [];

    /// <summary>
    /// Why this case resolves an alert by itself: <see cref="AlertVocabulary.Withdrawn"/> for a chase the
    /// replayed fold shows false (no baton in flight at its contact), else <see cref="AlertVocabulary.LatePickup"/>.
    /// </summary>
    public string ResolutionOf(string alertId) =>
        _state.Withdrawn?.Contains(alertId) == true ? AlertVocabulary.Withdrawn : AlertVocabulary.LatePickup;

    /// <summary>The events applied so far, in fold order.</summary>
    public IEnumerable<TouchpointEvent> Events => _log.Select(e => e.Event);

    /// <summary>The earliest deadline not yet passed: a baton's SLA, a stall timeout or the end of a chase's reorder grace.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = null;
            if (_state.InFlight is { Leg.Dropped: false } baton) next = baton.DueAt;
            if (_state.Stall is { } stall && (next is null || stall.DueAt < next)) next = stall.DueAt;
            if (_state.HeldChases is { } heldChases)
            {
                foreach (var held in heldChases)
                {
                    if (next is null || held.Until < next) next = held.Until;
                }
            }

            return next;
        }
    }

    /// <summary>Rebuilds a case from its stored events and the alert ids it had already raised and resolved.</summary>
    /// <remarks>
    /// Does not fire deadlines that passed since; call <see cref="CheckDeadlines"/> for that. Stored events count as
    /// arriving at <paramref name="now"/>: a chase not raised yet is held for the reorder grace again.
    /// </remarks>
    public static CaseRelay Restore(
        string caseId,
        DetectionSettings settings,
        IEnumerable<TouchpointEvent> events,
        IEnumerable<string> raisedAlertIds,
        IEnumerable<string> autoResolvedAlertIds,
        DateTimeOffset now,
        RelayEffects effects)
    {
        var relay = new CaseRelay(caseId, settings);
        foreach (var id in raisedAlertIds) (relay._raised ??= new()).Add(id);
        foreach (var id in autoResolvedAlertIds) (relay._autoResolved ??= new()).Add(id);
        foreach (var e in events)
        {
            if (relay._eventIds.Add(e.EventId)) relay._log.Add(new Entry(e, relay._sequence++, now));
        }

        relay._log.Sort(EntryOrder.Instance);
        // Anything the stored case should have raised but had not (a crash between) comes out in effects.
        relay.Replay(now, effects);
        return relay;
    }

    /// <summary>
    /// Applies one event of this case. Returns false for a duplicate (already applied), which
    /// changes nothing. Deadlines that fall before the event in case order fire first.
    /// </summary>
    public bool Apply(TouchpointEvent e, DateTimeOffset now, RelayEffects effects)
    {
        if (!_eventIds.Add(e.EventId)) return false;

        var entry = new Entry(e, _sequence++, now);
        var inOrder = _log.Count == 0 || EntryOrder.Instance.Compare(_log[^1], entry) <= 0;
        if (inOrder)
        {
            _log.Add(entry);
            _effects = effects;
            _now = now;
            try
            {
                ReleaseHeldChases(now);
                Step(entry);
            }
            finally
            {
                _effects = null;
            }
        }
        else
        {
            var at = _log.BinarySearch(entry, EntryOrder.Instance);
            _log.Insert(at < 0 ? ~at : at, entry);
            Replay(now, effects);
        }

        if (e.Type == EventType.HandoffAccepted)
        {
            var leg = _state.Legs.FindLast(l => l.AcceptEventId == e.EventId);
            if (leg?.TimeToAccept is { } taken) effects.TimesToAccept[e.EventId] = taken;
        }

        return true;
    }

    /// <summary>Fires every deadline that has passed by <paramref name="now"/>.</summary>
    public void CheckDeadlines(DateTimeOffset now, RelayEffects effects)
    {
        _effects = effects;
        _now = now;
        try
        {
            ExpireDeadlines(now, inclusive: true);
            ReleaseHeldChases(now);
        }
        finally
        {
            _effects = null;
        }
    }

    /// <summary>This case's share of the floor's figures, as it stands now.</summary>
    public Contribution Contribution()
    {
        var c = new Contribution();
        Contribution(c);
        return c;
    }

    /// <summary>Adds the case's contribution to <paramref name="c"/> (the caller clears it: no allocation per call).</summary>
    public void Contribution(Contribution c)
    {
        var s = _state;
        if (!s.Exists) return;
        if (!s.Resolved && s.Owner is not null) c.Add(FigureKey.Of(Metric.OpenCases, s.Owner));
        if (s.InFlight is { } baton) c.Add(FigureKey.Of(Metric.BatonsWaiting, baton.Leg.To, baton.Leg.From));
        foreach (var leg in s.Legs)
        {
            if (leg.From is null) continue;
            c.Add(FigureKey.Of(Metric.Handoffs, leg.From, leg.To));
            if (leg.Outcome == LegOutcome.Accepted) c.Add(FigureKey.Of(Metric.Accepted, leg.From, leg.To));
            if (leg.Outcome == LegOutcome.Rejected) c.Add(FigureKey.Of(Metric.Refused, leg.From, leg.To));
            if (leg.PingPong) c.Add(FigureKey.Of(Metric.PingPongs, leg.From, leg.To));
            if (leg.Dropped && leg.DueAt is { } due)
                c.Add(FigureKey.Of(Metric.Dropped, leg.From, leg.To, DayNumber(due)));
            if (leg.TimeToAccept is { } taken) c.Add(FigureKey.Of(Metric.AcceptTime, leg.To, n: AcceptTimeBuckets.Of(taken)));
        }
    }

    public static int DayNumber(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime).DayNumber;

    public CaseView ToView()
    {
        var s = _state;
        return new CaseView
        {
            CaseId = CaseId,
            CustomerId = s.CustomerId ?? string.Empty,
            Status = s.Resolved ? "resolved" : "open",
            Owner = s.Owner,
            BatonInFlight = s.InFlight is { } b
                ? new BatonView
                {
                    FromDepartment = b.Leg.From,
                    ToDepartment = b.Leg.To,
                    RequestEventId = b.Leg.RequestEventId!,
                    RequestedAt = b.Leg.RequestedAt!.Value,
                    DueAt = b.DueAt,
                    Dropped = b.Leg.Dropped,
                }
                : null,
            Legs = s.Legs.Select(l => l.ToView()).ToList(),
            HopCount = s.Requests,
            FirstSentiment = s.FirstSentiment,
            LastSentiment = s.LastSentiment,
            AlertIds = s.AlertIds?.ToList() ?? [],
            EventCount = _log.Count,
            OpenedAt = s.OpenedAt,
            ResolvedAt = s.ResolvedAt,
            LastEventAt = s.LastEventAt,
            StallDueAt = s.Stall?.DueAt,
        };
    }

    private void Replay(DateTimeOffset now, RelayEffects? effects)
    {
        _state = new FoldState();
        _effects = effects;
        _now = now;
        try
        {
            foreach (var entry in _log) Step(entry);
        }
        finally
        {
            _effects = null;
        }
    }

    private void Step(Entry entry)
    {
        var e = entry.Event;
        var s = _state;
        var at = e.OccurredAt;

        // Deadlines before this event (in case time, never ahead of the server's clock) fire first.
        ExpireDeadlines(at < _now ? at : _now, inclusive: false);

        if (!s.Exists)
        {
            s.Exists = true;
            s.CustomerId = e.CustomerId;
            s.OpenedAt = at;
        }

        if (s.LastEventAt is null || at > s.LastEventAt) s.LastEventAt = at;

        var readingBefore = s.LastReading;
        if (e.Sentiment is { } reading)
        {
            if (s.AwaitingReadingAfter is { } watched && !s.Resolved) CompareSentiment(watched, e, reading);
            s.FirstSentiment ??= reading;
            s.LastSentiment = reading;
            s.LastReading = reading;
        }

        if (s.Stall is { } stall && e.Department == stall.Department && e.EventId != stall.AcceptEventId)
        {
            s.Stall = null;
        }

        if (s.Resolved && e.Type != EventType.CaseOpened)
        {
            // No baton in flight on a closed case: a chase raised before the close was reported is withdrawn.
            if (e.Type is EventType.Interaction or EventType.CustomerContact) ChaseIfInFlight(entry);
            return;
        }

        if (e.CustomerRepeatedInfo && s.ContextLeg is { } contextLeg && !s.ContextLostRaised)
        {
            s.ContextLostRaised = true;
            var department = e.Department ?? s.Owner ?? contextLeg.To;
            Raise(AlertKind.ContextLost, e, department, contextLeg.From, contextLeg.To, dueAt: null,
                $"Customer {e.CustomerId} had to repeat themselves to {department} on case {CaseId} after the handoff from {contextLeg.From ?? "another department"}",
                [contextLeg.RequestEventId ?? contextLeg.AcceptEventId ?? e.EventId, e.EventId]);
        }

        switch (e.Type)
        {
            case EventType.CaseOpened:
                if (s.Resolved)
                {
                    s.Resolved = false;
                    s.ResolvedAt = null;
                    s.Owner = null; // so the reopening department is taken on below, and counted among former owners
                }

                TakeOwnershipIfNone(e.Department);
                break;

            case EventType.Interaction:
                TakeOwnershipIfNone(e.Department);
                ChaseIfInFlight(entry);
                break;

            case EventType.CustomerContact:
                ChaseIfInFlight(entry);
                break;

            case EventType.HandoffRequested:
                RequestHandoff(e, readingBefore: s.LastReading);
                break;

            case EventType.HandoffAccepted:
                AcceptHandoff(e, readingBefore);
                break;

            case EventType.HandoffRejected:
                RejectHandoff(e);
                break;

            case EventType.CaseResolved:
                s.Resolved = true;
                s.ResolvedAt = at;
                TakeOwnershipIfNone(e.Department);
                if (s.InFlight is { } open)
                {
                    open.Leg.Outcome = LegOutcome.Closed;
                    s.InFlight = null;
                }

                s.Stall = null;
                s.AwaitingReadingAfter = null;
                break;

            case EventType.Feedback:
                break;
        }
    }

    private void TakeOwnershipIfNone(string? department)
    {
        if (_state.Owner is null && department is not null)
        {
            _state.Owner = department;
            _state.Owners.Add(department);
        }
    }

    private void ChaseIfInFlight(Entry entry)
    {
        var e = entry.Event;
        var id = AlertVocabulary.AlertId(AlertKind.CustomerChasing, CaseId, e.EventId);
        if (_state.InFlight is not { Leg: var leg })
        {
            // Raised on an earlier fold, but the baton was no longer in flight at this contact: the accept came in late.
            if (_raised?.Contains(id) == true) Withdraw(id);
            return;
        }

        var chase = new HeldChase(id, e, leg, entry.ArrivedAt + _settings.ReorderGrace);
        if (_raised?.Contains(id) == true || chase.Until <= _now)
        {
            RaiseChase(chase);
            return;
        }

        (_state.HeldChases ??= []).Add(chase);
        if (_effects is { } effects && (effects.HeldUntil is null || chase.Until > effects.HeldUntil)) effects.HeldUntil = chase.Until;
    }

    /// <summary>Raises the held chases whose reorder grace has passed by <paramref name="now"/>: no earlier accept came in.</summary>
    private void ReleaseHeldChases(DateTimeOffset now)
    {
        if (_state.HeldChases is not { } held) return;
        for (var i = 0; i < held.Count; i++)
        {
            if (held[i].Until > now) continue;
            var chase = held[i];
            held.RemoveAt(i--);
            RaiseChase(chase);
        }
    }

    private void RaiseChase(HeldChase chase)
    {
        var (e, leg) = (chase.Contact, chase.Leg);
        Raise(AlertKind.CustomerChasing, e, leg.To, leg.From, leg.To, dueAt: null,
            $"Customer {e.CustomerId} is chasing case {CaseId} while {leg.To} has not picked it up from {leg.From ?? "another department"}",
            [leg.RequestEventId!, e.EventId]);
        (leg.Chases ??= []).Add(chase.AlertId);

        // Its baton was accepted after the contact, while the chase was held: raised and picked up at once.
        if (leg.Outcome == LegOutcome.Accepted) AutoResolve(chase.AlertId);
    }

    private void Withdraw(string alertId)
    {
        // Still one of the case's alerts: the floor saw it, and its book keeps it.
        _state.NoteAlert(alertId);
        (_state.Withdrawn ??= new()).Add(alertId);
        AutoResolve(alertId);
    }

    private void RequestHandoff(TouchpointEvent e, double? readingBefore)
    {
        var s = _state;
        var from = e.Department!;
        var to = e.ToDepartment!;
        s.Requests++;
        TakeOwnershipIfNone(from);

        if (s.InFlight is { } previous)
        {
            previous.Leg.Outcome = LegOutcome.Superseded;
            s.InFlight = null;
        }

        var sla = _settings.SlaFor(from, to);
        var leg = new Leg
        {
            From = from,
            To = to,
            RequestEventId = e.EventId,
            RequestedAt = e.OccurredAt,
            DueAt = e.OccurredAt + sla,
            Sla = sla,
            Outcome = LegOutcome.InFlight,
            SentimentBefore = readingBefore,
            Reason = e.Reason,
            TouchpointId = e.TouchpointId,
        };
        s.Legs.Add(leg);
        s.InFlight = new Baton(leg, e.OccurredAt + sla);

        // A drop that fired on the server clock before (this is a replay) stays a drop, even if the accept came first in event time.
        var dropped = AlertVocabulary.AlertId(AlertKind.DroppedBaton, CaseId, e.EventId);
        if (_raised?.Contains(dropped) == true)
        {
            leg.Dropped = true;
            s.NoteAlert(dropped);
        }
        s.ContextLeg = leg;
        s.ContextLostRaised = false;

        var bounced = s.Owners.Contains(to);
        var tooMany = s.Requests >= _settings.MaxHops + 1;
        if (bounced || tooMany)
        {
            leg.PingPong = true;
            var why = bounced
                ? $"{to} already owned case {CaseId}; {from} is sending it back"
                : $"case {CaseId} is on handoff #{s.Requests} ({from} to {to}), more than {_settings.MaxHops}";
            Raise(AlertKind.PingPong, e, from, from, to, dueAt: null, $"Ping-pong: {why}",
                s.Legs.Where(l => l.RequestEventId is not null).Select(l => l.RequestEventId!).ToArray());
        }
    }

    private void AcceptHandoff(TouchpointEvent e, double? readingBefore)
    {
        var s = _state;
        var receiver = e.Department!;
        Leg leg;
        if (s.InFlight is { } baton && baton.Leg.To == receiver)
        {
            leg = baton.Leg;
            leg.Outcome = LegOutcome.Accepted;
            leg.AcceptedAt = e.OccurredAt;
            leg.AcceptEventId = e.EventId;
            var taken = e.OccurredAt - leg.RequestedAt!.Value;
            leg.TimeToAccept = taken < TimeSpan.Zero ? TimeSpan.Zero : taken;
            s.InFlight = null;

            // Chases folded after the accept are withdrawn at their contact instead; chases still held resolve when released.
            if (leg.Chases is { } chases)
            {
                foreach (var id in chases) AutoResolve(id);
            }

            var dropped = AlertVocabulary.AlertId(AlertKind.DroppedBaton, CaseId, leg.RequestEventId!);
            if (_raised?.Contains(dropped) == true) AutoResolve(dropped);
        }
        else
        {
            if (s.InFlight is { } other)
            {
                other.Leg.Outcome = LegOutcome.Superseded;
                s.InFlight = null;
            }

            // Taken without a request: still a handoff from whoever owned the case.
            leg = new Leg
            {
                From = s.Owner == receiver ? null : s.Owner,
                To = receiver,
                Outcome = LegOutcome.Accepted,
                AcceptedAt = e.OccurredAt,
                AcceptEventId = e.EventId,
                SentimentBefore = readingBefore,
            };
            s.Legs.Add(leg);
            s.ContextLeg = leg;
            s.ContextLostRaised = false;
        }

        s.Owner = receiver;
        s.Owners.Add(receiver);
        s.AwaitingReadingAfter = leg;
        s.Stall = new Stall(receiver, e.OccurredAt + _settings.StallTimeout, leg, e.EventId);
    }

    private void RejectHandoff(TouchpointEvent e)
    {
        var s = _state;
        var receiver = e.Department!;
        Leg leg;
        if (s.InFlight is { } baton && baton.Leg.To == receiver)
        {
            leg = baton.Leg;
            s.InFlight = null;
        }
        else
        {
            leg = new Leg { From = s.Owner == receiver ? null : s.Owner, To = receiver };
            s.Legs.Add(leg);
        }

        leg.Outcome = LegOutcome.Rejected;
        leg.RejectedAt = e.OccurredAt;
        leg.Reason = e.Reason ?? leg.Reason;
        var because = string.IsNullOrEmpty(e.Reason) ? "" : $": {e.Reason}";
        Raise(AlertKind.HandoffRejected, e, receiver, leg.From, receiver, dueAt: null,
            $"{receiver} refused case {CaseId} from {leg.From ?? "another department"}{because}",
            leg.RequestEventId is null ? [e.EventId] : [leg.RequestEventId, e.EventId]);
    }

    private void CompareSentiment(Leg leg, TouchpointEvent e, double reading)
    {
        var s = _state;
        if (e.EventId == leg.AcceptEventId) return;
        s.AwaitingReadingAfter = null;
        leg.SentimentAfter = reading;
        if (leg.SentimentBefore is not { } before) return;
        if (before - reading >= _settings.SentimentDrop - 1e-9)
        {
            var owner = leg.To;
            Raise(AlertKind.SentimentDrop, e, owner, leg.From, leg.To, dueAt: null,
                $"Customer {e.CustomerId}'s mood fell from {before:0.00} to {reading:0.00} on case {CaseId} after {leg.From ?? "another department"} handed it to {leg.To}",
                [leg.RequestEventId ?? leg.AcceptEventId!, e.EventId]);
        }
    }

    private void ExpireDeadlines(DateTimeOffset until, bool inclusive)
    {
        var s = _state;
        if (s.InFlight is { Leg.Dropped: false } baton && Passed(baton.DueAt, until, inclusive))
        {
            var leg = baton.Leg;
            leg.Dropped = true;
            RaiseAt(AlertKind.DroppedBaton, leg.RequestEventId!, leg.To, leg.From, leg.To, baton.DueAt,
                $"{leg.To} has not picked up case {CaseId} from {leg.From} for {Durations.Humanize(leg.Sla)}",
                [leg.RequestEventId!], touchpointId: leg.TouchpointId);
        }

        if (s.Stall is { } stall && Passed(stall.DueAt, until, inclusive))
        {
            s.Stall = null;
            RaiseAt(AlertKind.StalledAfterAccept, stall.AcceptEventId, stall.Department, stall.Leg.From, stall.Leg.To, stall.DueAt,
                $"{stall.Department} accepted case {CaseId} from {stall.Leg.From ?? "another department"} but has done nothing on it for {Durations.Humanize(_settings.StallTimeout)}",
                [stall.AcceptEventId], touchpointId: null);
        }
    }

    private static bool Passed(DateTimeOffset due, DateTimeOffset until, bool inclusive) =>
        inclusive ? due <= until : due < until;

    private string Raise(AlertKind kind, TouchpointEvent trigger, string department, string? from, string? to,
        DateTimeOffset? dueAt, string message, IReadOnlyList<string> evidence) =>
        RaiseAt(kind, trigger.EventId, department, from, to, dueAt, message, evidence, trigger.TouchpointId);

    private string RaiseAt(AlertKind kind, string triggerEventId, string department, string? from, string? to,
        DateTimeOffset? dueAt, string message, IReadOnlyList<string> evidence, string? touchpointId)
    {
        var id = AlertVocabulary.AlertId(kind, CaseId, triggerEventId);
        _state.NoteAlert(id);
        if ((_raised ??= new()).Add(id) && _effects is not null)
        {
            _effects.Raised.Add(new Alert
            {
                AlertId = id,
                Kind = kind,
                Severity = AlertVocabulary.SeverityOf(kind),
                Status = AlertStatus.Open,
                CaseId = CaseId,
                CustomerId = _state.CustomerId ?? string.Empty,
                Department = department,
                FromDepartment = from,
                ToDepartment = to,
                TriggerEventId = triggerEventId,
                RaisedAt = _now,
                DueAt = dueAt,
                Message = message,
                Evidence = evidence.Distinct().ToArray(),
                TouchpointId = touchpointId,
                UpdatedAt = _now,
            });
        }

        return id;
    }

    private void AutoResolve(string alertId)
    {
        if ((_autoResolved ??= new()).Add(alertId)) _effects?.Resolved.Add(alertId);
    }

    /// <summary>One event in the log; a struct, so an event held by a live case costs no object besides itself.</summary>
    /// <param name="ArrivedAt">Server time the event reached this relay; what the reorder grace counts from.</param>
    private readonly record struct Entry(TouchpointEvent Event, long Sequence, DateTimeOffset ArrivedAt);

    /// <summary>A chase waiting out the reorder grace: an accept that happened before the contact may still arrive.</summary>
    private sealed record HeldChase(string AlertId, TouchpointEvent Contact, Leg Leg, DateTimeOffset Until);

    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry x, Entry y)
        {
            var byTime = x.Event.OccurredAt.CompareTo(y.Event.OccurredAt);
            return byTime != 0 ? byTime : x.Sequence.CompareTo(y.Sequence);
        }
    }

    private sealed class FoldState
    {
        public bool Exists;
        public string? CustomerId;
        public string? Owner;
        public readonly SmallStringSet Owners = new();
        public bool Resolved;
        public DateTimeOffset? OpenedAt;
        public DateTimeOffset? ResolvedAt;
        public DateTimeOffset? LastEventAt;
        public Baton? InFlight;
        public readonly List<Leg> Legs = [];
        public int Requests;
        public double? FirstSentiment;
        public double? LastSentiment;
        public double? LastReading;
        public Leg? AwaitingReadingAfter;
        public Leg? ContextLeg;
        public bool ContextLostRaised;
        public Stall? Stall;
        // The lists and sets below are created by their first item: most cases never need them.
        public List<string>? AlertIds;
        public List<HeldChase>? HeldChases;

        // Chasing alerts raised before that this fold shows false: no baton was in flight at their contact.
        public SmallStringSet? Withdrawn;

        /// <summary>Adds an alert id to the case's alerts, once.</summary>
        public void NoteAlert(string alertId)
        {
            AlertIds ??= [];
            if (!AlertIds.Contains(alertId)) AlertIds.Add(alertId);
        }
    }

    private sealed record Baton(Leg Leg, DateTimeOffset DueAt);

    private sealed record Stall(string Department, DateTimeOffset DueAt, Leg Leg, string AcceptEventId);

    private enum LegOutcome
    {
        InFlight,
        Accepted,
        Rejected,
        Superseded,
        Closed,
    }

    private sealed class Leg
    {
        public string? From;
        public required string To;
        public string? RequestEventId;
        public DateTimeOffset? RequestedAt;
        public DateTimeOffset? DueAt;
        public TimeSpan Sla;
        public string? AcceptEventId;
        public DateTimeOffset? AcceptedAt;
        public DateTimeOffset? RejectedAt;
        public TimeSpan? TimeToAccept;
        public LegOutcome Outcome;
        public bool Dropped;
        public bool PingPong;
        public double? SentimentBefore;
        public double? SentimentAfter;
        public string? Reason;
        public string? TouchpointId;

        // Chasing alerts of this baton raised (in this fold or one before); its accept resolves them.
        public List<string>? Chases;

        public LegView ToView() => new()
        {
            FromDepartment = From,
            ToDepartment = To,
            Outcome = Outcome switch
            {
                LegOutcome.InFlight => "in-flight",
                LegOutcome.Accepted => "accepted",
                LegOutcome.Rejected => "rejected",
                LegOutcome.Superseded => "superseded",
                _ => "closed",
            },
            RequestEventId = RequestEventId,
            RequestedAt = RequestedAt,
            AcceptedAt = AcceptedAt,
            RejectedAt = RejectedAt,
            TimeToAcceptSeconds = TimeToAccept?.TotalSeconds,
            Dropped = Dropped,
            PingPong = PingPong,
            SentimentBefore = SentimentBefore,
            SentimentAfter = SentimentAfter,
            Reason = Reason,
        };
    }
}

/// <summary>What applying events or passing deadlines asks the world to do.</summary>
public sealed class RelayEffects
{
    // Cleared instances shared by the silo's cases: one per call in progress, not one per live case (whose lists and
    // map keep their grown capacity) and not a fresh one per call either.
    // (A queue with its own count: ConcurrentBag.Count takes every lock of the bag.)
    private static readonly ConcurrentQueue<RelayEffects> Pool = new();
    private static int _pooled;
    private const int PoolLimit = 256;

    /// <summary>A cleared instance; give it back with <see cref="Return"/> when the call is done with it.</summary>
    public static RelayEffects Rent()
    {
        if (!Pool.TryDequeue(out var effects)) return new RelayEffects();
        Interlocked.Decrement(ref _pooled);
        return effects;
    }

    public static void Return(RelayEffects effects)
    {
        effects.Clear();
        if (Interlocked.Increment(ref _pooled) <= PoolLimit) Pool.Enqueue(effects);
        else Interlocked.Decrement(ref _pooled);
    }

    public List<Alert> Raised { get; } = [];

    /// <summary>Alert ids to resolve, each with <see cref="CaseRelay.ResolutionOf"/>.</summary>
    public List<string> Resolved { get; } = [];

    /// <summary>Event id of an accept → how long its baton waited.</summary>
    public Dictionary<string, TimeSpan> TimesToAccept { get; } = new(StringComparer.Ordinal);

    /// <summary>The latest end of the reorder grace of a chase this call held: the case must be woken then, whatever happens to its host.</summary>
    public DateTimeOffset? HeldUntil { get; set; }

    public bool IsEmpty => Raised.Count == 0 && Resolved.Count == 0;

    public void Clear()
    {
        Raised.Clear();
        Resolved.Clear();
        TimesToAccept.Clear();
        HeldUntil = null;
    }
}
