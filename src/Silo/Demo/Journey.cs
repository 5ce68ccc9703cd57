using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Silo.Demo;

/// <summary>
/// Writes one customer's story as events: who serves them where, how their mood moves, where the
/// baton goes. <see cref="At"/> is when the next event occurs; an event that occurs before the
/// story's release time (a backdated scenario) is sent at the release time. Nothing is sent
/// until <see cref="End"/>, so a story can be written first and <see cref="Pin"/>ned in time after.
/// </summary>
internal sealed class Journey
{
    private readonly DemoFloor _floor;
    private readonly Random _random;
    private readonly DateTimeOffset _releaseAt;
    private readonly List<TouchpointEvent> _written = [];
    private Employee? _star;
    private TimeSpan _shift;

    public Journey(DemoFloor floor, Random random, string story, string? caseId, string customerId, DateTimeOffset releaseAt, DateTimeOffset at)
    {
        _floor = floor;
        _random = random;
        Story = story;
        CaseId = caseId;
        CustomerId = customerId;
        _releaseAt = releaseAt;
        At = at;
    }

    public string Story { get; }

    public string? CaseId { get; }

    public string CustomerId { get; }

    /// <summary>When the next event of the story occurs.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>The customer's mood: -1 furious … 1 delighted.</summary>
    public double Mood { get; private set; }

    public Department? Owner { get; private set; }

    public Employee? Clerk { get; private set; }

    private Touchpoint? Desk { get; set; }

    public Journey Wait(double minSeconds, double maxSeconds) => Wait(minSeconds, maxSeconds, TimeSpan.MaxValue);

    /// <summary>Waits a random while, but never longer than <paramref name="atMost"/>.</summary>
    public Journey Wait(double minSeconds, double maxSeconds, TimeSpan atMost)
    {
        var gap = TimeSpan.FromSeconds(minSeconds + (_random.NextDouble() * (maxSeconds - minSeconds)));
        At += gap < atMost ? gap : atMost;
        return this;
    }

    public void Open(Department department, double mood, string request)
    {
        Serve(department);
        Mood = Clamp(mood);
        Emit(EventType.CaseOpened, Owner, Clerk, Desk, sentiment: Mood, reason: request);
    }

    /// <summary>A moment of truth with the owner: the employee's flair moves the mood unless <paramref name="shift"/> says otherwise.</summary>
    public void Talk(double? shift = null, bool customerRepeatedInfo = false)
    {
        Mood = Clamp(Mood + (shift ?? FlairShift(Clerk!.Flair)));
        Emit(EventType.Interaction, Owner, Clerk, Desk, sentiment: Mood, repeatedInfo: customerRepeatedInfo);
    }

    /// <summary>A quick moment without a case: a question answered at the counter, in the chat, on the phone.</summary>
    public void Moment(Department department)
    {
        Serve(department);
        Mood = Clamp(Mood + FlairShift(Clerk!.Flair));
        Emit(EventType.Interaction, Owner, Clerk, Desk, sentiment: Mood);
    }

    public void Request(Department to, string reason) =>
        Emit(EventType.HandoffRequested, Owner, Clerk, Desk, toDepartment: to.Name, reason: reason);

    public void Accept(Department receiver)
    {
        Serve(receiver);
        Emit(EventType.HandoffAccepted, Owner, Clerk, Desk);
    }

    public void Reject(Department receiver, string reason)
    {
        var clerk = Pick(receiver.Employees);
        Emit(EventType.HandoffRejected, receiver, clerk, Pick(receiver.Touchpoints), reason: reason);
    }

    /// <summary>The customer reaches out on their own; without the case id when they just call in.</summary>
    public void Contact(Touchpoint touchpoint, bool namesCase, string why) =>
        Emit(EventType.CustomerContact, department: null, employee: null, touchpoint, reason: why, caseless: !namesCase);

    public void Resolve()
    {
        Mood = Clamp(Mood + (FlairShift(Clerk!.Flair) / 2));
        Emit(EventType.CaseResolved, Owner, Clerk, Desk, sentiment: Mood);
    }

    /// <summary>The customer's score, naming the employee who delighted them, else the last one who served them.</summary>
    public void Feedback(Touchpoint survey)
    {
        var named = _star ?? Clerk!;
        var department = _floor.Roster.Departments.First(d => d.Employees.Contains(named));
        var bonus = named.Flair switch { Flair.Delights => 1.0, Flair.Struggles => -1.5, _ => 0.0 };
        var score = Math.Round(Math.Clamp(5.5 + (4.5 * Mood) + bonus, 0, 10));
        Emit(EventType.Feedback, department, named, survey, sentiment: Mood, score: score, reason: Comment(named, score));
    }

    /// <summary>Moves the whole story in time so that the next event occurs at <paramref name="when"/>.</summary>
    public void Pin(DateTimeOffset when) => _shift = when - At;

    /// <summary>The story is written: sends it, and frees the customer for another one after its last event.</summary>
    public void End()
    {
        var lastDue = _releaseAt;
        foreach (var written in _written)
        {
            var e = _shift == TimeSpan.Zero ? written : written with { OccurredAt = written.OccurredAt + _shift };
            var due = e.OccurredAt < _releaseAt ? _releaseAt : e.OccurredAt;
            if (due > lastDue) lastDue = due;
            _floor.Schedule(due, e, Story);
        }

        _floor.Release(CustomerId, lastDue);
    }

    private void Serve(Department department)
    {
        Owner = department;
        Clerk = Pick(department.Employees);
        Desk = Pick(department.Touchpoints);
        if (Clerk.Flair == Flair.Delights) _star = Clerk;
    }

    private string Comment(Employee named, double score) => score switch
    {
        >= 9 => Pick([$"{named.Name} sorted it out in minutes, thank you!", $"{named.Name} was wonderful", $"Ask for {named.Name}, best service ever"]),
        >= 6 => Pick(["Fine, got what I needed", "OK in the end", "Took a while but done"]),
        _ => Pick(["Had to explain everything twice", "Nobody seemed to know my case", "Still waiting for a proper answer"]),
    };

    private double FlairShift(Flair flair) => flair switch
    {
        Flair.Delights => Between(0.10, 0.25),
        Flair.Steady => Between(0.0, 0.10),
        _ => Between(-0.08, 0.03),
    };

    private double Between(double min, double max) => min + (_random.NextDouble() * (max - min));

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static double Clamp(double mood) => Math.Round(Math.Clamp(mood, -1, 1), 2);

    private void Emit(
        EventType type,
        Department? department,
        Employee? employee,
        Touchpoint? touchpoint,
        double? sentiment = null,
        string? toDepartment = null,
        string? reason = null,
        bool repeatedInfo = false,
        double? score = null,
        bool caseless = false)
    {
        _written.Add(new TouchpointEvent
        {
            EventId = _floor.NewEventId(),
            Type = type,
            OccurredAt = At,
            CustomerId = CustomerId,
            CaseId = caseless ? null : CaseId,
            Department = department?.Name,
            EmployeeId = employee?.Id,
            TouchpointId = touchpoint?.Id,
            Channel = touchpoint?.Channel ?? Channel.Unknown,
            Sentiment = sentiment,
            ToDepartment = toDepartment,
            Reason = reason,
            CustomerRepeatedInfo = repeatedInfo,
            Score = score,
        });
    }
}
