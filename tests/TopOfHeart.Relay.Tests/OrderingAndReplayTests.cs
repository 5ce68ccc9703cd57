namespace TopOfHeart.Relay.Tests;

public sealed class OrderingAndReplayTests
{
    [Fact]
    public void An_accept_that_arrives_before_its_request_cancels_the_deadline_and_times_the_accept_from_the_request()
    {
        var probe = new RelayProbe();
        var all = new List<RelayEffects>
        {
            probe.Apply(Opened("open", Min(0), Sales), Accept("acc", Min(2), Billing)),
            // The request (sent at 1 min) reaches the server at 10 min, long after its SLA ran out.
            probe.ApplyAt(Min(10), Request("req", Min(1), Sales, Billing)),
            probe.Check(Min(10)),
        };

        Assert.DoesNotContain(all.SelectMany(e => e.Raised), a => a.Kind == AlertKind.DroppedBaton);
        Assert.Equal(Min(12), probe.Relay.NextDeadline);
        var leg = Assert.Single(probe.Relay.ToView().Legs);
        Assert.Equal(("req", "accepted", false), (leg.RequestEventId, leg.Outcome, leg.Dropped));
        Assert.Equal(60.0, leg.TimeToAcceptSeconds);
        var figures = probe.Relay.Contribution();
        Assert.Equal(1, figures[FigureKey.Of(Metric.Handoffs, Sales, Billing)]);
        Assert.Equal(1, figures[FigureKey.Of(Metric.AcceptTime, Billing, n: AcceptTimeBuckets.Of(TimeSpan.FromMinutes(1)))]);
    }

    [Fact]
    public void A_request_whose_deadline_passed_before_it_arrived_fires_at_the_first_check()
    {
        var probe = new RelayProbe();
        var applied = probe.ApplyAt(Min(20), Opened("open", Min(0), Sales), Request("req", Min(1), Sales, Billing));

        applied.HasNo(AlertKind.DroppedBaton);
        Assert.True(probe.Relay.NextDeadline <= Min(20));
        var alert = probe.Check(Min(20)).Single(AlertKind.DroppedBaton);
        Assert.Equal(Min(3), alert.DueAt);
        Assert.Equal(Min(20), alert.RaisedAt);
    }

    [Fact]
    public void A_batch_of_late_events_raises_the_dropped_baton_in_fold_and_resolves_it_at_the_accept()
    {
        var probe = new RelayProbe();

        var effects = probe.ApplyAt(Min(10),
            Opened("open", Min(0), Sales),
            Request("req", Min(1), Sales, Billing),
            Interaction("ix", Min(4), Sales),
            Accept("acc", Min(5), Billing));
        // The interaction chased before the accept: held for the reorder grace, then raised and resolved at once.
        probe.Relay.CheckDeadlines(Min(10) + probe.Grace, effects);

        Assert.Equal([AlertKind.DroppedBaton, AlertKind.CustomerChasing], effects.Kinds());
        var dropped = effects.Raised[0];
        Assert.Equal(("DroppedBaton:case-17:req", Min(3), Min(10)), (dropped.AlertId, dropped.DueAt, dropped.RaisedAt));
        effects.ResolvedExactly("DroppedBaton:case-17:req", "CustomerChasing:case-17:ix");
        Assert.Equal(TimeSpan.FromMinutes(4), effects.TimesToAccept["acc"]);
        Assert.Equal(Billing, probe.Relay.Owner);
    }

    [Fact]
    public void An_out_of_order_event_is_folded_in_its_place_and_raises_nothing_twice()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Check(Min(3)).Single(AlertKind.DroppedBaton);
        probe.ApplyPastGrace(Contact("call", Min(4))).Single(AlertKind.CustomerChasing);

        var effects = probe.ApplyAt(Min(5), Feedback("fb", Min(2)));

