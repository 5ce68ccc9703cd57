using System.Buffers;
using System.Text.Json;
using TopOfHeart.Contracts.Events;

namespace TopOfHeart.LoadTests.Traffic;

/// <summary>Writes a batch as the contract's JSON array of events (camelCase), the way an integrator would send it.</summary>
public static class EventWire
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static byte[] ToJson(IReadOnlyList<TouchpointEvent> events)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(128 * 1024);
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            json.WriteStartArray();
            foreach (var e in events) Write(json, e);
            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter json, TouchpointEvent e)
    {
        json.WriteStartObject();
        json.WriteString("eventId", e.EventId);
        json.WriteString("type", e.Type.ToWire());
        json.WriteString("occurredAt", e.OccurredAt);
        json.WriteString("customerId", e.CustomerId);
        if (e.CaseId is { } caseId) json.WriteString("caseId", caseId);
        if (e.Department is { } department) json.WriteString("department", department);
        if (e.EmployeeId is { } employee) json.WriteString("employeeId", employee);
        if (e.TouchpointId is { } touchpoint) json.WriteString("touchpointId", touchpoint);
        if (e.Channel != Channel.Unknown) json.WriteString("channel", e.Channel.ToWire());
        if (e.Sentiment is { } sentiment) json.WriteNumber("sentiment", sentiment);
        if (e.ToDepartment is { } to) json.WriteString("toDepartment", to);
        if (e.Reason is { } reason) json.WriteString("reason", reason);
        if (e.CustomerRepeatedInfo) json.WriteBoolean("customerRepeatedInfo", true);
        if (e.Score is { } score) json.WriteNumber("score", score);
        json.WriteEndObject();
    }
}
