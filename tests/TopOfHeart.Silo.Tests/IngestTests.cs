using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopOfHeart.Silo.Tests.TestKit;

namespace TopOfHeart.Silo.Tests;

/// <summary><c>POST /api/v1/events</c>, as the contract's Ingest section promises it.</summary>
public sealed class IngestTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private DateTimeOffset Now => silo.Now;

    private static JsonElement[] Rejected(Reply reply) => [.. reply.Json.GetProperty("rejected").EnumerateArray()];

    private async Task<int> CaseEventCountAsync(string caseId)
    {
        var reply = await silo.GetAsync($"/api/v1/cases/{Uri.EscapeDataString(caseId)}");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Json.GetProperty("eventCount").GetInt32();
    }

    [Fact]
    public async Task Valid_events_get_202_with_accepted_duplicates_and_an_empty_rejected_list()
    {
        var s = new Story("valid");

        var reply = await silo.PostEventsAsync(s.Opened(Now, "Sales"), s.Interaction(Now, "Sales"));

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        Assert.Equal("application/json", reply.MediaType);
        Assert.Equal(["accepted", "duplicates", "rejected"], reply.Json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(2, reply.Json.GetProperty("accepted").GetInt32());
        Assert.Equal(0, reply.Json.GetProperty("duplicates").GetInt32());
        Assert.Empty(Rejected(reply));
    }

    [Fact]
    public async Task Invalid_events_are_listed_by_index_eventId_and_reason_and_their_valid_neighbours_are_still_applied()
    {
        var s = new Story("mixed");
        var badType = s.Interaction(Now, "Sales").With("type", "case.exploded");
        var noCustomer = s.Interaction(Now, "Sales").Without("customerId");

        var reply = await silo.PostEventsAsync(s.Opened(Now, "Sales"), badType, s.Interaction(Now, "Sales"), noCustomer);

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        Assert.Equal(2, reply.Json.GetProperty("accepted").GetInt32());
        var rejected = Rejected(reply);
        Assert.Equal(2, rejected.Length);
        Assert.Equal((1, Story.Id(badType)), (rejected[0].GetProperty("index").GetInt32(), rejected[0].GetProperty("eventId").GetString()));
        Assert.Contains("type", rejected[0].GetProperty("error").GetString());
        Assert.Equal((3, Story.Id(noCustomer)), (rejected[1].GetProperty("index").GetInt32(), rejected[1].GetProperty("eventId").GetString()));
        Assert.Contains("customerId", rejected[1].GetProperty("error").GetString());
        Assert.Equal(2, await CaseEventCountAsync(s.CaseId));
    }

    [Fact]
    public async Task Ndjson_bodies_carry_one_event_per_line_and_a_broken_line_is_rejected_by_its_index()
    {
        var s = new Story("ndjson");
        var body = string.Join("\n",
            s.Opened(Now, "Sales").ToJsonString(),
            "{ this is not json",
            s.Interaction(Now, "Sales").ToJsonString(),
            "") + "\n";

        var reply = await silo.PostRawAsync(body, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        Assert.Equal(2, reply.Json.GetProperty("accepted").GetInt32());
        var rejected = Assert.Single(Rejected(reply));
        Assert.Equal(1, rejected.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, rejected.GetProperty("eventId").ValueKind);
        Assert.Contains("JSON", rejected.GetProperty("error").GetString());
        Assert.Equal(2, await CaseEventCountAsync(s.CaseId));
    }

    [Fact]
    public async Task A_single_json_object_is_taken_as_one_event()
    {
        var s = new Story("single");

        var reply = await silo.PostRawAsync(s.Opened(Now, "Sales").ToJsonString(), "application/json");

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        Assert.Equal(1, reply.Json.GetProperty("accepted").GetInt32());
        Assert.Equal(1, await CaseEventCountAsync(s.CaseId));
    }

    [Theory]
    [InlineData("hello, world", "text/plain")]
    [InlineData("<events><event/></events>", "application/json")]
    [InlineData("[{\"eventId\": \"a\",", "application/json")]
    [InlineData("not json at all\nnor this", "application/x-ndjson")]
    public async Task A_body_that_is_not_json_is_refused_with_400_problem_json(string body, string contentType)
    {
        var reply = await silo.PostRawAsync(body, contentType);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.Equal(400, reply.Json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(reply.Text("detail")));
    }

    [Fact]
    public async Task A_batch_whose_every_event_was_rejected_is_400_problem_json_with_the_rejected_list()
    {
        var s = new Story("all-rejected");
        var first = s.Opened(Now, "Sales").Without("department");
        var second = s.Interaction(Now, "Sales").With("sentiment", 7);

        var reply = await silo.PostEventsAsync(first, second);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
        var rejected = Rejected(reply);
        Assert.Equal([0, 1], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([Story.Id(first), Story.Id(second)], rejected.Select(r => r.GetProperty("eventId").GetString()));
        Assert.Contains("department", rejected[0].GetProperty("error").GetString());
        Assert.Contains("sentiment", rejected[1].GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await silo.GetAsync($"/api/v1/cases/{s.CaseId}")).Status);
    }

    [Fact]
    public async Task An_empty_batch_is_refused_with_400()
    {
        var reply = await silo.PostRawAsync("[]", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
    }

    private static string ManyEvents(int count, bool ndjson)
    {
        // Events that fail validation (no customerId): cheap for the server, and still counted against the limit.
        var lines = Enumerable.Range(0, count).Select(i => $"{{\"eventId\":\"bulk-{i}\",\"type\":\"interaction\"}}");
        return ndjson ? string.Join("\n", lines) : "[" + string.Join(",", lines) + "]";
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task More_than_10000_events_in_one_request_is_413_and_10000_is_not(bool ndjson)
    {
        var contentType = ndjson ? "application/x-ndjson" : "application/json";

        var tooMany = await silo.PostRawAsync(ManyEvents(10_001, ndjson), contentType);
        var atLimit = await silo.PostRawAsync(ManyEvents(10_000, ndjson), contentType);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.Status);
        Assert.Equal("application/problem+json", tooMany.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, atLimit.Status);
        Assert.Equal(10_000, Rejected(atLimit).Length);
    }

    private const int FourMiB = 4 * 1024 * 1024;

    /// <summary>One valid event padded with an ignored field to exactly <paramref name="bytes"/> bytes.</summary>
    private static string PaddedEvent(JsonObject e, int bytes)
    {
        var bare = new JsonArray(e.DeepClone().AsObject().With("notes", "")).ToJsonString();
        var padding = bytes - Encoding.UTF8.GetByteCount(bare);
        return new JsonArray(e.DeepClone().AsObject().With("notes", new string('x', padding))).ToJsonString();
    }

    [Fact]
    public async Task A_body_larger_than_4_MiB_is_413_and_one_of_exactly_4_MiB_is_accepted()
    {
        var s = new Story("size");
        var atLimit = PaddedEvent(s.Opened(Now, "Sales"), FourMiB);
        var tooLarge = PaddedEvent(s.Interaction(Now, "Sales"), FourMiB + 1);
        Assert.Equal(FourMiB, Encoding.UTF8.GetByteCount(atLimit));

        var refused = await silo.PostRawAsync(tooLarge, "application/json");
        var accepted = await silo.PostRawAsync(atLimit, "application/json");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.Status);
        Assert.Equal("application/problem+json", refused.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
        Assert.Equal(1, await CaseEventCountAsync(s.CaseId));
    }

    [Fact]
    public async Task A_chunked_body_larger_than_4_MiB_without_a_content_length_is_413()
    {
        var s = new Story("chunked");
        var body = Encoding.UTF8.GetBytes(PaddedEvent(s.Opened(Now, "Sales"), FourMiB + 1024));
        using var content = new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new("application/json");

        var reply = await Reply.ReadAsync(await silo.Http.PostAsync("/api/v1/events", content));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await silo.GetAsync($"/api/v1/cases/{s.CaseId}")).Status);
    }

    [Fact]
    public async Task A_repeated_event_id_within_one_request_is_a_duplicate()
    {
        var s = new Story("dup-in-request");
        var opened = s.Opened(Now, "Sales");

        var reply = await silo.PostEventsAsync(opened, s.Interaction(Now, "Sales"), opened);

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        Assert.Equal((2, 1), (reply.Json.GetProperty("accepted").GetInt32(), reply.Json.GetProperty("duplicates").GetInt32()));
        Assert.Empty(Rejected(reply));
        Assert.Equal(2, await CaseEventCountAsync(s.CaseId));
    }

    [Fact]
    public async Task A_repeated_event_id_in_a_later_request_is_a_duplicate_and_is_not_applied_twice()
    {
        var s = new Story("dup-across");
        var opened = s.Opened(Now, "Sales");
        var interaction = s.Interaction(Now, "Sales");
        var caseless = s.Contact(Now).Without("caseId");
        await silo.IngestAsync(opened, interaction, caseless);

        var reply = await silo.PostEventsAsync(interaction, s.Interaction(Now, "Sales"), caseless, opened);

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        Assert.Equal((1, 3), (reply.Json.GetProperty("accepted").GetInt32(), reply.Json.GetProperty("duplicates").GetInt32()));
        var customer = await silo.GetAsync($"/api/v1/customers/{s.CustomerId}");
        Assert.Equal(4, customer.Json.GetProperty("eventCount").GetInt32());
        Assert.Equal(1, customer.Json.GetProperty("contacts").GetInt32());
    }

    [Fact]
    public async Task An_event_more_than_5_minutes_in_the_future_is_rejected_and_one_within_5_minutes_or_in_the_past_is_not()
    {
        var s = new Story("future");
        var tooFar = s.Interaction(Now + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1), "Sales");

        var reply = await silo.PostEventsAsync(
            s.Opened(Now - TimeSpan.FromDays(2), "Sales"),
            s.Interaction(Now + TimeSpan.FromMinutes(5), "Sales"),
            tooFar);

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        Assert.Equal(2, reply.Json.GetProperty("accepted").GetInt32());
        var rejected = Assert.Single(Rejected(reply));
        Assert.Equal((2, Story.Id(tooFar)), (rejected.GetProperty("index").GetInt32(), rejected.GetProperty("eventId").GetString()));
        Assert.Contains("occurredAt", rejected.GetProperty("error").GetString());
        Assert.Contains("future", rejected.GetProperty("error").GetString());
    }

    /// <summary>Each broken field: the event to start from, how it is broken, and the field its error must name.</summary>
    private static readonly Dictionary<string, (string Type, Action<JsonObject> Break, string Field)> Breakages = new()
    {
        ["eventId missing"] = ("interaction", e => e.Remove("eventId"), "eventId"),
        ["eventId empty"] = ("interaction", e => e["eventId"] = "", "eventId"),
        ["eventId 129 characters"] = ("interaction", e => e["eventId"] = new string('e', 129), "eventId"),
        ["eventId a number"] = ("interaction", e => e["eventId"] = 42, "eventId"),
        ["type missing"] = ("interaction", e => e.Remove("type"), "type"),
        ["type unknown"] = ("interaction", e => e["type"] = "case.closed", "type"),
        ["occurredAt missing"] = ("interaction", e => e.Remove("occurredAt"), "occurredAt"),
        ["occurredAt not a timestamp"] = ("interaction", e => e["occurredAt"] = "yesterday", "occurredAt"),
        ["occurredAt without a zone"] = ("interaction", e => e["occurredAt"] = "2026-03-02T10:00:00", "occurredAt"),
        ["occurredAt a number"] = ("interaction", e => e["occurredAt"] = 1767225600, "occurredAt"),
        ["customerId missing"] = ("interaction", e => e.Remove("customerId"), "customerId"),
        ["customerId 129 characters"] = ("interaction", e => e["customerId"] = new string('c', 129), "customerId"),
        ["caseId missing on case.opened"] = ("case.opened", e => e.Remove("caseId"), "caseId"),
        ["caseId missing on handoff.requested"] = ("handoff.requested", e => e.Remove("caseId"), "caseId"),
        ["caseId missing on handoff.accepted"] = ("handoff.accepted", e => e.Remove("caseId"), "caseId"),
        ["caseId missing on handoff.rejected"] = ("handoff.rejected", e => e.Remove("caseId"), "caseId"),
        ["caseId missing on case.resolved"] = ("case.resolved", e => e.Remove("caseId"), "caseId"),
        ["caseId empty"] = ("interaction", e => e["caseId"] = "", "caseId"),
        ["department missing on interaction"] = ("interaction", e => e.Remove("department"), "department"),
        ["department missing on handoff.requested"] = ("handoff.requested", e => e.Remove("department"), "department"),
        ["department missing on case.opened"] = ("case.opened", e => e.Remove("department"), "department"),
        ["toDepartment missing"] = ("handoff.requested", e => e.Remove("toDepartment"), "toDepartment"),
        ["toDepartment same as department"] = ("handoff.requested", e => e["toDepartment"] = "Sales", "toDepartment"),
        ["employeeId empty"] = ("interaction", e => e["employeeId"] = "", "employeeId"),
        ["touchpointId 129 characters"] = ("interaction", e => e["touchpointId"] = new string('t', 129), "touchpointId"),
        ["channel unknown"] = ("interaction", e => e["channel"] = "fax", "channel"),
        ["channel a number"] = ("interaction", e => e["channel"] = 3, "channel"),
        ["sentiment above 1"] = ("interaction", e => e["sentiment"] = 1.5, "sentiment"),
        ["sentiment below -1"] = ("interaction", e => e["sentiment"] = -1.01, "sentiment"),
        ["sentiment a string"] = ("interaction", e => e["sentiment"] = "happy", "sentiment"),
        ["score above 10"] = ("feedback", e => e["score"] = 11, "score"),
        ["score below 0"] = ("feedback", e => e["score"] = -1, "score"),
        ["score on an interaction"] = ("interaction", e => e["score"] = 5, "score"),
        ["customerRepeatedInfo a string"] = ("interaction", e => e["customerRepeatedInfo"] = "yes", "customerRepeatedInfo"),
        ["reason longer than 4096"] = ("handoff.rejected", e => e["reason"] = new string('r', 4097), "reason"),
    };

    public static TheoryData<string> BrokenFields => [.. Breakages.Keys];

    private JsonObject Valid(Story s, string type) => type switch
    {
        "case.opened" => s.Opened(Now, "Sales"),
        "interaction" => s.Interaction(Now, "Sales"),
        "handoff.requested" => s.Request(Now, "Sales", "Billing"),
        "handoff.accepted" => s.Accept(Now, "Billing"),
        "handoff.rejected" => s.Reject(Now, "Billing"),
        "case.resolved" => s.Resolved(Now, "Sales"),
        "feedback" => s.Feedback(Now, 8),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Theory]
    [MemberData(nameof(BrokenFields))]
    public async Task Each_invalid_field_is_rejected_with_an_error_naming_that_field(string breakage)
    {
        var (type, breakIt, field) = Breakages[breakage];
        var s = new Story("field");
        var broken = Valid(s, type);
        breakIt(broken);
        var neighbour = Valid(s, type);

        var reply = await silo.PostEventsAsync(broken, neighbour);

        Assert.True(reply.Status == HttpStatusCode.Accepted, reply.ToString());
        Assert.Equal(1, reply.Json.GetProperty("accepted").GetInt32());
        var rejected = Assert.Single(Rejected(reply));
        Assert.Equal(0, rejected.GetProperty("index").GetInt32());
        Assert.Contains(field, rejected.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_event_type_of_the_contract_is_accepted_with_its_optional_fields()
    {
        var s = new Story("all-types");
        var reply = await silo.PostEventsAsync(
            s.Opened(Now, "Sales").With("employeeId", "emp-1").With("touchpointId", "store-12/counter-3").With("channel", "store"),
            s.Interaction(Now, "Sales").With("sentiment", -1).With("customerRepeatedInfo", true).With("channel", "phone"),
            s.Request(Now, "Sales", "Billing").With("reason", "billing question"),
            s.Reject(Now, "Billing").With("reason", "not ours"),
            s.Request(Now, "Sales", "Support"),
            s.Accept(Now, "Support").With("sentiment", 1),
            s.Contact(Now).With("channel", "social"),
            s.Feedback(Now, 0).With("employeeId", "emp-1"),
            s.Feedback(Now, 10),
            s.Resolved(Now, "Support"),
            new Story("caseless").Contact(Now).Without("caseId"),
            new Story("caseless-feedback").Feedback(Now, 7).Without("caseId"));

        Assert.True(reply.Status == HttpStatusCode.Accepted, reply.ToString());
        Assert.Equal(12, reply.Json.GetProperty("accepted").GetInt32());
        Assert.Empty(Rejected(reply));
    }

    [Theory]
    [InlineData("yyyy-MM-dd'T'HH:mm:ss'Z'", 0)]
    [InlineData("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", 0)]
    [InlineData("yyyy-MM-dd'T'HH:mm:ss'.123456789Z'", 123_456_789)]
    [InlineData("yyyy-MM-dd't'HH:mm:ss'z'", 0)]
    [InlineData("yyyy-MM-dd'T'HH:mm:sszzz", 0)]
    public async Task RFC_3339_timestamps_in_their_usual_forms_are_accepted_and_read_to_the_same_instant(string format, int extraNanoseconds)
    {
        var s = new Story("timestamp");
        var at = new DateTimeOffset(Now.Ticks - Now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) - TimeSpan.FromHours(1);
        var written = format.EndsWith("zzz", StringComparison.Ordinal)
            ? at.ToOffset(TimeSpan.FromHours(-5.5)).ToString(format, System.Globalization.CultureInfo.InvariantCulture)
            : at.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

        var reply = await silo.PostEventsAsync(s.Opened(Now, "Sales").With("occurredAt", written));

        Assert.True(reply.Status == HttpStatusCode.Accepted, $"{written}: {reply}");
        var openedAt = (await silo.GetAsync($"/api/v1/cases/{s.CaseId}")).Json.GetProperty("openedAt").GetDateTimeOffset();
        var expected = at + TimeSpan.FromTicks(extraNanoseconds / 100);
        Assert.InRange(openedAt, expected - TimeSpan.FromTicks(1), expected + TimeSpan.FromTicks(1));
    }

    [Fact]
    public async Task Every_event_of_a_request_is_accounted_for_as_accepted_duplicate_or_rejected()
    {
        var s = new Story("accounted");
        var opened = s.Opened(Now, "Sales");
        var events = new[]
        {
            opened, s.Interaction(Now, "Sales"), opened, s.Interaction(Now, "Sales").Without("eventId"),
            s.Request(Now, "Sales", "Sales"), s.Contact(Now).Without("caseId"), s.Feedback(Now, 12),
        };

        var reply = await silo.PostEventsAsync(events);

        Assert.Equal(HttpStatusCode.Accepted, reply.Status);
        var (accepted, duplicates, rejected) = (reply.Json.GetProperty("accepted").GetInt32(), reply.Json.GetProperty("duplicates").GetInt32(), Rejected(reply));
        Assert.Equal((3, 1), (accepted, duplicates));
        Assert.Equal([3, 4, 6], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(events.Length, accepted + duplicates + rejected.Length);
    }

    /// <summary>A body stream that does not tell its length, so the client sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
