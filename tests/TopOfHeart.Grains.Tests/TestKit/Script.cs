using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Grains.Tests.TestKit;

/// <summary>
/// The events of one case with ids no other test uses (the cluster is shared by a test class).
/// Extras go on with <c>with { … }</c>.
/// </summary>
public sealed class Script
{
    private static int _unique;
    private int _events;

    public Script(string name, string? customerId = null)
    {
        var unique = Interlocked.Increment(ref _unique);
        CaseId = $"{name}-{unique}";
        CustomerId = customerId ?? $"customer-{name}-{unique}";
    }

    public string CaseId { get; }

    public string CustomerId { get; }

    /// <summary>A department name no other test uses, so its figures are this test's alone.</summary>
    public static string Department(string name) => $"{name}-{Interlocked.Increment(ref _unique)}";

    public static string Unique(string name) => $"{name}-{Interlocked.Increment(ref _unique)}";

    public string AlertId(AlertKind kind, TouchpointEvent trigger) => AlertVocabulary.AlertId(kind, CaseId, trigger.EventId);

    public TouchpointEvent Opened(DateTimeOffset at, string department) => Make(EventType.CaseOpened, at, department);

    public TouchpointEvent Interaction(DateTimeOffset at, string department) => Make(EventType.Interaction, at, department);

    public TouchpointEvent Request(DateTimeOffset at, string from, string to) =>
        Make(EventType.HandoffRequested, at, from) with { ToDepartment = to };

    public TouchpointEvent Accept(DateTimeOffset at, string department) => Make(EventType.HandoffAccepted, at, department);

    public TouchpointEvent Reject(DateTimeOffset at, string department, string? reason = null) =>
        Make(EventType.HandoffRejected, at, department) with { Reason = reason };

    public TouchpointEvent Resolved(DateTimeOffset at, string department) => Make(EventType.CaseResolved, at, department);

    public TouchpointEvent Contact(DateTimeOffset at) => Make(EventType.CustomerContact, at, department: null);

    /// <summary>A contact that names no case: the customer grain decides which of their cases it chases.</summary>
    public TouchpointEvent ContactWithoutCase(DateTimeOffset at) => Contact(at) with { CaseId = null };

    public TouchpointEvent Feedback(DateTimeOffset at, double score) =>
        Make(EventType.Feedback, at, department: null) with { Score = score };

    private TouchpointEvent Make(EventType type, DateTimeOffset at, string? department) => new()
    {
        EventId = $"{CaseId}.e{Interlocked.Increment(ref _events)}",
        Type = type,
        OccurredAt = at,
        CustomerId = CustomerId,
        CaseId = CaseId,
        Department = department,
        Channel = Channel.Phone,
    };
}
