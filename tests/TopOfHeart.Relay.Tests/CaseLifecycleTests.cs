using System.Text.Json;

namespace TopOfHeart.Relay.Tests;

public sealed class CaseLifecycleTests
{
    private static string Snapshot(CaseRelay relay) => JsonSerializer.Serialize(relay.ToView());

    [Fact]
    public void Duplicate_event_id_is_refused_and_changes_nothing()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Apply(Contact("call", Min(1.5)));
        var before = Snapshot(probe.Relay);
        var figuresBefore = probe.Relay.Contribution();

        // Same id, different content: still the same event.
        var effects = new RelayEffects();
        var applied = probe.Relay.Apply(Contact("call", Min(2.5), Sales), Min(2.5), effects);
        var reapplied = probe.Relay.Apply(Request("req", Min(2.5), Sales, Support), Min(2.5), effects);

        Assert.False(applied);
        Assert.False(reapplied);
        Assert.True(effects.IsEmpty);
        Assert.Equal(3, probe.Relay.EventCount);
        Assert.Equal(before, Snapshot(probe.Relay));
        var deltas = new List<FigureDelta>();
        Contribution.Diff(figuresBefore, probe.Relay.Contribution(), deltas);
        Assert.Empty(deltas);
    }

    [Fact]
    public void An_interaction_opens_an_unknown_case_with_its_department_as_owner()
    {
        var probe = new RelayProbe();

        var effects = probe.Apply(Interaction("ix", Min(0), Support));

        Assert.Empty(effects.Raised);
        Assert.True(probe.Relay.Exists);
        Assert.False(probe.Relay.IsResolved);
        Assert.Equal(Support, probe.Relay.Owner);
        Assert.Equal(CustomerId, probe.Relay.CustomerId);
        Assert.Equal(Min(0), probe.Relay.ToView().OpenedAt);
        Assert.Null(probe.Relay.NextDeadline);
    }

    [Fact]
    public void A_handoff_request_opens_an_unknown_case_with_the_sender_as_owner_and_the_baton_in_flight()
    {
        var probe = new RelayProbe();

        var effects = probe.Apply(Request("req", Min(1), Sales, Billing));

        Assert.Empty(effects.Raised);
        Assert.Equal(Sales, probe.Relay.Owner);
        var view = probe.Relay.ToView();
        Assert.Equal(1, view.HopCount);
        Assert.Equal(Billing, view.BatonInFlight?.ToDepartment);
        Assert.Equal(Min(3), view.BatonInFlight?.DueAt);
        Assert.Equal(Min(3), probe.Relay.NextDeadline);
        probe.Check(Min(3)).Single(AlertKind.DroppedBaton);
    }

    [Fact]
    public void A_customer_contact_opens_an_unknown_case_without_an_owner()
    {
        var probe = new RelayProbe();

        var effects = probe.Apply(Contact("call", Min(0)));

        Assert.Empty(effects.Raised);
        Assert.True(probe.Relay.Exists);
        Assert.Null(probe.Relay.Owner);
    }

    [Fact]
    public void An_accept_with_no_request_hands_the_case_over_without_alerts_and_arms_the_stall()
    {
        var probe = new RelayProbe();
        probe.Apply(Opened("open", Min(0), Sales));

        var effects = probe.Apply(Accept("acc", Min(2), Billing));

        Assert.Empty(effects.Raised);
        Assert.Empty(effects.Resolved);
        Assert.Empty(effects.TimesToAccept);
        Assert.Equal(Billing, probe.Relay.Owner);
        var leg = Assert.Single(probe.Relay.ToView().Legs);
        Assert.Equal((Sales, Billing, "accepted"), (leg.FromDepartment, leg.ToDepartment, leg.Outcome));
        Assert.Null(leg.TimeToAcceptSeconds);
        Assert.Equal(Min(12), probe.Relay.NextDeadline);
    }

    [Fact]
    public void An_accept_on_an_unknown_case_makes_the_receiver_owner_of_a_handoff_from_nobody()
    {
        var probe = new RelayProbe();

        var effects = probe.Apply(Accept("acc", Min(2), Billing));

        Assert.Empty(effects.Raised);
        Assert.Equal(Billing, probe.Relay.Owner);
        Assert.Null(Assert.Single(probe.Relay.ToView().Legs).FromDepartment);
    }

    [Fact]
    public void A_new_request_after_a_refusal_arms_its_own_deadline_and_counts_as_a_hop()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Apply(Reject("rej", Min(2), Billing));

        var effects = probe.Apply(Request("req2", Min(4), Sales, Billing));

        Assert.Empty(effects.Raised);
        Assert.Equal(2, probe.Relay.ToView().HopCount);
        Assert.Equal(Min(6), probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(OneTickBefore(Min(6))).Raised);
        Assert.Equal("DroppedBaton:case-17:req2", probe.Check(Min(6)).Single(AlertKind.DroppedBaton).AlertId);
    }

    [Fact]
    public void Resolving_the_case_cancels_its_deadlines()
    {
        var probe = RelayProbe.WithBatonInFlight();

        probe.Apply(Resolved("done", Min(2), Sales));

        Assert.True(probe.Relay.IsResolved);
        Assert.Null(probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(Min(60)).Raised);
    }

    [Fact]
    public void Events_after_resolution_raise_no_alerts_and_arm_no_deadlines()
    {
        var probe = RelayProbe.WithBatonAccepted();
        probe.Apply(Interaction("ix", Min(2.5), Billing) with { Sentiment = 0.9 }, Resolved("done", Min(3), Billing));

        var effects = probe.Apply(
            Request("req2", Min(4), Billing, Sales),
            Contact("call", Min(5)) with { CustomerRepeatedInfo = true, Sentiment = -1.0 },
            Reject("rej", Min(6), Sales),
            Accept("acc2", Min(7), Support));

        Assert.True(effects.IsEmpty);
        Assert.Null(probe.Relay.NextDeadline);
        Assert.True(probe.Check(Min(60)).IsEmpty);
        Assert.True(probe.Relay.IsResolved);
        Assert.Equal(Billing, probe.Relay.Owner);
    }

    [Fact]
    public void A_case_reopened_by_another_department_counts_that_department_as_a_former_owner()
    {
        var probe = RelayProbe.WithBatonAccepted();
        probe.Apply(
            Interaction("ix", Min(2.5), Billing),
            Resolved("done", Min(3), Billing),
            Opened("reopen", Min(4), Support),
            Request("req2", Min(5), Support, Sales),
            Accept("acc2", Min(6), Sales));

        var effects = probe.Apply(Request("back", Min(7), Sales, Support));

        Assert.Equal(Support, probe.Relay.ToView().Legs[1].FromDepartment);
        Assert.Equal("PingPong:case-17:back", effects.Single(AlertKind.PingPong).AlertId);
    }
}
