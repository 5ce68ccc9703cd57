namespace TopOfHeart.Durability.Tests;

/// <summary>
/// A case rebuilt from the event log reads the ids of the alerts it raised from toh_alert: a baton dropped on the server
/// clock before an accept that happened in time but was reported late stays dropped.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class RebuiltDropTests(PostgresServer server, ITestOutputHelper output)
{
    [Fact(Timeout = 120_000)]
    public async Task A_drop_that_fired_before_an_accept_reported_late_is_still_a_drop_after_a_SIGKILL_and_a_rebuild()
    {
        var sla = TimeSpan.FromSeconds(3);
        await using var cluster = await Cluster.CreateAsync(server, output, sla);
        var silo = await cluster.StartSiloAsync("silo-a");
        const string caseId = "late-report-1";
        var requestedAt = DateTimeOffset.UtcNow;
        var request = Event("late-report-req", "handoff.requested", requestedAt, "Sales") with { ToDepartment = "Billing" };
        await Api.PostAsync(silo, [Event("late-report-open", "case.opened", requestedAt, "Sales"), request]);
        var dropId = $"DroppedBaton:{caseId}:{request.EventId}";
        await Api.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(cluster.Database, $"SELECT count(*) FROM toh_alert WHERE alert_id = '{dropId}'") == 1,
            TimeSpan.FromSeconds(30), "the drop is raised and stored");

        // Billing took the baton within the SLA; the accept reaches the silo only after the deadline fired.
        await Api.PostAsync(silo, [Event("late-report-acc", "handoff.accepted", requestedAt + sla / 2, "Billing")]);
        var live = await Api.GetAsync(silo, $"/api/v1/cases/{caseId}");
        silo.Kill();
        var restarted = await cluster.RestartAsync(silo);
        var rebuilt = await Api.GetAsync(restarted, $"/api/v1/cases/{caseId}");

        foreach (var (view, when) in new[] { (live, "live"), (rebuilt, "rebuilt") })
        {
            var leg = view.GetProperty("legs")[0];
            Assert.True(leg.Text("outcome") == "accepted", $"{when}: {leg}");
            Assert.True(leg.GetProperty("dropped").GetBoolean(), $"{when}: the leg lost its drop: {leg}");
            Assert.Contains(dropId, view.Strings("alertIds"));
        }

        // Resolved as a late pickup, even if the kill came before the book wrote the resolution.
        await Api.EventuallyAsync(
            async () => (await Api.GetAsync(restarted, $"/api/v1/alerts/{Api.Encode(dropId)}")).Text("resolution") == "late pickup",
            TimeSpan.FromSeconds(20), "the drop resolved as a late pickup");
    }

    private static WireEvent Event(string id, string type, DateTimeOffset at, string department) => new()
    {
        EventId = id,
        Type = type,
        OccurredAt = at,
        CustomerId = "late-report-customer",
        CaseId = "late-report-1",
        Department = department,
        Channel = "phone",
    };
}
