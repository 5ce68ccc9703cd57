using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Tests.TestKit;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Grains.Tests;

/// <summary>open → acknowledged → resolved, late pickup, and the promise that an alert id is raised once.</summary>
public sealed class AlertLifecycleTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    private static readonly TimeSpan Sla = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Acknowledge_then_resolve_moves_an_alert_from_open_to_acknowledged_to_resolved_recording_who_and_when()
    {
        var s = new Script("lifecycle");
        var reject = s.Reject(relay.Now, "Billing", "not ours");
        await relay.IngestAsync(s.Opened(relay.Now, "Sales"), s.Request(relay.Now, "Sales", "Billing"), reject);
        var alertId = s.AlertId(AlertKind.HandoffRejected, reject);
        var book = relay.Grains.BookFor(alertId);
        Assert.Equal(AlertStatus.Open, (await book.Get(alertId))!.Status);

        relay.Clock.Advance(TimeSpan.FromSeconds(30));
        var acknowledgedAt = relay.Now;
        var acknowledged = (await book.Acknowledge(alertId, "supervisor-ann"))!;
        Assert.Equal(AlertStatus.Acknowledged, acknowledged.Status);
        Assert.Equal("supervisor-ann", acknowledged.AcknowledgedBy);
        Assert.Equal(acknowledgedAt, acknowledged.AcknowledgedAt);
        Assert.Null(acknowledged.ResolvedAt);
        var stored = (await book.Get(alertId))!;
        Assert.Equal((AlertStatus.Acknowledged, "supervisor-ann"), (stored.Status, stored.AcknowledgedBy));

        relay.Clock.Advance(TimeSpan.FromMinutes(1));
        var resolved = (await book.Resolve(alertId, "supervisor-bob", "called the customer back"))!;
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.Equal(relay.Now, resolved.ResolvedAt);
        Assert.Equal("called the customer back", resolved.Resolution);
        Assert.Equal("supervisor-ann", resolved.AcknowledgedBy);
        Assert.Equal(acknowledgedAt, resolved.AcknowledgedAt);

        // A resolved alert stays resolved: acknowledging it again changes nothing.
        var again = (await book.Acknowledge(alertId, "supervisor-cy"))!;
        Assert.Equal(AlertStatus.Resolved, again.Status);
        Assert.Equal("supervisor-ann", again.AcknowledgedBy);
    }

    [Fact]
    public async Task Acknowledging_or_resolving_an_unknown_alert_finds_nothing()
    {
        var unknown = AlertVocabulary.AlertId(AlertKind.DroppedBaton, Script.Unique("nowhere"), "ev-0");
        var book = relay.Grains.BookFor(unknown);

        Assert.Null(await book.Acknowledge(unknown, "supervisor"));
        Assert.Null(await book.Resolve(unknown, "supervisor", "done"));
        Assert.Null(await book.Get(unknown));
    }

    [Fact]
    public async Task A_late_accept_resolves_the_dropped_baton_and_customer_chasing_alerts_with_late_pickup()
    {
        var s = new Script("late-pickup");
        var t0 = relay.Now;
        var request = s.Request(t0, "Sales", "Billing");
        await relay.IngestAsync(s.Opened(t0, "Sales"), request);
        var droppedId = s.AlertId(AlertKind.DroppedBaton, request);

        relay.Clock.Advance(Sla);
        await relay.EventuallyAlertAsync(droppedId);
        relay.Clock.Advance(TimeSpan.FromSeconds(10));
        var contact = s.Contact(relay.Now);
        await relay.IngestAsync(contact);
        var chasingId = s.AlertId(AlertKind.CustomerChasing, contact);
        relay.PassReorderGrace();
        Assert.Equal(AlertStatus.Open, (await relay.EventuallyAlertAsync(chasingId)).Status);
        await relay.Grains.BookFor(chasingId).Acknowledge(chasingId, "supervisor-ann");

        relay.Clock.Advance(TimeSpan.FromSeconds(10));
        await relay.IngestAsync(s.Accept(relay.Now, "Billing"));

        foreach (var id in new[] { droppedId, chasingId })
        {
            var alert = (await relay.AlertAsync(id))!;
            Assert.Equal(AlertStatus.Resolved, alert.Status);
            Assert.Equal("late pickup", alert.Resolution);
            Assert.Equal(relay.Now, alert.ResolvedAt);
        }

        Assert.Equal("supervisor-ann", (await relay.AlertAsync(chasingId))!.AcknowledgedBy);
    }

    [Fact]
    public async Task A_rejection_is_not_resolved_by_a_later_accept_of_another_baton()
    {
        var s = new Script("no-late-pickup");
        var t0 = relay.Now;
        var reject = s.Reject(t0, "Billing");
        await relay.IngestAsync(s.Opened(t0, "Sales"), s.Request(t0, "Sales", "Billing"), reject,
            s.Request(t0, "Sales", "Support"), s.Accept(t0, "Support"));

        var alert = (await relay.AlertAsync(s.AlertId(AlertKind.HandoffRejected, reject)))!;
        Assert.Equal(AlertStatus.Open, alert.Status);
        Assert.Null(alert.Resolution);
    }

    [Fact]
    public async Task A_duplicate_event_raises_no_alert_twice_and_leaves_its_alert_as_it_stands()
    {
        var s = new Script("duplicate");
        var reject = s.Reject(relay.Now, "Billing");
        var events = new[] { s.Opened(relay.Now, "Sales"), s.Request(relay.Now, "Sales", "Billing"), reject };
        await relay.IngestAsync(events);
        var alertId = s.AlertId(AlertKind.HandoffRejected, reject);
        await relay.Grains.BookFor(alertId).Acknowledge(alertId, "supervisor-ann");

        var again = await relay.IngestAsync(reject);

        Assert.Equal(EventStatus.Duplicate, again.Status[0]);
        Assert.Equal(1, relay.Feed.TimesRaised(alertId));
        Assert.Equal(AlertStatus.Acknowledged, (await relay.AlertAsync(alertId))!.Status);
        Assert.Single((await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).GetView())!.AlertIds, alertId);
    }

    [Fact]
    public async Task Alerts_are_not_raised_again_after_the_case_and_its_alert_books_are_deactivated_and_reactivated()
    {
        var s = new Script("reactivated");
        var t0 = relay.Now;
        var request = s.Request(t0, "Sales", "Billing");
        var reject = s.Reject(t0, "Support");
        await relay.IngestAsync(s.Opened(t0, "Sales"), s.Request(t0, "Sales", "Support"), reject, request);
        var droppedId = s.AlertId(AlertKind.DroppedBaton, request);
        var rejectedId = s.AlertId(AlertKind.HandoffRejected, reject);
        relay.Clock.Advance(Sla);
        await relay.EventuallyAlertAsync(droppedId);
        await relay.Grains.BookFor(rejectedId).Acknowledge(rejectedId, "supervisor-ann");
        var caseGrain = relay.Grains.GetGrain<ICaseGrain>(s.CaseId);
        var before = (await caseGrain.GetView())!;
        var activationBefore = Activation(caseGrain);

        await relay.Cluster.DeactivateAsync(caseGrain);
        await relay.Cluster.DeactivateAsync(relay.Grains.BookFor(droppedId));
        await relay.Cluster.DeactivateAsync(relay.Grains.BookFor(rejectedId));
        relay.Clock.Advance(TimeSpan.FromMinutes(1));

        var after = (await caseGrain.GetView())!;
        Assert.NotSame(activationBefore, Activation(caseGrain));
        Assert.Equal(before.AlertIds, after.AlertIds);
        Assert.Equal(before.EventCount, after.EventCount);
        Assert.Equal(1, relay.Feed.TimesRaised(droppedId));
        Assert.Equal(1, relay.Feed.TimesRaised(rejectedId));
        Assert.Equal(AlertStatus.Acknowledged, (await relay.AlertAsync(rejectedId))!.Status);
        Assert.Equal(AlertStatus.Open, (await relay.AlertAsync(droppedId))!.Status);

        // A retried raise after the book came back finds the alert already there.
        var retried = (await relay.AlertAsync(rejectedId))! with { Status = AlertStatus.Open, AcknowledgedBy = null, AcknowledgedAt = null };
        Assert.Empty(await relay.Grains.BookFor(rejectedId).Raise([retried]));
        Assert.Equal(AlertStatus.Acknowledged, (await relay.AlertAsync(rejectedId))!.Status);
        Assert.Equal(1, relay.Feed.TimesRaised(rejectedId));
    }

    private IGrainContext Activation(ICaseGrain grain)
    {
        Assert.True(relay.Cluster.TryGetGrainContext(grain.GetGrainId(), out var context), "the case is active");
        return context;
    }

    [Fact]
    public async Task Replaying_a_case_in_another_order_counts_every_event_as_a_duplicate_and_raises_nothing_again()
    {
        var s = new Script("replay");
        var t0 = relay.Now;
        var reject = s.Reject(t0 + TimeSpan.FromSeconds(2), "Billing");
        var contact = s.Contact(t0 + TimeSpan.FromSeconds(4));
        var events = new[]
        {
            s.Opened(t0, "Sales"), s.Request(t0 + TimeSpan.FromSeconds(1), "Sales", "Billing"), reject,
            s.Request(t0 + TimeSpan.FromSeconds(3), "Sales", "Support"), contact,
        };
        await relay.IngestAsync(events);
        var raised = new[] { s.AlertId(AlertKind.HandoffRejected, reject), s.AlertId(AlertKind.CustomerChasing, contact) };
        relay.PassReorderGrace();
        await relay.EventuallyAlertAsync(raised[1]);
        foreach (var id in raised) Assert.Equal(1, relay.Feed.TimesRaised(id));

        var replay = await relay.IngestAsync(events.Reverse().ToArray());

        Assert.All(replay.Status, status => Assert.Equal(EventStatus.Duplicate, status));
        foreach (var id in raised) Assert.Equal(1, relay.Feed.TimesRaised(id));
        Assert.Equal(events.Length, (await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).GetView())!.EventCount);
    }
}
