namespace TopOfHeart.Relay.Tests;

public sealed class DroppedBatonTests
{
    [Fact]
    public void Default_sla_counts_from_the_requests_occurredAt_and_fires_at_the_deadline_not_one_tick_before()
    {
        var probe = new RelayProbe();
        // The request reaches the server 40 s after it happened: the SLA still runs from occurredAt.
        probe.ApplyAt(Min(1) + TimeSpan.FromSeconds(40),
            Opened("open", Min(0), Sales), Request("req", Min(1), Sales, Billing));

        Assert.Equal(Min(3), probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(OneTickBefore(Min(3))).Raised);
        var alert = probe.Check(Min(3)).Single(AlertKind.DroppedBaton);
        Assert.Equal(Min(3), alert.DueAt);
    }

    [Fact]
    public void Per_pair_sla_override_sets_the_deadline_of_that_pair()
    {
        var settings = new DetectionSettings { Slas = [new PairSla { From = Sales, To = Billing, AcceptWithin = TimeSpan.FromSeconds(30) }] };
        var probe = RelayProbe.WithBatonInFlight(settings);

        var due = Min(1) + TimeSpan.FromSeconds(30);
        Assert.Equal(due, probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(OneTickBefore(due)).Raised);
        var alert = probe.Check(due).Single(AlertKind.DroppedBaton);
        Assert.Equal(due, alert.DueAt);
        Assert.Contains("30 s", alert.Message);
    }

    [Fact]
    public void Per_pair_sla_override_does_not_apply_to_other_pairs_or_the_reverse_direction()
    {
        var settings = new DetectionSettings { Slas = [new PairSla { From = Sales, To = Billing, AcceptWithin = TimeSpan.FromSeconds(30) }] };
        var probe = new RelayProbe(settings);

        probe.Apply(Opened("open", Min(0), Billing), Request("req", Min(1), Billing, Sales));

        Assert.Equal(Min(3), probe.Relay.NextDeadline);
    }

    [Fact]
    public void Dropped_baton_alert_carries_the_contract_fields()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var alert = probe.Check(Min(5)).Single(AlertKind.DroppedBaton);

        Assert.Equal("DroppedBaton:case-17:req", alert.AlertId);
        Assert.Equal(Severity.High, alert.Severity);
        Assert.Equal(AlertStatus.Open, alert.Status);
        Assert.Equal(CaseId, alert.CaseId);
        Assert.Equal(CustomerId, alert.CustomerId);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Sales, alert.FromDepartment);
        Assert.Equal(Billing, alert.ToDepartment);
        Assert.Equal("req", alert.TriggerEventId);
        Assert.Equal(Min(5), alert.RaisedAt);
        Assert.Equal(Min(3), alert.DueAt);
        Assert.Equal(["req"], alert.Evidence);
        Assert.Equal("store-12/counter-3", alert.TouchpointId);
        Assert.Equal("Billing has not picked up case case-17 from Sales for 2 min", alert.Message);
    }

    [Fact]
    public void Dropped_baton_fires_once_and_leaves_no_deadline_behind()
    {
        var probe = RelayProbe.WithBatonInFlight();

        Assert.Single(probe.Check(Min(3)).Raised);

        Assert.Null(probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(Min(60)).Raised);
    }

    [Fact]
    public void Next_event_after_the_deadline_fires_the_dropped_baton_in_fold_before_its_own_alerts()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var effects = probe.ApplyPastGrace(Contact("call", Min(4)));

        Assert.Equal([AlertKind.DroppedBaton, AlertKind.CustomerChasing], effects.Kinds());
        Assert.Equal(Min(4), effects.Raised[0].RaisedAt);
        Assert.Equal(Min(3), effects.Raised[0].DueAt);
    }

    [Fact]
    public void Accept_exactly_at_the_deadline_is_on_time()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var effects = probe.Apply(Accept("acc", Min(3), Billing));

        Assert.Empty(effects.Raised);
        probe.Check(Min(3)).HasNo(AlertKind.DroppedBaton);
    }

    [Fact]
    public void Event_stamped_ahead_of_the_server_clock_does_not_fire_a_deadline_the_clock_has_not_reached()
    {
        var probe = RelayProbe.WithBatonInFlight();

        // The sender's clock runs ahead: the event says 4 min, the server says 2 min.
        var effects = probe.ApplyAt(Min(2), Interaction("ix", Min(4), Sales));

        effects.HasNo(AlertKind.DroppedBaton);
        Assert.Equal(Min(2) + probe.Grace, probe.Relay.NextDeadline); // the chase's reorder grace comes first
        probe.Check(Min(2) + probe.Grace).HasNo(AlertKind.DroppedBaton);
        Assert.Equal(Min(3), probe.Relay.NextDeadline);
        probe.Check(Min(3)).Single(AlertKind.DroppedBaton);
    }

    [Fact]
    public void Refusal_within_the_sla_cancels_the_deadline()
    {
        var probe = RelayProbe.WithBatonInFlight();

        probe.Apply(Reject("rej", Min(2), Billing));

        Assert.Null(probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(Min(60)).Raised);
    }
}
