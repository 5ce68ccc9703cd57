namespace TopOfHeart.Contracts.Events;

/// <summary>What happened at a touchpoint. Wire names are in <see cref="EventTypeNames"/>.</summary>
public enum EventType : byte
{
    CaseOpened = 1,
    Interaction = 2,
    HandoffRequested = 3,
    HandoffAccepted = 4,
    HandoffRejected = 5,
    CaseResolved = 6,
    CustomerContact = 7,
    Feedback = 8,
}

public static class EventTypeNames
{
    public const string CaseOpened = "case.opened";
    public const string Interaction = "interaction";
    public const string HandoffRequested = "handoff.requested";
    public const string HandoffAccepted = "handoff.accepted";
    public const string HandoffRejected = "handoff.rejected";
    public const string CaseResolved = "case.resolved";
    public const string CustomerContact = "customer.contact";
    public const string Feedback = "feedback";

    public static readonly IReadOnlyList<string> All =
    [
        CaseOpened, Interaction, HandoffRequested, HandoffAccepted,
        HandoffRejected, CaseResolved, CustomerContact, Feedback,
    ];

    public static string ToWire(this EventType type) => type switch
    {
        EventType.CaseOpened => CaseOpened,
        EventType.Interaction => Interaction,
        EventType.HandoffRequested => HandoffRequested,
        EventType.HandoffAccepted => HandoffAccepted,
        EventType.HandoffRejected => HandoffRejected,
        EventType.CaseResolved => CaseResolved,
        EventType.CustomerContact => CustomerContact,
        EventType.Feedback => Feedback,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParse(ReadOnlySpan<char> wire, out EventType type)
    {
        type = wire switch
        {
            CaseOpened => EventType.CaseOpened,
            Interaction => EventType.Interaction,
            HandoffRequested => EventType.HandoffRequested,
            HandoffAccepted => EventType.HandoffAccepted,
            HandoffRejected => EventType.HandoffRejected,
            CaseResolved => EventType.CaseResolved,
            CustomerContact => EventType.CustomerContact,
            Feedback => EventType.Feedback,
            _ => 0,
        };
        return type != 0;
    }
}
