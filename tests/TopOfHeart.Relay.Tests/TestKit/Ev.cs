using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Relay.Tests.TestKit;

/// <summary>
/// Events of one case (<see cref="CaseId"/>, customer <see cref="CustomerId"/>) on a clock that
/// starts at <see cref="T0"/>; extras go on with <c>with { … }</c>.
/// </summary>
internal static class Ev
{
    public const string CaseId = "case-17";
    public const string CustomerId = "c-9";

    public const string Sales = "Sales";
    public const string Billing = "Billing";
    public const string Support = "Support";

    public static readonly DateTimeOffset T0 = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A moment <paramref name="minutes"/> after <see cref="T0"/>.</summary>
    public static DateTimeOffset Min(double minutes) => T0 + TimeSpan.FromMinutes(minutes);

    public static DateTimeOffset OneTickBefore(DateTimeOffset at) => at - TimeSpan.FromTicks(1);

    public static TouchpointEvent Opened(string id, DateTimeOffset at, string department) =>
        Make(id, EventType.CaseOpened, at, department);

    public static TouchpointEvent Interaction(string id, DateTimeOffset at, string department) =>
        Make(id, EventType.Interaction, at, department);

    public static TouchpointEvent Request(string id, DateTimeOffset at, string from, string to) =>
        Make(id, EventType.HandoffRequested, at, from) with { ToDepartment = to, TouchpointId = "store-12/counter-3" };

    public static TouchpointEvent Accept(string id, DateTimeOffset at, string department) =>
        Make(id, EventType.HandoffAccepted, at, department);

    public static TouchpointEvent Reject(string id, DateTimeOffset at, string department, string? reason = null) =>
        Make(id, EventType.HandoffRejected, at, department) with { Reason = reason };

    public static TouchpointEvent Resolved(string id, DateTimeOffset at, string department) =>
        Make(id, EventType.CaseResolved, at, department);

    public static TouchpointEvent Contact(string id, DateTimeOffset at, string? department = null) =>
        Make(id, EventType.CustomerContact, at, department);

    public static TouchpointEvent Feedback(string id, DateTimeOffset at) =>
        Make(id, EventType.Feedback, at, department: null);

    private static TouchpointEvent Make(string id, EventType type, DateTimeOffset at, string? department) => new()
    {
        EventId = id,
        Type = type,
        OccurredAt = at,
        CustomerId = CustomerId,
        CaseId = CaseId,
        Department = department,
        Channel = Channel.Phone,
    };
}
