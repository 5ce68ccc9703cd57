using System.Globalization;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Silo.Demo;
using Route = TopOfHeart.Silo.Demo.Route;

namespace TopOfHeart.LoadTests.Traffic;

/// <summary>One request's worth of events, and which of them trigger a planted failure.</summary>
public sealed class EventBatch(List<TouchpointEvent> events, List<string> triggers, List<Story> stories)
{
    public List<TouchpointEvent> Events { get; } = events;

    /// <summary>Event ids whose arrival should raise a planted alert: their send time starts the alert latency.</summary>
    public List<string> Triggers { get; } = triggers;

    /// <summary>The stories with an event in this request: none sends its next one until the server has answered.</summary>
    public List<Story> Stories { get; } = stories;

    public int Count => Events.Count;

    /// <summary>The server answered (or the request failed): the stories may go on.</summary>
    public void Answered()
    {
        foreach (var story in Stories) story.Pending = false;
    }
}

/// <summary>
/// The load's traffic: many distinct cases relayed across the demo floor's departments (its roster and routes), in
/// real time but compressed (a baton is picked up within a second or two), plus a known set of planted failures of
/// every kind. Each batch is filled first with the steps that are due, then with new stories. Every event goes
/// through the <see cref="RelayOracle"/> as it is handed out, so the expected alerts are the relay core's.
/// Thread-safe: callers take batches from any thread.
/// </summary>
public sealed class RelayTraffic
{
    private const double WalkInShare = 0.1;

    private readonly object _gate = new();
    private readonly bool _ordered;
    private readonly Random _random;
    private readonly string _run;
    private readonly RelayOracle _oracle;
    private readonly TimeSpan _timerLead;
    private readonly double _resolveShare;
    private readonly PriorityQueue<Story, long> _due = new();
    private readonly Queue<(double AtSeconds, AlertKind Kind)> _plantSchedule = new();
    private readonly Queue<DateTimeOffset> _batonDeadlines = new();
    private readonly IReadOnlyList<Department> _departments;
    private readonly Dictionary<string, Department> _byName;
    private readonly IReadOnlyList<Route> _routes;
    private readonly Touchpoint _mainLine = new("phone/main-line", Channel.Phone);
    private readonly Touchpoint _survey = new("app/survey", Channel.App);
    private readonly int _acceptWithinMs;
    private readonly int _actWithinMs;
    private readonly Dictionary<string, int> _started = new(StringComparer.Ordinal);
    private long _stories;
    private long _events;
    private long _storyNumber;

    /// <param name="ordered">
    /// True: a story sends its next event only once the request with its previous one was answered, as an integrator
    /// that keeps each case's events in order does. False: requests may overtake each other, as concurrent senders do.
    /// </param>
    public RelayTraffic(string runId, int seed, RelayOracle oracle, TimeSpan timerLead, double resolveShare, bool ordered = true)
    {
        _ordered = ordered;
        _run = runId;
        _random = new Random(seed);
        _oracle = oracle;
        _timerLead = timerLead;
        _resolveShare = resolveShare;
        var roster = FloorRoster.Default;
        _departments = roster.Departments;
        _byName = _departments.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var maxHops = oracle.Settings.MaxHops;
        _routes = roster.Routes.Where(r => r.Legs.Count <= maxHops).ToList();

        // Healthy relays stay far inside the thresholds, whatever they are set to.
        var sla = oracle.Settings.Slas.Select(s => s.AcceptWithin).Append(oracle.Settings.HandoffAcceptSla).Min();
        _acceptWithinMs = (int)Math.Clamp(sla.TotalMilliseconds / 3, 50, 1_500);
        _actWithinMs = (int)Math.Clamp(oracle.Settings.StallTimeout.TotalMilliseconds / 3, 50, 1_200);
    }

    public string RunId => _run;

    /// <summary>Every case and customer id of this run starts with this, so a shared database's older alerts are told apart.</summary>
    public string CasePrefix => $"case-{_run}-";

    public long EventsHandedOut => Interlocked.Read(ref _events);

    public long StoriesStarted => Interlocked.Read(ref _stories);

    /// <summary>Stories with steps still to send.</summary>
    public int Active
    {
        get
        {
            lock (_gate) return _due.Count;
        }
    }

