using System.Text.Json.Serialization;

namespace TopOfHeart.Contracts.Alerts;

/// <summary>The relay failures of the contract; the wire name is the member name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertKind>))]
public enum AlertKind : byte
{
    DroppedBaton = 1,
    HandoffRejected,
    PingPong,
    CustomerChasing,
    ContextLost,
    SentimentDrop,
    StalledAfterAccept,
}

[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity : byte
{
    [JsonStringEnumMemberName("low")] Low = 1,
    [JsonStringEnumMemberName("medium")] Medium,
    [JsonStringEnumMemberName("high")] High,
    [JsonStringEnumMemberName("critical")] Critical,
}

[JsonConverter(typeof(JsonStringEnumConverter<AlertStatus>))]
public enum AlertStatus : byte
{
    [JsonStringEnumMemberName("open")] Open = 1,
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    [JsonStringEnumMemberName("resolved")] Resolved,
}

public static class AlertVocabulary
{
    public static Severity SeverityOf(AlertKind kind) => kind switch
    {
        AlertKind.CustomerChasing => Severity.Critical,
        AlertKind.DroppedBaton or AlertKind.PingPong => Severity.High,
        _ => Severity.Medium,
    };

    public static string AlertId(AlertKind kind, string caseId, string triggerEventId) =>
        string.Concat(kind.ToString(), ":", caseId, ":", triggerEventId);

    public static bool TryParseKind(string? text, out AlertKind kind) =>
        Enum.TryParse(text, ignoreCase: false, out kind) && Enum.IsDefined(kind);

    public static bool TryParseStatus(string? text, out AlertStatus status)
    {
        status = text switch
        {
            "open" => AlertStatus.Open,
            "acknowledged" => AlertStatus.Acknowledged,
            "resolved" => AlertStatus.Resolved,
            _ => 0,
        };
        return status != 0;
    }

    public const string LatePickup = "late pickup";

    /// <summary>
    /// A <see cref="AlertKind.CustomerChasing"/> alert shown false by an event reported late: at the contact the baton had
    /// already been accepted, refused or the case closed.
    /// </summary>
    public const string Withdrawn = "withdrawn: baton no longer in flight";
}
