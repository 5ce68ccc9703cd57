using System.Text.Json.Nodes;
using TopOfHeart.Contracts.Alerts;

namespace TopOfHeart.Silo.Tests.TestKit;

/// <summary>The wire events of one case (camelCase JSON, as an integrator sends them), with ids no other test uses.</summary>
public sealed class Story
{
    private static int _unique;
    private int _events;

    public Story(string name, string? customerId = null, string? caseId = null)
    {
        var unique = Interlocked.Increment(ref _unique);
        CaseId = caseId ?? $"{name}-{unique}";
        CustomerId = customerId ?? $"customer-{name}-{unique}";
    }

    public string CaseId { get; }

    public string CustomerId { get; }

    public static string Unique(string name) => $"{name}-{Interlocked.Increment(ref _unique)}";

    public string AlertId(AlertKind kind, JsonObject trigger) => AlertVocabulary.AlertId(kind, CaseId, Id(trigger));

    public static string Id(JsonObject e) => e["eventId"]!.GetValue<string>();

    public JsonObject Opened(DateTimeOffset at, string department) => Make("case.opened", at, department);

    public JsonObject Interaction(DateTimeOffset at, string department) => Make("interaction", at, department);

    public JsonObject Request(DateTimeOffset at, string from, string to) => Make("handoff.requested", at, from).With("toDepartment", to);

    public JsonObject Accept(DateTimeOffset at, string department) => Make("handoff.accepted", at, department);

    public JsonObject Reject(DateTimeOffset at, string department) => Make("handoff.rejected", at, department);

    public JsonObject Resolved(DateTimeOffset at, string department) => Make("case.resolved", at, department);

    public JsonObject Contact(DateTimeOffset at) => Make("customer.contact", at, department: null);

    public JsonObject Feedback(DateTimeOffset at, double score) => Make("feedback", at, department: null).With("score", score);

    private JsonObject Make(string type, DateTimeOffset at, string? department)
    {
        var e = new JsonObject
        {
            ["eventId"] = $"{CaseId}.e{Interlocked.Increment(ref _events)}",
            ["type"] = type,
            ["occurredAt"] = at.ToString("O"),
            ["customerId"] = CustomerId,
            ["caseId"] = CaseId,
        };
        return department is null ? e : e.With("department", department);
    }
}

public static class JsonObjectExtensions
{
    /// <summary>Sets a field (null removes it) and returns the same event, for building events inline.</summary>
    public static JsonObject With(this JsonObject e, string field, JsonNode? value)
    {
        if (value is null) e.Remove(field);
        else e[field] = value;
        return e;
    }

    public static JsonObject Without(this JsonObject e, string field)
    {
        e.Remove(field);
        return e;
    }
}
