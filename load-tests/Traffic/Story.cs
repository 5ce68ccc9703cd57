using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.LoadTests.Traffic;

/// <summary>One event a story will send, and how long after the previous one it happens.</summary>
public readonly record struct StoryStep(
    EventType Type,
    string? Department,
    int DelayMs,
    double? Sentiment = null,
    string? ToDepartment = null,
    string? Reason = null,
    bool CustomerRepeatedInfo = false,
    double? Score = null,
    bool Trigger = false,
    bool Caseless = false);

/// <summary>What became of a step when it was sent: its time, when it was sent, and who served at which touchpoint.</summary>
public struct SentStep
{
    public DateTimeOffset OccurredAt;
    public DateTimeOffset SentAt;
    public byte Employee;
    public byte Touchpoint;
}

/// <summary>
/// One customer's request as the generator tells it: its steps, where it stands, and the relay core that says
/// which alerts the server owes for it.
/// </summary>
/// <remarks>
/// Everything a story records as it goes is values written into arrays it allocated up front: a story lives for
/// seconds (long enough to be promoted by the GC), and old objects pointing at new ones make every young
/// collection slow. Its events are built again from these values for the relay core once the story is told.
/// </remarks>
public sealed class Story
{
    public Story(long number, string kind, string? caseId, string customerId, StoryStep[] steps, AlertKind? planted, DateTimeOffset? backdatedTo)
    {
        Number = number;
        Kind = kind;
        CaseId = caseId;
        CustomerId = customerId;
        Steps = steps;
        Planted = planted;
        BackdatedTo = backdatedTo;
        Sent = new SentStep[steps.Length];
    }

    public long Number { get; }

    /// <summary>"healthy", "walk-in", or the name of the planted alert kind.</summary>
    public string Kind { get; }

    public string? CaseId { get; }

    public string CustomerId { get; }

    public StoryStep[] Steps { get; }

    public AlertKind? Planted { get; }

    /// <summary>Set for timer failures: the steps occur from this time on, in the past, and are sent at once.</summary>
    public DateTimeOffset? BackdatedTo { get; }

    public int Next { get; set; }

    private volatile bool _pending;

    /// <summary>An event of this story is in a request not answered yet.</summary>
    public bool Pending
    {
        get => _pending;
        set => _pending = value;
    }

    public DateTimeOffset LastOccurredAt { get; set; } = DateTimeOffset.MinValue;

    /// <summary>What was sent of each step, for the relay core to replay once the story is told.</summary>
    public SentStep[] Sent { get; }

    public CaseRelay? Oracle { get; set; }

    public bool Done => Next >= Steps.Length;
}
