using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Tests.TestKit;

namespace TopOfHeart.Grains.Tests;

/// <summary>Timer alerts: raised by the case's own deadline timer as fake time passes the deadline.</summary>
public sealed class DeadlineAlertTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    private static readonly TimeSpan Sla = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan OneTick = TimeSpan.FromTicks(1);

    [Fact]
    public async Task Dropped_baton_is_raised_for_the_receiver_when_the_sla_passes_and_not_a_tick_before()
    {
        var s = new Script("dropped");
        var t0 = relay.Now;
        var request = s.Request(t0, "Sales", "Billing");
        await relay.IngestAsync(s.Opened(t0, "Sales"), request);
        var alertId = s.AlertId(AlertKind.DroppedBaton, request);
        var caseGrain = relay.Grains.GetGrain<ICaseGrain>(s.CaseId);

        relay.Clock.Advance(Sla - OneTick);
        await caseGrain.CheckDeadlines();
        Assert.Null(await relay.AlertAsync(alertId));
        Assert.False((await caseGrain.GetView())!.BatonInFlight!.Dropped);

        relay.Clock.Advance(OneTick);
        var alert = await relay.EventuallyAlertAsync(alertId);

        Assert.Equal(AlertKind.DroppedBaton, alert.Kind);
        Assert.Equal(Severity.High, alert.Severity);
        Assert.Equal(AlertStatus.Open, alert.Status);
        Assert.Equal("Billing", alert.Department);
        Assert.Equal("Sales", alert.FromDepartment);
        Assert.Equal("Billing", alert.ToDepartment);
        Assert.Equal(t0 + Sla, alert.DueAt);
        Assert.Equal(t0 + Sla, alert.RaisedAt);
        Assert.Equal(request.EventId, alert.TriggerEventId);
        Assert.Equal(s.CaseId, alert.CaseId);
        Assert.Equal(s.CustomerId, alert.CustomerId);
        Assert.Equal([request.EventId], alert.Evidence);
        Assert.Equal(0, alert.EscalationLevel);
        Assert.Contains("2 min", alert.Message);
        var view = (await caseGrain.GetView())!;
        Assert.Contains(alertId, view.AlertIds);
        Assert.True(view.BatonInFlight!.Dropped);
    }

    [Fact]
    public async Task Dropped_baton_uses_the_pair_override_instead_of_the_default_sla()
    {
        var s = new Script("pair-sla");
        var t0 = relay.Now;
        var request = s.Request(t0, "Sales", "Express");
        await relay.IngestAsync(s.Opened(t0, "Sales"), request);
        var alertId = s.AlertId(AlertKind.DroppedBaton, request);

        relay.Clock.Advance(TimeSpan.FromSeconds(30) - OneTick);
        await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).CheckDeadlines();
        Assert.Null(await relay.AlertAsync(alertId));

        relay.Clock.Advance(OneTick);
        var alert = await relay.EventuallyAlertAsync(alertId);
        Assert.Equal(t0 + TimeSpan.FromSeconds(30), alert.DueAt);
        Assert.Equal("Express", alert.Department);
    }

    [Fact]
    public async Task Dropped_baton_fires_at_once_when_the_request_arrives_after_its_deadline()
    {
        var s = new Script("late-request");
        var requestedAt = relay.Now - TimeSpan.FromMinutes(3);
        var request = s.Request(requestedAt, "Sales", "Billing");

        await relay.IngestAsync(s.Opened(requestedAt, "Sales"), request);

        // No clock movement and no polling: the deadline had passed before the event arrived.
        var alert = await relay.AlertAsync(s.AlertId(AlertKind.DroppedBaton, request));
        Assert.NotNull(alert);
        Assert.Equal(requestedAt + Sla, alert.DueAt);
        Assert.Equal("Billing", alert.Department);
    }

    [Fact]
    public async Task Accepted_baton_raises_no_dropped_baton_when_its_sla_passes()
    {
        var s = new Script("accepted-in-time");
        var t0 = relay.Now;
        var request = s.Request(t0, "Sales", "Billing");
        await relay.IngestAsync(s.Opened(t0, "Sales"), request, s.Accept(t0 + TimeSpan.FromSeconds(20), "Billing"));

        relay.Clock.Advance(Sla + TimeSpan.FromSeconds(1));
        await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).CheckDeadlines();

        Assert.Null(await relay.AlertAsync(s.AlertId(AlertKind.DroppedBaton, request)));
    }

    [Fact]
    public async Task An_accept_that_arrives_before_its_request_still_cancels_the_request_deadline()
    {
        var s = new Script("accept-first");
        var t0 = relay.Now;
        var request = s.Request(t0, "Sales", "Billing");
        await relay.IngestAsync(s.Opened(t0, "Sales"), s.Accept(t0 + TimeSpan.FromSeconds(30), "Billing"));
        await relay.IngestAsync(request);

        relay.Clock.Advance(Sla + TimeSpan.FromSeconds(1));
        await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).CheckDeadlines();

        Assert.Null(await relay.AlertAsync(s.AlertId(AlertKind.DroppedBaton, request)));
        var view = (await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).GetView())!;
        Assert.Null(view.BatonInFlight);
        Assert.Equal("Billing", view.Owner);
    }

    [Fact]
    public async Task Stalled_after_accept_is_raised_for_the_new_owner_when_the_stall_timeout_passes_and_not_a_tick_before()
    {
        var s = new Script("stalled");
        var t0 = relay.Now;
        var accept = s.Accept(t0, "Billing");
        await relay.IngestAsync(s.Opened(t0 - TimeSpan.FromMinutes(1), "Sales"), s.Request(t0 - TimeSpan.FromSeconds(30), "Sales", "Billing"), accept);
        var alertId = s.AlertId(AlertKind.StalledAfterAccept, accept);
        var caseGrain = relay.Grains.GetGrain<ICaseGrain>(s.CaseId);
        Assert.Equal(t0 + StallTimeout, (await caseGrain.GetView())!.StallDueAt);

        relay.Clock.Advance(StallTimeout - OneTick);
        await caseGrain.CheckDeadlines();
        Assert.Null(await relay.AlertAsync(alertId));

        relay.Clock.Advance(OneTick);
        var alert = await relay.EventuallyAlertAsync(alertId);

        Assert.Equal(AlertKind.StalledAfterAccept, alert.Kind);
        Assert.Equal(Severity.Medium, alert.Severity);
        Assert.Equal("Billing", alert.Department);
        Assert.Equal("Sales", alert.FromDepartment);
        Assert.Equal("Billing", alert.ToDepartment);
        Assert.Equal(t0 + StallTimeout, alert.DueAt);
        Assert.Equal(t0 + StallTimeout, alert.RaisedAt);
        Assert.Equal(accept.EventId, alert.TriggerEventId);
    }

    [Fact]
    public async Task Activity_by_the_new_owner_before_the_stall_timeout_disarms_the_stall_alert()
    {
        var s = new Script("not-stalled");
        var t0 = relay.Now;
        var accept = s.Accept(t0, "Billing");
        await relay.IngestAsync(s.Opened(t0 - TimeSpan.FromMinutes(1), "Sales"), s.Request(t0 - TimeSpan.FromSeconds(30), "Sales", "Billing"), accept);

        relay.Clock.Advance(TimeSpan.FromMinutes(4));
        await relay.IngestAsync(s.Interaction(relay.Now, "Billing"));
        relay.Clock.Advance(StallTimeout);
        await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).CheckDeadlines();

        Assert.Null(await relay.AlertAsync(s.AlertId(AlertKind.StalledAfterAccept, accept)));
    }
}