    public IReadOnlyDictionary<string, int> StartedByKind
    {
        get
        {
            lock (_gate) return new Dictionary<string, int>(_started);
        }
    }

    /// <summary>Plants <paramref name="perKind"/> failures of every kind, spread evenly over the first <paramref name="overSeconds"/>.</summary>
    public void PlantFailures(int perKind, double overSeconds, double fromSeconds = 0)
    {
        var kinds = Enum.GetValues<AlertKind>();
        var all = new List<AlertKind>();
        for (var i = 0; i < perKind; i++) all.AddRange(kinds);
        var order = all.ToArray();
        _random.Shuffle(order);
        lock (_gate)
        {
            for (var i = 0; i < order.Length; i++)
            {
                _plantSchedule.Enqueue((fromSeconds + (overSeconds * (i + 0.5) / order.Length), order[i]));
            }
        }
    }

    /// <summary>Deadlines scenario: batons handed over and never picked up, their deadlines spread from <paramref name="firstDue"/> over <paramref name="spread"/>.</summary>
    public void PlantDroppedBatons(int count, DateTimeOffset firstDue, TimeSpan spread)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++) _batonDeadlines.Enqueue(firstDue + (spread * i / Math.Max(1, count)));
        }
    }

    public int PlantedPending
    {
        get
        {
            lock (_gate) return _plantSchedule.Count + _batonDeadlines.Count;
        }
    }

    /// <summary>
    /// Up to <paramref name="max"/> events: the steps due by <paramref name="elapsedMs"/>, planted failures whose
    /// time has come, then new healthy stories when <paramref name="startNew"/>. Empty when nothing is due.
    /// </summary>
    public EventBatch Next(int max, long elapsedMs, bool startNew)
    {
        var events = new List<TouchpointEvent>(max);
        var triggers = new List<string>();
        var stories = new List<Story>();
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            if (startNew)
            {
                while (_plantSchedule.TryPeek(out var plant) && plant.AtSeconds * 1000 <= elapsedMs)
                {
                    _plantSchedule.Dequeue();
                    Schedule(Planted(plant.Kind, now), elapsedMs);
                }

                // Batons go in at the rate asked, like any traffic; their stories are two events each.
                while (events.Count + 2 <= max && _batonDeadlines.TryDequeue(out var due))
                {
                    var story = DroppedBatonDueAt(due);
                    while (!story.Done) Take(story, now, events, triggers);
                    Finish(story, now);
                }
            }

            while (events.Count < max && _due.TryPeek(out _, out var at) && at <= elapsedMs)
            {
                var story = _due.Dequeue();
                if (story.Pending && _ordered)
                {
                    // Its previous event is not answered yet: a careful integrator keeps a case's events in order.
                    _due.Enqueue(story, elapsedMs + 5);
                    continue;
                }

                TakeAndReschedule(story, now, elapsedMs, events, triggers);
                Sent(story, stories);
            }

            while (startNew && events.Count < max && _batonDeadlines.Count == 0)
            {
                var story = _random.NextDouble() < WalkInShare ? WalkIn() : Healthy();
                Count(story);
                TakeAndReschedule(story, now, elapsedMs, events, triggers);
                Sent(story, stories);
            }
        }

        Interlocked.Add(ref _events, events.Count);
        return new EventBatch(events, triggers, stories);
    }

    private static void Sent(Story story, List<Story> stories)
    {
        if (story.Done || story.Pending) return;
        story.Pending = true;
        stories.Add(story);
    }

    /// <summary>When the earliest step still to send is due (ms since the start), or null when no story is active.</summary>
    public long? NextDueMs()
    {
        lock (_gate) return _due.TryPeek(out _, out var at) ? at : null;
    }

    private void Schedule(Story story, long elapsedMs)
    {
        Count(story);
        _due.Enqueue(story, elapsedMs);
    }

    private void Count(Story story)
    {
        Interlocked.Increment(ref _stories);
        _started[story.Kind] = _started.GetValueOrDefault(story.Kind) + 1;
    }

    private void TakeAndReschedule(Story story, DateTimeOffset now, long elapsedMs, List<TouchpointEvent> events, List<string> triggers)
    {
        Take(story, now, events, triggers);

        // A backdated story happened in the past: the rest of it goes out at once.
        while (!story.Done && story.BackdatedTo is not null) Take(story, now, events, triggers);

        if (story.Done) Finish(story, now);
        else _due.Enqueue(story, elapsedMs + story.Steps[story.Next].DelayMs);
    }

    private void Take(Story story, DateTimeOffset now, List<TouchpointEvent> events, List<string> triggers)
    {
        var step = story.Steps[story.Next];
        DateTimeOffset at;
        if (story.BackdatedTo is { } start)
        {
            var offset = story.Steps.Take(story.Next + 1).Sum(s => s.DelayMs);
            at = start + TimeSpan.FromMilliseconds(offset);
        }
        else
        {
            at = now;
        }

        if (at <= story.LastOccurredAt) at = story.LastOccurredAt + TimeSpan.FromMilliseconds(1);
        story.LastOccurredAt = at;

        var department = step.Department is null ? null : _byName[step.Department];
        ref var sent = ref story.Sent[story.Next];
        sent.OccurredAt = at;
        sent.SentAt = now;
        sent.Employee = (byte)(department is null ? 0 : _random.Next(department.Employees.Count));
        sent.Touchpoint = (byte)(department is null ? 0 : _random.Next(department.Touchpoints.Count));
        var e = EventOf(story, story.Next);
        story.Next++;
        events.Add(e);
        if (step.Trigger) triggers.Add(e.EventId);
    }

    /// <summary>Step <paramref name="i"/> of the story as the event it was sent as.</summary>
    private TouchpointEvent EventOf(Story story, int i)
    {
        var step = story.Steps[i];
        var sent = story.Sent[i];
        var department = step.Department is null ? null : _byName[step.Department];
        var employee = department?.Employees[sent.Employee];
        var touchpoint = step.Type switch
        {
            EventType.CustomerContact => _mainLine,
            EventType.Feedback => _survey,
            _ => department?.Touchpoints[sent.Touchpoint],
        };
        return new TouchpointEvent
        {
            EventId = string.Create(CultureInfo.InvariantCulture, $"ev-{_run}-{story.Number}-{i}"),
            Type = step.Type,
            OccurredAt = sent.OccurredAt,
            CustomerId = story.CustomerId,
            CaseId = step.Caseless ? null : story.CaseId,
            Department = step.Department,
            EmployeeId = step.Type is EventType.CustomerContact ? null : employee?.Id,
            TouchpointId = touchpoint?.Id,
            Channel = touchpoint?.Channel ?? Channel.Unknown,
            Sentiment = step.Sentiment,
            ToDepartment = step.ToDepartment,
            Reason = step.Reason,
            CustomerRepeatedInfo = step.CustomerRepeatedInfo,
            Score = step.Score,
        };
    }

    /// <summary>The story is told: its case goes through the relay core.</summary>
    private void Finish(Story story, DateTimeOffset now)
    {
        if (story.CaseId is null) return;
        var sent = Enumerable.Range(0, story.Steps.Length)
            .Where(i => !story.Steps[i].Caseless)
            .Select(i => (EventOf(story, i), story.Sent[i].SentAt));
        _oracle.Finish(story, sent, now);
    }

    private Story NewStory(string kind, StoryStep[] steps, AlertKind? planted = null, DateTimeOffset? backdatedTo = null, bool withCase = true)
    {
        var n = ++_storyNumber;
        var caseId = withCase ? string.Create(CultureInfo.InvariantCulture, $"case-{_run}-{n}") : null;
        var customer = string.Create(CultureInfo.InvariantCulture, $"cust-{_run}-{n}");
        return new Story(n, kind, caseId, customer, steps, planted, backdatedTo);
    }

    private Story WalkIn()
    {
        var department = Pick(_departments).Name;
        return NewStory("walk-in", [new StoryStep(EventType.Interaction, department, 0, Sentiment: Mood(), Caseless: true)], withCase: false);
    }

    /// <summary>Opened, served, handed along its route and picked up well within the SLA, served by each new owner, often closed.</summary>
    private Story Healthy()
    {
        var route = Pick(_routes);
        var steps = new List<StoryStep>();
        var mood = Mood();
        var owner = route.Opener.Name;
        steps.Add(new StoryStep(EventType.CaseOpened, owner, 0, Sentiment: mood, Reason: route.Request));
        for (var i = 0; i < _random.Next(1, 3); i++) steps.Add(new StoryStep(EventType.Interaction, owner, Gap(), Sentiment: mood = Drift(mood)));
        foreach (var leg in route.Legs)
        {
            steps.Add(new StoryStep(EventType.HandoffRequested, owner, Gap(), ToDepartment: leg.To.Name, Reason: leg.Reason));
            owner = leg.To.Name;
            steps.Add(new StoryStep(EventType.HandoffAccepted, owner, Within(_acceptWithinMs)));
            steps.Add(new StoryStep(EventType.Interaction, owner, Within(_actWithinMs), Sentiment: mood = Drift(mood)));
        }

        if (_random.NextDouble() < _resolveShare)
        {
            steps.Add(new StoryStep(EventType.CaseResolved, owner, Gap(), Sentiment: mood = Drift(mood)));
            if (_random.NextDouble() < 0.3)
                steps.Add(new StoryStep(EventType.Feedback, owner, Gap(), Score: Math.Round(Math.Clamp(5.5 + (4.5 * mood), 0, 10))));
        }

        return NewStory("healthy", [.. steps]);
    }

    private Story Planted(AlertKind kind, DateTimeOffset now)
    {
        var (a, b) = TwoDepartments();
        var mood = Math.Round(0.2 + (_random.NextDouble() * 0.3), 2);
        return kind switch
        {
            AlertKind.DroppedBaton => PlantDroppedBaton(a, b, mood, now),
            AlertKind.StalledAfterAccept => PlantStall(a, b, mood, now),
            AlertKind.HandoffRejected => NewStory(kind.ToString(),
            [
                new(EventType.CaseOpened, a, 0, Sentiment: mood, Reason: "planted: refused"),
                new(EventType.Interaction, a, Gap(), Sentiment: mood),
                new(EventType.HandoffRequested, a, Gap(), ToDepartment: b, Reason: "yours, I think"),
                new(EventType.HandoffRejected, b, Within(_acceptWithinMs), Reason: "not our queue", Trigger: true),
                new(EventType.Interaction, a, Gap(), Sentiment: mood),
                new(EventType.CaseResolved, a, Gap(), Sentiment: mood),
            ], kind),
            AlertKind.PingPong => NewStory(kind.ToString(),
            [
                new(EventType.CaseOpened, a, 0, Sentiment: mood, Reason: "planted: bounced back"),
                new(EventType.HandoffRequested, a, Gap(), ToDepartment: b, Reason: "yours"),
                new(EventType.HandoffAccepted, b, Within(_acceptWithinMs)),
                new(EventType.Interaction, b, Within(_actWithinMs), Sentiment: mood),
                new(EventType.HandoffRequested, b, Gap(), ToDepartment: a, Reason: "no, yours", Trigger: true),
                new(EventType.HandoffAccepted, a, Within(_acceptWithinMs)),
                new(EventType.Interaction, a, Within(_actWithinMs), Sentiment: mood),
                new(EventType.CaseResolved, a, Gap(), Sentiment: mood),
            ], kind),
            AlertKind.CustomerChasing => NewStory(kind.ToString(),
            [
                new(EventType.CaseOpened, a, 0, Sentiment: mood, Reason: "planted: customer calls while in flight"),
                new(EventType.HandoffRequested, a, Gap(), ToDepartment: b, Reason: "yours"),
                new(EventType.CustomerContact, null, Within(_acceptWithinMs / 2), Reason: "any news?", Trigger: true),
                new(EventType.HandoffAccepted, b, Within(_acceptWithinMs / 2)),
                new(EventType.Interaction, b, Within(_actWithinMs), Sentiment: mood),
                new(EventType.CaseResolved, b, Gap(), Sentiment: mood),
            ], kind),
            AlertKind.ContextLost => NewStory(kind.ToString(),
            [
                new(EventType.CaseOpened, a, 0, Sentiment: mood, Reason: "planted: tell me again"),
                new(EventType.HandoffRequested, a, Gap(), ToDepartment: b, Reason: "yours"),
                new(EventType.HandoffAccepted, b, Within(_acceptWithinMs)),
                new(EventType.Interaction, b, Within(_actWithinMs), Sentiment: mood, CustomerRepeatedInfo: true, Trigger: true),
                new(EventType.CaseResolved, b, Gap(), Sentiment: mood),
            ], kind),
            AlertKind.SentimentDrop => PlantSentimentDrop(a, b),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>Nobody picks the baton up; backdated so the SLA runs out <c>timerLead</c> after it is sent, whatever the SLA.</summary>
    private Story PlantDroppedBaton(string a, string b, double mood, DateTimeOffset now)
    {
        var requestAt = now - _oracle.Settings.SlaFor(a, b) + _timerLead;
        return NewStory(nameof(AlertKind.DroppedBaton),
        [
            new(EventType.CaseOpened, a, 0, Sentiment: mood, Reason: "planted: nobody picks it up"),
            new(EventType.Interaction, a, 1_000, Sentiment: mood),
            new(EventType.HandoffRequested, a, 1_000, ToDepartment: b, Reason: "please take over", Trigger: true),
        ], AlertKind.DroppedBaton, requestAt - TimeSpan.FromSeconds(2));
    }

    /// <summary>Taken and forgotten: accepted, then nothing by the new owner; backdated like a dropped baton.</summary>
    private Story PlantStall(string a, string b, double mood, DateTimeOffset now)
    {
        var acceptAt = now - _oracle.Settings.StallTimeout + _timerLead;
        var gap = (int)Math.Min(1_000, _oracle.Settings.SlaFor(a, b).TotalMilliseconds / 3);
        return NewStory(nameof(AlertKind.StalledAfterAccept),
        [
            new(EventType.CaseOpened, a, 0, Sentiment: mood, Reason: "planted: taken and forgotten"),
            new(EventType.HandoffRequested, a, 1_000, ToDepartment: b, Reason: "please take over"),
            new(EventType.HandoffAccepted, b, gap, Trigger: true),
        ], AlertKind.StalledAfterAccept, acceptAt - TimeSpan.FromMilliseconds(1_000 + gap));
    }

    /// <summary>The first reading after the handoff falls by more than the threshold from the last one before it.</summary>
    private Story PlantSentimentDrop(string a, string b)
    {
        var drop = _oracle.Settings.SentimentDrop;
        var before = Math.Round(Math.Min(1, drop + 0.3), 2);
        var after = Math.Max(-1, Math.Round(before - drop - 0.2, 2));
        return NewStory(nameof(AlertKind.SentimentDrop),
        [
            new(EventType.CaseOpened, a, 0, Sentiment: before, Reason: "planted: mood falls"),
            new(EventType.Interaction, a, Gap(), Sentiment: before),
            new(EventType.HandoffRequested, a, Gap(), ToDepartment: b, Reason: "yours"),
            new(EventType.HandoffAccepted, b, Within(_acceptWithinMs)),
            new(EventType.Interaction, b, Within(_actWithinMs), Sentiment: after, Trigger: true),
            new(EventType.CaseResolved, b, Gap(), Sentiment: after),
        ], AlertKind.SentimentDrop);
    }

    private Story DroppedBatonDueAt(DateTimeOffset due)
    {
        var (a, b) = TwoDepartments();
        var requestAt = due - _oracle.Settings.SlaFor(a, b);
        var story = NewStory(nameof(AlertKind.DroppedBaton),
        [
            new StoryStep(EventType.CaseOpened, a, 0, Sentiment: 0.3, Reason: "deadline test"),
            new StoryStep(EventType.HandoffRequested, a, 1_000, ToDepartment: b, Reason: "please take over", Trigger: true),
        ], AlertKind.DroppedBaton, requestAt - TimeSpan.FromSeconds(1));
        Count(story);
        return story;
    }

    private (string A, string B) TwoDepartments()
    {
        var a = _random.Next(_departments.Count);
        var b = (a + 1 + _random.Next(_departments.Count - 1)) % _departments.Count;
        return (_departments[a].Name, _departments[b].Name);
    }

    private double Mood() => Math.Round(-0.2 + (_random.NextDouble() * 0.7), 2);

    // Small steps, never a fall near the SentimentDrop threshold.
    private double Drift(double mood) => Math.Round(Math.Clamp(mood + (-0.05 + (_random.NextDouble() * 0.15)), -1, 1), 2);

    private int Gap() => 100 + _random.Next(500);

    private int Within(int ms) => Math.Max(20, (ms / 3) + _random.Next(Math.Max(1, ms * 2 / 3)));

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
