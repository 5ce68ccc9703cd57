using System.Text;
using System.Text.Json;
using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Silo.Ingestion;

/// <summary>A request body read into events: the valid ones, and each invalid one with its index and reason.</summary>
public sealed class ParsedBatch
{
    /// <summary>Valid events with their index in the request.</summary>
    public List<(int Index, TouchpointEvent Event)> Valid { get; } = [];

    public List<Rejection> Rejected { get; } = [];

    /// <summary>How many events the body held (valid or not).</summary>
    public int Count { get; set; }
}

public sealed record Rejection(int Index, string? EventId, string Error);

/// <summary>Why a whole body was refused.</summary>
public sealed class BodyException(string message, bool tooLarge = false) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>
/// Reads a JSON array (or a single object) or NDJSON of events with <see cref="Utf8JsonReader"/>, checking
/// every field, so one bad event is refused by index with a reason while its neighbours go through.
/// </summary>
public static class EventParser
{
    public const int MaxEvents = 10_000;
    public const int MaxIdLength = 128;

    /// <summary>
    /// One string per recurring value across requests (2^17 slots, values up to the longest valid id): ids, and the
    /// reasons of handoffs, which most floors pick from a short list (unpooled, one reason took a string per event in
    /// every open case that kept it: about 140 bytes a case under the load tests' traffic).
    /// </summary>
    private static readonly Utf8StringPool Ids = new(slotsLog2: 17, maxLength: MaxIdLength * 4);
    public const int MaxTextLength = 4_096;
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow };

    public static ParsedBatch Parse(ReadOnlySpan<byte> body, bool ndjson, DateTimeOffset now)
    {
        var trimmed = TrimStart(body);
        if (trimmed.IsEmpty) throw new BodyException("The body is empty: send a JSON array of events or one event per line (NDJSON).");
        if (trimmed.Length >= 3 && trimmed[0] == 0xEF && trimmed[1] == 0xBB && trimmed[2] == 0xBF) trimmed = TrimStart(trimmed[3..]);

        var batch = new ParsedBatch();
        if (!ndjson && trimmed[0] == (byte)'[')
        {
            ParseArray(trimmed, batch, now);
        }
        else if (!ndjson && trimmed[0] == (byte)'{' && IsSingleValue(trimmed))
        {
            var reader = new Utf8JsonReader(trimmed, ReaderOptions);
            reader.Read();
            ReadOne(ref reader, 0, batch, now);
        }
        else if (ndjson || trimmed[0] == (byte)'{')
        {
            ParseLines(trimmed, batch, now);
        }
        else
        {
            throw new BodyException("The body is not JSON: expected a JSON array of events, or one JSON event per line (NDJSON).");
        }

        return batch;
    }

    private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length && span[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return span[i..];
    }

    private static bool IsSingleValue(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            if (!reader.Read() || !reader.TrySkip()) return false;
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void ParseArray(ReadOnlySpan<byte> body, ParsedBatch batch, DateTimeOffset now)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        try
        {
            reader.Read(); // [
            var index = 0;
            while (true)
            {
                if (!reader.Read()) throw new BodyException("The JSON array is not closed.");
                if (reader.TokenType == JsonTokenType.EndArray) break;
                if (index >= MaxEvents) throw new BodyException($"More than {MaxEvents} events in one request.", tooLarge: true);
                ReadOne(ref reader, index++, batch, now);
            }

            if (reader.Read()) throw new BodyException("Unexpected content after the JSON array.");
        }
        catch (JsonException ex)
        {
            throw new BodyException($"The body is not valid JSON: {Describe(ex)} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
    }

    private static void ParseLines(ReadOnlySpan<byte> body, ParsedBatch batch, DateTimeOffset now)
    {
        var index = 0;
        var anyJson = false;
        while (!body.IsEmpty)
        {
            var newline = body.IndexOf((byte)'\n');
            var line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? [] : body[(newline + 1)..];
            line = TrimStart(line);
            while (!line.IsEmpty && line[^1] is (byte)' ' or (byte)'\t' or (byte)'\r') line = line[..^1];
            if (line.IsEmpty) continue;
            if (index >= MaxEvents) throw new BodyException($"More than {MaxEvents} events in one request.", tooLarge: true);

            try
            {
                var reader = new Utf8JsonReader(line, ReaderOptions);
                reader.Read();
                anyJson = true;
                var before = batch.Valid.Count + batch.Rejected.Count;
                ReadOne(ref reader, index, batch, now);
                if (reader.Read())
                {
                    // More than one value on the line: refuse the line whole.
                    if (batch.Valid.Count + batch.Rejected.Count > before)
                    {
                        if (batch.Valid.Count > 0 && batch.Valid[^1].Index == index) batch.Valid.RemoveAt(batch.Valid.Count - 1);
                        else batch.Rejected.RemoveAt(batch.Rejected.Count - 1);
                    }

                    batch.Rejected.Add(new Rejection(index, null, "More than one JSON value on this line; NDJSON takes one event per line."));
                }
            }
            catch (JsonException ex)
            {
                RemoveEntriesFor(batch, index);
                batch.Rejected.Add(new Rejection(index, null, $"This line is not valid JSON: {Describe(ex)}."));
            }

            index++;
        }

        if (!anyJson) throw new BodyException("The body is not JSON: no line holds a JSON value.");
        batch.Count = index;
    }

    private static void RemoveEntriesFor(ParsedBatch batch, int index)
    {
        batch.Valid.RemoveAll(v => v.Index == index);
        batch.Rejected.RemoveAll(r => r.Index == index);
    }

    private static string Describe(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    /// <summary>Reads the value at the reader (already on its first token) as one event.</summary>
    private static void ReadOne(ref Utf8JsonReader reader, int index, ParsedBatch batch, DateTimeOffset now)
    {
        batch.Count = Math.Max(batch.Count, index + 1);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            batch.Rejected.Add(new Rejection(index, null, "An event must be a JSON object."));
            return;
        }

        var draft = new Draft();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Field.Unknown;
            if (reader.ValueSpan.Length <= 24 && !reader.ValueIsEscaped) field = FieldOf(reader.ValueSpan);
            else if (reader.ValueIsEscaped) field = FieldOf(Encoding.UTF8.GetBytes(UnescapedName(ref reader)));
            reader.Read();
            if (field == Field.Unknown)
            {
                reader.Skip(); // Unknown fields are ignored.
                continue;
            }

            draft.Read(field, ref reader);
        }

        var error = draft.Validate(now, out var e);
        if (error is null) batch.Valid.Add((index, e!));
        else batch.Rejected.Add(new Rejection(index, draft.EventIdForReport, error));
    }

    private static string UnescapedName(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return string.Empty; // Not valid UTF-8: no known field has such a name.
        }
    }

    private enum Field
    {
        Unknown,
        EventId,
        Type,
        OccurredAt,
        CustomerId,
        CaseId,
        Department,
        EmployeeId,
        TouchpointId,
        Channel,
        Sentiment,
        ToDepartment,
        Reason,
        CustomerRepeatedInfo,
        Score,
    }

    private static Field FieldOf(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("eventId"u8) => Field.EventId,
        _ when name.SequenceEqual("type"u8) => Field.Type,
        _ when name.SequenceEqual("occurredAt"u8) => Field.OccurredAt,
        _ when name.SequenceEqual("customerId"u8) => Field.CustomerId,
        _ when name.SequenceEqual("caseId"u8) => Field.CaseId,
        _ when name.SequenceEqual("department"u8) => Field.Department,
        _ when name.SequenceEqual("employeeId"u8) => Field.EmployeeId,
        _ when name.SequenceEqual("touchpointId"u8) => Field.TouchpointId,
        _ when name.SequenceEqual("channel"u8) => Field.Channel,
        _ when name.SequenceEqual("sentiment"u8) => Field.Sentiment,
        _ when name.SequenceEqual("toDepartment"u8) => Field.ToDepartment,
        _ when name.SequenceEqual("reason"u8) => Field.Reason,
        _ when name.SequenceEqual("customerRepeatedInfo"u8) => Field.CustomerRepeatedInfo,
        _ when name.SequenceEqual("score"u8) => Field.Score,
        _ => Field.Unknown,
    };

    /// <summary>The fields of one event as read, before the contract's checks.</summary>
    private sealed class Draft
    {
        private string? _eventId;
        private string? _type;
        private string? _occurredAt;
        private string? _customerId;
        private string? _caseId;
        private string? _department;
        private string? _employeeId;
        private string? _touchpointId;
        private string? _channel;
        private double? _sentiment;
        private string? _toDepartment;
        private string? _reason;
        private bool? _repeated;
        private double? _score;
        private string? _firstError;

        public string? EventIdForReport => _eventId is { Length: > 0 and <= MaxIdLength } ? _eventId : null;

        public void Read(Field field, ref Utf8JsonReader reader)
        {
            switch (field)
            {
                case Field.EventId: _eventId = String(ref reader, "eventId"); break;
                case Field.Type: _type = String(ref reader, "type"); break;
                case Field.OccurredAt: _occurredAt = String(ref reader, "occurredAt"); break;
                case Field.CustomerId: _customerId = String(ref reader, "customerId", pooled: true); break;
                case Field.CaseId: _caseId = String(ref reader, "caseId", pooled: true); break;
                case Field.Department: _department = String(ref reader, "department", pooled: true); break;
                case Field.EmployeeId: _employeeId = String(ref reader, "employeeId", pooled: true); break;
                case Field.TouchpointId: _touchpointId = String(ref reader, "touchpointId", pooled: true); break;
                case Field.Channel: _channel = String(ref reader, "channel"); break;
                case Field.Sentiment: _sentiment = Number(ref reader, "sentiment"); break;
                case Field.ToDepartment: _toDepartment = String(ref reader, "toDepartment", pooled: true); break;
                case Field.Reason: _reason = String(ref reader, "reason", pooled: true); break;
                case Field.CustomerRepeatedInfo: _repeated = Bool(ref reader, "customerRepeatedInfo"); break;
                case Field.Score: _score = Number(ref reader, "score"); break;
            }
        }

        private void Fail(string error) => _firstError ??= error;

        /// <param name="pooled">A value that recurs across events: share one string per value (see <see cref="Utf8StringPool"/>).</param>
        private string? String(ref Utf8JsonReader reader, string name, bool pooled = false)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.String:
                    var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                    if (length > MaxTextLength * 4)
                    {
                        Fail($"{name} is longer than {MaxTextLength} characters.");
                        return null;
                    }

                    try
                    {
                        return pooled && !reader.HasValueSequence && !reader.ValueIsEscaped ? Ids.Get(reader.ValueSpan) : reader.GetString();
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or DecoderFallbackException)
                    {
                        Fail($"{name} is not valid UTF-8 text.");
                        return null;
                    }

                default:
                    Fail($"{name} must be a string, not {Describe(reader.TokenType)}.");
                    reader.Skip();
                    return null;
            }
        }

        private double? Number(ref Utf8JsonReader reader, string name)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.Number when reader.TryGetDouble(out var value) && double.IsFinite(value):
                    return value;
                case JsonTokenType.Number:
                    Fail($"{name} is out of range for a number.");
                    return null;
                default:
                    Fail($"{name} must be a number, not {Describe(reader.TokenType)}.");
                    reader.Skip();
                    return null;
            }
        }

        private bool? Bool(ref Utf8JsonReader reader, string name)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null: return null;
                case JsonTokenType.True: return true;
                case JsonTokenType.False: return false;
                default:
                    Fail($"{name} must be true or false, not {Describe(reader.TokenType)}.");
                    reader.Skip();
                    return null;
            }
        }

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            _ => token.ToString().ToLowerInvariant(),
        };

        public string? Validate(DateTimeOffset now, out TouchpointEvent? e)
        {
            e = null;
            if (_firstError is not null) return _firstError;
            if (Id(_eventId, "eventId", required: true) is { } idError) return idError;
            if (_type is null) return "type is required.";
            if (!EventTypeNames.TryParse(_type, out var type))
                return $"type '{Clip(_type)}' is not one of {string.Join(", ", EventTypeNames.All)}.";
            if (_occurredAt is null) return "occurredAt is required.";
            if (!TryParseTimestamp(_occurredAt, out var occurredAt))
                return $"occurredAt '{Clip(_occurredAt)}' is not an RFC 3339 timestamp (e.g. 2026-11-23T14:05:00Z).";
            if (occurredAt > now + MaxFutureSkew)
                return $"occurredAt {_occurredAt} is more than 5 minutes in the future (server time {now:O}).";
            if (Id(_customerId, "customerId", required: true) is { } customerError) return customerError;

            var needsCase = type is EventType.CaseOpened or EventType.HandoffRequested or EventType.HandoffAccepted
                or EventType.HandoffRejected or EventType.CaseResolved;
            var needsDepartment = needsCase || type == EventType.Interaction;
            if (Id(_caseId, "caseId", required: needsCase, because: type) is { } caseError) return caseError;
            if (Id(_department, "department", required: needsDepartment, because: type) is { } departmentError) return departmentError;
            if (Id(_employeeId, "employeeId", required: false) is { } employeeError) return employeeError;
            if (Id(_touchpointId, "touchpointId", required: false) is { } touchpointError) return touchpointError;
            if (Id(_toDepartment, "toDepartment", required: type == EventType.HandoffRequested, because: type) is { } toError) return toError;
            if (type == EventType.HandoffRequested && _toDepartment == _department)
                return "toDepartment must differ from department.";

            var channel = Channel.Unknown;
            if (_channel is not null && !ChannelNames.TryParse(_channel, out channel))
                return $"channel '{Clip(_channel)}' is not one of {string.Join(", ", ChannelNames.All)}.";
            if (_sentiment is { } sentiment && sentiment is < -1 or > 1)
                return $"sentiment must be between -1 and 1 (got {sentiment}).";
            if (_score is { } score)
            {
                if (type != EventType.Feedback) return "score is only allowed on feedback events.";
                if (score is < 0 or > 10) return $"score must be between 0 and 10 (got {score}).";
            }

            if (_reason is { Length: > MaxTextLength }) return $"reason is longer than {MaxTextLength} characters.";

            e = new TouchpointEvent
            {
                EventId = _eventId!,
                Type = type,
                OccurredAt = occurredAt,
                CustomerId = _customerId!,
                CaseId = _caseId,
                Department = _department,
                EmployeeId = _employeeId,
                TouchpointId = _touchpointId,
                Channel = channel,
                Sentiment = _sentiment,
                ToDepartment = type == EventType.HandoffRequested ? _toDepartment : null,
                Reason = _reason,
                CustomerRepeatedInfo = _repeated ?? false,
                Score = _score,
            };
            return null;
        }

        private static string? Id(string? value, string name, bool required, EventType? because = null)
        {
            if (value is null)
            {
                if (!required) return null;
                return because is { } type ? $"{name} is required for {type.ToWire()} events." : $"{name} is required.";
            }

            if (value.Length is 0 or > MaxIdLength) return $"{name} must be 1 to {MaxIdLength} characters (got {value.Length}).";
            return null;
        }

        private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
    }

    /// <summary>RFC 3339: a full date, a time, and a zone (Z or ±hh:mm).</summary>
    internal static bool TryParseTimestamp(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 20 || text.Length > 40) return false;
        if (text[4] != '-' || text[7] != '-' || text[10] is not ('T' or 't' or ' ')) return false;
        var last = text[^1];
        var hasZone = last is 'Z' or 'z' || (text.Length >= 6 && text[^3] == ':' && text[^6] is '+' or '-');
        if (!hasZone) return false;
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.RoundtripKind, out value);
    }
}