        Assert.True(effects.IsEmpty);
        Assert.Equal(["open", "req", "fb", "call"], probe.Relay.Events.Select(e => e.EventId));
        Assert.Equal(["DroppedBaton:case-17:req", "CustomerChasing:case-17:call"], probe.Relay.ToView().AlertIds);
    }

    [Fact]
    public void An_out_of_order_event_that_changes_the_story_raises_the_new_alerts_only()
    {
        var probe = RelayProbe.WithBatonAccepted();
        probe.Apply(Contact("call", Min(2.5)));

        // A refusal by Support at 1.5 min: new alert; the accepted baton stays accepted.
        var effects = probe.ApplyAt(Min(3), Reject("rej", Min(1.5), Support));

        Assert.Equal(["HandoffRejected:case-17:rej"], effects.Raised.Select(a => a.AlertId));
        Assert.Equal(Billing, probe.Relay.Owner);
    }

    [Fact]
    public void Restore_with_the_raised_ids_raises_and_resolves_nothing_again()
    {
        var live = RelayProbe.WithBatonInFlight();
        live.Check(Min(3));
        live.Apply(Contact("call", Min(4)), Accept("acc", Min(5), Billing));

        var effects = new RelayEffects();
        var restored = CaseRelay.Restore(CaseId, new DetectionSettings(), live.Relay.Events,
            live.Relay.RaisedAlertIds, live.Relay.AutoResolvedAlertIds, Min(6), effects);

        Assert.True(effects.IsEmpty);
        Assert.Equal(live.Relay.ToView().AlertIds, restored.ToView().AlertIds);
        Assert.Equal(Billing, restored.Owner);
        Assert.Equal(Min(15), restored.NextDeadline);
    }

    [Fact]
    public void Restore_keeps_a_drop_that_fired_on_the_server_clock_before_an_accept_reported_late()
    {
        var live = RelayProbe.WithBatonInFlight();
        live.Check(Min(3));
        live.ApplyAt(Min(4), Accept("acc", Min(2), Billing));

        var restored = CaseRelay.Restore(CaseId, new DetectionSettings(), live.Relay.Events,
            live.Relay.RaisedAlertIds, live.Relay.AutoResolvedAlertIds, Min(6), new RelayEffects());

        Assert.True(live.Relay.ToView().Legs[0].Dropped);
        Assert.True(restored.ToView().Legs[0].Dropped);
        Assert.Equal(live.Relay.ToView().AlertIds, restored.ToView().AlertIds);
        Assert.Equal(live.Relay.Contribution()[FigureKey.Of(Metric.Dropped, Sales, Billing, CaseRelay.DayNumber(Min(3)))],
            restored.Contribution()[FigureKey.Of(Metric.Dropped, Sales, Billing, CaseRelay.DayNumber(Min(3)))]);
    }

    [Fact]
    public void Restore_raises_and_resolves_what_the_stored_case_had_not_yet_raised()
    {
        var live = RelayProbe.WithBatonInFlight();
        live.Apply(Contact("call", Min(4)), Accept("acc", Min(5), Billing));

        var effects = new RelayEffects();
        var restored = CaseRelay.Restore(CaseId, live.Settings, live.Relay.Events, [], [], Min(6), effects);
        // Stored events count as arriving now: the chase not raised yet waits out the reorder grace again.
        Assert.Equal(Min(6) + live.Grace, restored.NextDeadline);
        restored.CheckDeadlines(Min(6) + live.Grace, effects);

        Assert.Equal(["DroppedBaton:case-17:req", "CustomerChasing:case-17:call"], effects.Raised.Select(a => a.AlertId));
        effects.ResolvedExactly("DroppedBaton:case-17:req", "CustomerChasing:case-17:call");
    }

    [Fact]
    public void Restore_sorts_stored_events_and_leaves_deadlines_after_the_last_event_to_CheckDeadlines()
    {
        TouchpointEvent[] stored = [Request("req", Min(1), Sales, Billing), Opened("open", Min(0), Sales)];

        var effects = new RelayEffects();
        var restored = CaseRelay.Restore(CaseId, new DetectionSettings(), stored, [], [], Min(10), effects);

        Assert.True(effects.IsEmpty);
        Assert.Equal(["open", "req"], restored.Events.Select(e => e.EventId));
        Assert.Equal(Min(3), restored.NextDeadline);
        restored.CheckDeadlines(Min(10), effects);
        Assert.Equal("DroppedBaton:case-17:req", effects.Single(AlertKind.DroppedBaton).AlertId);
    }

    [Fact]
    public void Restore_then_the_same_deadline_check_does_not_raise_a_dropped_baton_again()
    {
        var live = RelayProbe.WithBatonInFlight();
        live.Check(Min(3)).Single(AlertKind.DroppedBaton);

        var effects = new RelayEffects();
        var restored = CaseRelay.Restore(CaseId, new DetectionSettings(), live.Relay.Events,
            live.Relay.RaisedAlertIds, live.Relay.AutoResolvedAlertIds, Min(4), effects);
        restored.CheckDeadlines(Min(4), effects);

        Assert.True(effects.IsEmpty);
    }

    [Fact]
    public void Restore_ignores_duplicate_stored_events()
    {
        var open = Opened("open", Min(0), Sales);

        var restored = CaseRelay.Restore(CaseId, new DetectionSettings(), [open, open], [], [], Min(1), new RelayEffects());

        Assert.Equal(1, restored.EventCount);
    }
}
