namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>Ingest events as the contract spells them (only the fields given are sent).</summary>
internal static class Ev
{
    private static long _sequence;

    /// <summary>A prefix that keeps this run's ids apart from any other run's on a shared silo.</summary>
    public static readonly string Run = Guid.NewGuid().ToString("N")[..6];

    public static string NextId(string hint) => $"{hint}-{Run}-{Interlocked.Increment(ref _sequence)}";

    public static Dictionary<string, object?> Of(
        string type, string? caseId, string customerId, string department, DateTimeOffset at,
        string? toDepartment = null, string? employeeId = null, double? sentiment = null, double? score = null,
        bool? customerRepeatedInfo = null, string? reason = null, string? channel = null, string? touchpointId = null,
        string? eventId = null)
    {
        var e = new Dictionary<string, object?>
        {
            ["eventId"] = eventId ?? NextId("ev"),
            ["type"] = type,
            ["occurredAt"] = at.ToUniversalTime().ToString("O"),
            ["customerId"] = customerId,
            ["department"] = department,
        };
        if (caseId is not null) e["caseId"] = caseId;
        if (toDepartment is not null) e["toDepartment"] = toDepartment;
        if (employeeId is not null) e["employeeId"] = employeeId;
        if (sentiment is not null) e["sentiment"] = sentiment;
        if (score is not null) e["score"] = score;
        if (customerRepeatedInfo is not null) e["customerRepeatedInfo"] = customerRepeatedInfo;
        if (reason is not null) e["reason"] = reason;
        if (channel is not null) e["channel"] = channel;
        if (touchpointId is not null) e["touchpointId"] = touchpointId;
        return e;
    }

    /// <summary>
    /// A baton requested three minutes ago and never picked up: past the default two-minute SLA, so the
    /// <c>DroppedBaton</c> alert (responsible: <paramref name="to"/>) fires as the event arrives.
    /// </summary>
    public static (Dictionary<string, object?> Event, string AlertId) DroppedBaton(string from, string to, string? caseId = null)
    {
        caseId ??= NextId("case");
        var eventId = NextId("ev");
        var e = Of("handoff.requested", caseId, NextId("cust"), from, DateTimeOffset.UtcNow.AddMinutes(-3), toDepartment: to, eventId: eventId);
        return (e, $"DroppedBaton:{caseId}:{eventId}");
    }
}
