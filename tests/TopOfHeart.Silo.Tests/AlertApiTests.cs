using System.Net;
using System.Text.Json;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Silo.Tests.TestKit;

namespace TopOfHeart.Silo.Tests;

/// <summary>Query and act on alerts over HTTP: list with filters, get by id, acknowledge, resolve.</summary>
public sealed class AlertApiTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private DateTimeOffset Now => silo.Now;

    private static string[] Ids(Reply reply) => [.. reply.Json.EnumerateArray().Select(a => a.GetProperty("alertId").GetString()!)];

    /// <summary>
    /// One customer with three alerts raised a minute apart: a refusal (Billing), a chase (Support, critical) and a
    /// ping-pong (Legal, its sender); the refusal then acknowledged, the chase resolved.
    /// </summary>
    private async Task<(string Customer, string Rejected, string Chasing, string PingPong, string RejectedCase)> ThreeAlertsAsync()
    {
        var customer = Story.Unique("alert-customer");
        var refused = new Story("refused", customer);
        var reject = refused.Reject(Now, "Billing");
        await silo.IngestAsync(refused.Opened(Now, "Sales"), refused.Request(Now, "Sales", "Billing"), reject);

        silo.Clock.Advance(TimeSpan.FromMinutes(1));
        var chased = new Story("chased", customer);
        var contact = chased.Contact(Now);
        await silo.IngestAsync(chased.Opened(Now, "Sales"), chased.Request(Now, "Sales", "Support"), contact);
        // The chase waits out the reorder grace (default 2 s); the case's timer then raises it.
        var grace = TimeSpan.FromSeconds(2);
        silo.Clock.Advance(grace);
        var chasing = chased.AlertId(AlertKind.CustomerChasing, contact);
        await silo.EventuallyAsync($"/api/v1/alerts/{Uri.EscapeDataString(chasing)}", r => r.Status == HttpStatusCode.OK, chasing);

        silo.Clock.Advance(TimeSpan.FromMinutes(1) - grace);
        var bounced = new Story("bounced", customer);
        var bounce = bounced.Request(Now, "Legal", "Sales");
        await silo.IngestAsync(bounced.Opened(Now, "Sales"), bounced.Request(Now, "Sales", "Legal"), bounced.Accept(Now, "Legal"), bounce);

        var ids = (refused.AlertId(AlertKind.HandoffRejected, reject), chasing,
            bounced.AlertId(AlertKind.PingPong, bounce));
        Assert.Equal(HttpStatusCode.OK, (await silo.PostJsonAsync("/api/v1/alerts/ack", Json(new { alertId = ids.Item1, by = "sup-1" }))).Status);
        Assert.Equal(HttpStatusCode.OK, (await silo.PostJsonAsync("/api/v1/alerts/resolve", Json(new { alertId = ids.Item2, by = "sup-1", resolution = "called back" }))).Status);
        return (customer, ids.Item1, ids.Item2, ids.Item3, refused.CaseId);
    }

    private static string Json(object body) => JsonSerializer.Serialize(body, JsonSerializerOptions.Web);

    [Fact]
    public async Task Alerts_list_newest_first_and_each_filter_narrows_it()
    {
        var (customer, rejected, chasing, pingPong, rejectedCase) = await ThreeAlertsAsync();
        var of = $"/api/v1/alerts?customerId={customer}";

        var all = await silo.GetAsync(of);
        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Equal([pingPong, chasing, rejected], Ids(all));

        Assert.Equal([pingPong], Ids(await silo.GetAsync(of + "&status=open")));
        Assert.Equal([rejected], Ids(await silo.GetAsync(of + "&status=acknowledged")));
        Assert.Equal([chasing], Ids(await silo.GetAsync(of + "&status=resolved")));
        Assert.Equal([rejected], Ids(await silo.GetAsync(of + "&department=Billing")));
        Assert.Equal([chasing], Ids(await silo.GetAsync(of + "&department=Support")));
        Assert.Equal([pingPong], Ids(await silo.GetAsync(of + "&department=Legal")));
        Assert.Equal([chasing], Ids(await silo.GetAsync(of + "&kind=CustomerChasing")));
        Assert.Equal([pingPong], Ids(await silo.GetAsync(of + "&kind=PingPong")));
        Assert.Equal([pingPong, chasing], Ids(await silo.GetAsync(of + "&limit=2")));
        Assert.Equal([rejected], Ids(await silo.GetAsync($"/api/v1/alerts?caseId={rejectedCase}")));
        Assert.Equal([rejected], Ids(await silo.GetAsync($"/api/v1/alerts?caseId={rejectedCase}&kind=HandoffRejected&status=acknowledged&department=Billing")));
        Assert.Empty(Ids(await silo.GetAsync(of + "&kind=DroppedBaton")));
        Assert.Empty(Ids(await silo.GetAsync($"/api/v1/alerts?customerId={Story.Unique("nobody")}")));
    }

    [Fact]
    public async Task The_unfiltered_list_is_newest_first_and_honours_limit()
    {
        await ThreeAlertsAsync();

        var reply = await silo.GetAsync("/api/v1/alerts?limit=3");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var raised = reply.Json.EnumerateArray().Select(a => a.GetProperty("raisedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(3, raised.Count);
        Assert.Equal(raised.OrderDescending(), raised);
    }

    [Theory]
    [InlineData("status=closed", "status")]
    [InlineData("status=Open", "status")]
    [InlineData("kind=Dropped", "kind")]
    [InlineData("kind=droppedbaton", "kind")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=100000", "limit")]
    public async Task A_bad_filter_is_400_problem_json_naming_it(string query, string filter)
    {
        var reply = await silo.GetAsync($"/api/v1/alerts?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.Contains(filter, reply.Text("detail"));
    }

    [Fact]
    public async Task An_alert_is_read_by_its_url_encoded_id_and_by_its_plain_id()
    {
        var s = new Story("get", caseId: Story.Unique("case/with slash and space"));
        var reject = s.Reject(Now, "Billing");
        await silo.IngestAsync(s.Opened(Now, "Sales"), s.Request(Now, "Sales", "Billing"), reject);
        var alertId = s.AlertId(AlertKind.HandoffRejected, reject);

        var encoded = await silo.GetAsync($"/api/v1/alerts/{Uri.EscapeDataString(alertId)}");

        Assert.True(encoded.Status == HttpStatusCode.OK, encoded.ToString());
        Assert.Equal(alertId, encoded.Text("alertId"));
        Assert.Equal(s.CaseId, encoded.Text("caseId"));

        var slashes = await silo.GetAsync($"/api/v1/alerts/{alertId.Replace(" ", "%20", StringComparison.Ordinal)}");
        Assert.True(slashes.Status == HttpStatusCode.OK, slashes.ToString());
        Assert.Equal(alertId, slashes.Text("alertId"));

        var plainSimple = new Story("get-plain");
        var plainReject = plainSimple.Reject(Now, "Billing");
        await silo.IngestAsync(plainSimple.Opened(Now, "Sales"), plainSimple.Request(Now, "Sales", "Billing"), plainReject);
        var plainId = plainSimple.AlertId(AlertKind.HandoffRejected, plainReject);
        var plain = await silo.GetAsync($"/api/v1/alerts/{plainId}");
        Assert.Equal(HttpStatusCode.OK, plain.Status);
        Assert.Equal(plainId, plain.Text("alertId"));
    }

    [Fact]
    public async Task An_alert_is_served_as_the_contracts_alert_json()
    {
        var s = new Story("shape");
        var reject = s.Reject(Now, "Billing");
        await silo.IngestAsync(s.Opened(Now, "Sales"), s.Request(Now, "Sales", "Billing"), reject.With("reason", "not ours"));
        var alertId = s.AlertId(AlertKind.HandoffRejected, reject);

        var alert = (await silo.GetAsync($"/api/v1/alerts/{Uri.EscapeDataString(alertId)}")).Json;

        string[] contract =
        [
            "alertId", "kind", "severity", "status", "caseId", "customerId", "department", "fromDepartment", "toDepartment",
            "triggerEventId", "raisedAt", "dueAt", "message", "evidence", "escalationLevel", "acknowledgedBy", "acknowledgedAt",
            "resolvedAt", "resolution",
        ];
        foreach (var field in contract) Assert.True(alert.TryGetProperty(field, out _), $"alert JSON lacks {field}: {alert}");
        Assert.Equal("HandoffRejected", alert.GetProperty("kind").GetString());
        Assert.Equal("medium", alert.GetProperty("severity").GetString());
        Assert.Equal("open", alert.GetProperty("status").GetString());
        Assert.Equal("Billing", alert.GetProperty("department").GetString());
        Assert.Equal(Story.Id(reject), alert.GetProperty("triggerEventId").GetString());
        Assert.Equal(Now, alert.GetProperty("raisedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("dueAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("acknowledgedBy").ValueKind);
        Assert.Equal(0, alert.GetProperty("escalationLevel").GetInt32());
        Assert.Contains(Story.Id(reject), alert.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task An_unknown_alert_id_is_404_problem_json()
    {
        var reply = await silo.GetAsync($"/api/v1/alerts/{Uri.EscapeDataString("DroppedBaton:no-such-case:ev-0")}");

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
    }

    [Fact]
    public async Task Ack_then_resolve_each_return_the_updated_alert()
    {
        var s = new Story("act");
        var reject = s.Reject(Now, "Billing");
        await silo.IngestAsync(s.Opened(Now, "Sales"), s.Request(Now, "Sales", "Billing"), reject);
        var alertId = s.AlertId(AlertKind.HandoffRejected, reject);

        silo.Clock.Advance(TimeSpan.FromSeconds(40));
        var ack = await silo.PostJsonAsync("/api/v1/alerts/ack", Json(new { alertId, by = "supervisor-ann" }));
        Assert.Equal(HttpStatusCode.OK, ack.Status);
        Assert.Equal((alertId, "acknowledged", "supervisor-ann"), (ack.Text("alertId"), ack.Text("status"), ack.Text("acknowledgedBy")));
        Assert.Equal(Now, ack.Json.GetProperty("acknowledgedAt").GetDateTimeOffset());

        silo.Clock.Advance(TimeSpan.FromSeconds(40));
        var resolve = await silo.PostJsonAsync("/api/v1/alerts/resolve", Json(new { alertId, by = "supervisor-ann", resolution = "took it back" }));
        Assert.Equal(HttpStatusCode.OK, resolve.Status);
        Assert.Equal(("resolved", "took it back"), (resolve.Text("status"), resolve.Text("resolution")));
        Assert.Equal(Now, resolve.Json.GetProperty("resolvedAt").GetDateTimeOffset());

        var stored = await silo.GetAsync($"/api/v1/alerts/{Uri.EscapeDataString(alertId)}");
        Assert.Equal("resolved", stored.Text("status"));
        Assert.Equal([alertId], Ids(await silo.GetAsync($"/api/v1/alerts?caseId={s.CaseId}&status=resolved")));
    }

    [Theory]
    [InlineData("/api/v1/alerts/ack")]
    [InlineData("/api/v1/alerts/resolve")]
    public async Task Acting_on_an_unknown_alert_is_404(string path)
    {
        var reply = await silo.PostJsonAsync(path, Json(new { alertId = "DroppedBaton:nowhere:ev-0", by = "sup", resolution = "x" }));

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/alerts/ack", "{\"by\":\"sup\"}", "alertId")]
    [InlineData("/api/v1/alerts/ack", "{\"alertId\":\"DroppedBaton:x:y\"}", "by")]
    [InlineData("/api/v1/alerts/ack", "{\"alertId\":\"DroppedBaton:x:y\",\"by\":\"  \"}", "by")]
    [InlineData("/api/v1/alerts/ack", "{}", "alertId")]
    [InlineData("/api/v1/alerts/resolve", "{\"by\":\"sup\",\"resolution\":\"done\"}", "alertId")]
    [InlineData("/api/v1/alerts/resolve", "{\"alertId\":\"DroppedBaton:x:y\",\"resolution\":\"done\"}", "by")]
    public async Task Acting_without_a_required_field_is_400_naming_it(string path, string body, string field)
    {
        var reply = await silo.PostJsonAsync(path, body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.Contains(field, reply.Text("detail"));
    }

    [Fact]
    public async Task Readme_tour_a_handoff_nobody_picks_up_within_2_minutes_shows_up_as_a_dropped_baton()
    {
        var s = new Story("tour");
        var requestedAt = Now;
        var request = s.Request(requestedAt, "Sales", "Billing");
        await silo.IngestAsync(s.Opened(requestedAt, "Sales"), request);
        var alertId = s.AlertId(AlertKind.DroppedBaton, request);
        Assert.DoesNotContain(alertId, Ids(await silo.GetAsync("/api/v1/alerts?kind=DroppedBaton")));

        silo.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));

        var reply = await silo.EventuallyAsync("/api/v1/alerts?kind=DroppedBaton", r => Ids(r).Contains(alertId), "the dropped baton in the list");
        var alert = reply.Json.EnumerateArray().Single(a => a.GetProperty("alertId").GetString() == alertId);
        Assert.Equal(("DroppedBaton", "high", "open", "Billing", "Sales", "Billing"), (
            alert.GetProperty("kind").GetString(), alert.GetProperty("severity").GetString(), alert.GetProperty("status").GetString(),
            alert.GetProperty("department").GetString(), alert.GetProperty("fromDepartment").GetString(), alert.GetProperty("toDepartment").GetString()));
        Assert.Equal(requestedAt + TimeSpan.FromMinutes(2), alert.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(s.CustomerId, alert.GetProperty("customerId").GetString());
    }
}
