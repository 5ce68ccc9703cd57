using System.Net;
using System.Text.Json;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Silo.Tests.TestKit;

namespace TopOfHeart.Silo.Tests;

/// <summary>The live state of cases, customers, employees, touchpoints and departments; the board; health.</summary>
public sealed class EntityApiTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private DateTimeOffset Now => silo.Now;

    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private async Task<JsonElement> OkAsync(string path)
    {
        var reply = await silo.GetAsync(path);
        Assert.True(reply.Status == HttpStatusCode.OK, $"GET {path}: {reply}");
        Assert.Equal("application/json", reply.MediaType);
        return reply.Json;
    }

    [Fact]
    public async Task A_case_shows_owner_status_baton_in_flight_legs_in_order_hop_count_sentiments_and_alert_ids()
    {
        var s = new Story("case-view");
        var t0 = Now - TimeSpan.FromMinutes(1);
        var reject = s.Reject(t0 + Seconds(10), "Legal");
        var handBack = s.Request(Now, "Billing", "Support");
        await silo.IngestAsync(
            s.Opened(t0, "Sales").With("sentiment", 0.2),
            s.Request(t0 + Seconds(5), "Sales", "Legal"),
            reject,
            s.Request(t0 + Seconds(20), "Sales", "Billing"),
            s.Accept(t0 + Seconds(50), "Billing"),
            s.Interaction(t0 + Seconds(55), "Billing").With("sentiment", -0.1),
            handBack);

        var view = await OkAsync($"/api/v1/cases/{s.CaseId}");

        Assert.Equal(s.CaseId, view.GetProperty("caseId").GetString());
        Assert.Equal(s.CustomerId, view.GetProperty("customerId").GetString());
        Assert.Equal("open", view.GetProperty("status").GetString());
        Assert.Equal("Billing", view.GetProperty("owner").GetString());
        var baton = view.GetProperty("batonInFlight");
        Assert.Equal(("Billing", "Support", Story.Id(handBack)), (
            baton.GetProperty("fromDepartment").GetString(), baton.GetProperty("toDepartment").GetString(),
            baton.GetProperty("requestEventId").GetString()));
        Assert.Equal(Now + TimeSpan.FromMinutes(2), baton.GetProperty("dueAt").GetDateTimeOffset());
        var legs = view.GetProperty("legs").EnumerateArray()
            .Select(l => (l.GetProperty("fromDepartment").GetString(), l.GetProperty("toDepartment").GetString(), l.GetProperty("outcome").GetString()))
            .ToList();
        Assert.Equal([("Sales", "Legal", "rejected"), ("Sales", "Billing", "accepted"), ("Billing", "Support", "in-flight")], legs);
        Assert.Equal(30, view.GetProperty("legs")[1].GetProperty("timeToAcceptSeconds").GetDouble());
        Assert.Equal(3, view.GetProperty("hopCount").GetInt32());
        Assert.Equal(0.2, view.GetProperty("firstSentiment").GetDouble());
        Assert.Equal(-0.1, view.GetProperty("lastSentiment").GetDouble());
        Assert.Equal([s.AlertId(AlertKind.HandoffRejected, reject)], view.GetProperty("alertIds").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(7, view.GetProperty("eventCount").GetInt32());
    }

    [Fact]
    public async Task A_resolved_case_has_no_baton_in_flight()
    {
        var s = new Story("case-resolved");
        await silo.IngestAsync(s.Opened(Now, "Sales"), s.Request(Now, "Sales", "Billing"), s.Resolved(Now, "Sales"));

        var view = await OkAsync($"/api/v1/cases/{s.CaseId}");

        Assert.Equal("resolved", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("batonInFlight").ValueKind);
    }

    [Theory]
    [InlineData("cases")]
    [InlineData("customers")]
    [InlineData("employees")]
    [InlineData("touchpoints")]
    [InlineData("departments")]
    public async Task An_id_never_seen_is_404_problem_json(string resource)
    {
        var reply = await silo.GetAsync($"/api/v1/{resource}/{Uri.EscapeDataString(Story.Unique("never/seen"))}");

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
    }

    [Fact]
    public async Task Customers_employees_touchpoints_and_departments_show_their_live_state_with_distinct_event_counts()
    {
        var s = new Story("entities");
        var employee = Story.Unique("emp");
        var touchpoint = Story.Unique("store-12/counter-3");
        var sales = Story.Unique("Sales");
        var billing = Story.Unique("Billing");
        var t0 = Now - TimeSpan.FromMinutes(2);
        var events = new[]
        {
            s.Opened(t0, sales).With("touchpointId", touchpoint).With("channel", "store").With("sentiment", -0.5),
            s.Request(t0 + Seconds(10), sales, billing).With("touchpointId", touchpoint).With("channel", "store"),
            s.Accept(t0 + Seconds(40), billing).With("employeeId", employee),
            s.Interaction(t0 + Seconds(50), billing).With("employeeId", employee).With("touchpointId", touchpoint)
                .With("channel", "phone").With("sentiment", 0.5).With("customerRepeatedInfo", true),
            s.Feedback(t0 + Seconds(60), 9).With("employeeId", employee),
        };
        await silo.IngestAsync(events);
        await silo.PostEventsAsync(events); // all duplicates: counted once
        await silo.FlushFiguresAsync();

        var customer = await OkAsync($"/api/v1/customers/{s.CustomerId}");
        Assert.Equal(5, customer.GetProperty("eventCount").GetInt32());
        Assert.Equal((-0.5, 0.5, true), (customer.GetProperty("firstSentiment").GetDouble(), customer.GetProperty("lastSentiment").GetDouble(),
            customer.GetProperty("leftHappier").GetBoolean()));

        var staff = await OkAsync($"/api/v1/employees/{employee}");
        Assert.Equal(3, staff.GetProperty("eventCount").GetInt32());
        Assert.Equal((1, 1), (staff.GetProperty("interactions").GetInt32(), staff.GetProperty("batonsAccepted").GetInt32()));
        Assert.Equal(9, staff.GetProperty("averageFeedback").GetDouble());

        var encoded = await OkAsync($"/api/v1/touchpoints/{Uri.EscapeDataString(touchpoint)}");
        var plain = await OkAsync($"/api/v1/touchpoints/{touchpoint}");
        Assert.Contains("%2F", Uri.EscapeDataString(touchpoint));
        foreach (var view in new[] { encoded, plain })
        {
            Assert.Equal(touchpoint, view.GetProperty("touchpointId").GetString());
            Assert.Equal(3, view.GetProperty("eventCount").GetInt32());
            Assert.Equal(2, view.GetProperty("volumeByChannel").GetProperty("store").GetInt32());
            Assert.Equal(1, view.GetProperty("volumeByChannel").GetProperty("phone").GetInt32());
            Assert.Equal(1.0 / 3, view.GetProperty("repeatedInfoRate").GetDouble(), 6);
        }

        var salesView = await OkAsync($"/api/v1/departments/{sales}");
        var billingView = await OkAsync($"/api/v1/departments/{billing}");
        Assert.Equal((2, 0, 1), (salesView.GetProperty("eventCount").GetInt32(), salesView.GetProperty("openCases").GetInt32(),
            salesView.GetProperty("handoffsSent").GetInt32()));
        Assert.Equal((2, 1, 1), (billingView.GetProperty("eventCount").GetInt32(), billingView.GetProperty("openCases").GetInt32(),
            billingView.GetProperty("acceptedReceived").GetInt32()));
        Assert.InRange(billingView.GetProperty("medianTimeToAcceptSeconds").GetDouble(), 30 * 0.95, 30 * 1.05);
    }

    [Fact]
    public async Task The_board_shows_open_cases_batons_in_flight_open_alerts_departments_and_the_handoff_matrix()
    {
        var sales = Story.Unique("Sales");
        var billing = Story.Unique("Billing");
        var s = new Story("board");
        var refused = new Story("board-refused");
        await silo.IngestAsync(
            s.Opened(Now, sales), s.Request(Now, sales, billing),
            refused.Opened(Now, sales), refused.Request(Now, sales, billing), refused.Reject(Now, billing));
        await silo.FlushFiguresAsync();

        var board = await OkAsync("/api/v1/board");

        Assert.True(board.GetProperty("openCases").GetInt64() >= 2);
        Assert.True(board.GetProperty("batonsInFlight").GetInt64() >= 1);
        Assert.True(board.GetProperty("openAlerts").GetProperty("medium").GetInt64() >= 1);
        Assert.True(board.GetProperty("eventsTotal").GetInt64() >= 5);
        var cell = board.GetProperty("matrix").EnumerateArray().Single(c => c.GetProperty("from").GetString() == sales && c.GetProperty("to").GetString() == billing);
        Assert.Equal((2, 1), (cell.GetProperty("count").GetInt64(), cell.GetProperty("failed").GetInt64()));
        var billingRow = board.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == billing);
        Assert.Equal((1, 1), (billingRow.GetProperty("batonsWaiting").GetInt64(), billingRow.GetProperty("openAlerts").GetInt64()));
        var salesRow = board.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == sales);
        Assert.Equal(2, salesRow.GetProperty("openCases").GetInt64());
    }

    [Fact]
    public async Task Health_is_200_while_the_silo_serves_and_reports_the_grains_it_holds_live_and_its_collector()
    {
        var s = new Story("health-census");
        await silo.IngestAsync(s.Opened(Now - Seconds(5), "Sales"));
        await silo.FlushFiguresAsync();

        // Read through the API, the customer stays in memory for its idle age (a customer only the feed calls is put away
        // right after the delivery): the census below then holds one whichever tests ran before this one.
        await OkAsync($"/api/v1/customers/{s.CustomerId}");

        GC.Collect();
        var reply = await silo.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var gc = reply.Json.GetProperty("gc");
        Assert.True(gc.GetProperty("gen2Collections").GetInt64() >= 1, gc.ToString());
        Assert.True(gc.GetProperty("gen0Collections").GetInt64() >= gc.GetProperty("gen2Collections").GetInt64(), gc.ToString());
        Assert.True(gc.GetProperty("pausedMs").GetDouble() > 0, gc.ToString());
        Assert.True(gc.GetProperty("gen0MaxBudgetBytes").GetInt64() > 0, gc.ToString());

        // The latest young collection: a gen0 forced here is at least as recent as the one /health describes.
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var forced = GC.GetGCMemoryInfo(GCKind.Ephemeral).Index;
        var young = (await silo.GetAsync("/health")).Json.GetProperty("gc").GetProperty("lastYoung");
        Assert.True(young.GetProperty("index").GetInt64() >= forced, young.ToString());
        Assert.InRange(young.GetProperty("generation").GetInt32(), 0, 1);
        Assert.True(young.GetProperty("promotedBytes").GetInt64() >= 0, young.ToString());
        Assert.True(young.GetProperty("pauseMs").GetDouble() >= 0, young.ToString());
        var grains = reply.Json.GetProperty("grains");
        Assert.True(grains.GetProperty("casesInMemory").GetInt64() >= 1, grains.ToString());
        Assert.True(grains.GetProperty("customersInMemory").GetInt64() >= 1, grains.ToString());
        Assert.True(grains.GetProperty("storedSnapshots").GetInt64() >= 0, grains.ToString());
        Assert.True(grains.GetProperty("casesActivated").GetInt64() >= grains.GetProperty("casesInMemory").GetInt64(), grains.ToString());
        Assert.True(grains.GetProperty("customersActivated").GetInt64() >= grains.GetProperty("customersInMemory").GetInt64(), grains.ToString());
        Assert.True(reply.Json.GetProperty("memory").GetProperty("heapBytes").GetInt64() > 0);
    }
}
