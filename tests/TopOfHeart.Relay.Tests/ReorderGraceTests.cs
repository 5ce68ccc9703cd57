namespace TopOfHeart.Relay.Tests;

/// <summary>
/// A chase rests on an accept not having arrived; requests overtake each other, so it is held for the reorder grace
/// (from the contact's arrival on the server clock) and raised only if the replayed fold still has the baton in flight.
/// </summary>
public sealed class ReorderGraceTests
{
    private static readonly string Chase = RelayProbe.IdOf(AlertKind.CustomerChasing, "call");

    [Fact]
    public void A_chase_is_held_for_the_grace_and_raised_when_no_earlier_accept_arrives()
    {
        var probe = RelayProbe.WithBatonInFlight();
        var arrived = Min(2);

        var applied = probe.ApplyAt(arrived, Contact("call", Min(2)));

        Assert.Empty(applied.Raised);
        Assert.Equal(arrived + probe.Grace, probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(OneTickBefore(arrived + probe.Grace)).Raised);
        var alert = probe.Check(arrived + probe.Grace).Single(AlertKind.CustomerChasing);
        Assert.Equal((Chase, arrived + probe.Grace), (alert.AlertId, alert.RaisedAt));
        Assert.Equal(Min(3), probe.Relay.NextDeadline);
    }

    [Fact]
    public void An_earlier_accept_overtaken_by_the_contact_within_the_grace_cancels_the_chase()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.ApplyAt(Min(2.5), Contact("call", Min(2.5)));

        // Billing accepted at 2 min; its request was overtaken and reaches the server one second after the contact.
        var accepted = probe.ApplyAt(Min(2.5) + TimeSpan.FromSeconds(1), Accept("acc", Min(2), Billing));
        var afterGrace = probe.Check(Min(2.5) + probe.Grace);

        Assert.True(accepted.IsEmpty);
        Assert.True(afterGrace.IsEmpty);
        Assert.Empty(probe.Relay.RaisedAlertIds);
        Assert.Empty(probe.Relay.ToView().AlertIds);
        Assert.Equal(Min(12), probe.Relay.NextDeadline); // only the new owner's stall timeout is left
    }

    [Fact]
    public void The_grace_counts_from_arrival_on_the_server_clock_not_from_when_the_contact_happened()
    {
        var probe = RelayProbe.WithBatonInFlight();

        probe.ApplyAt(Min(2.5), Contact("call", Min(1.5)));

        Assert.Equal(Min(2.5) + probe.Grace, probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(Min(1.5) + probe.Grace).Raised);
        probe.Check(Min(2.5) + probe.Grace).Single(AlertKind.CustomerChasing);
    }

    [Fact]
    public void A_replay_for_an_unrelated_late_event_keeps_the_held_chase_on_its_first_arrival()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.ApplyAt(Min(2), Contact("call", Min(2)));

        probe.ApplyAt(Min(2) + TimeSpan.FromSeconds(1), Feedback("fb", Min(1.5)));

        Assert.Equal(Min(2) + probe.Grace, probe.Relay.NextDeadline);
        probe.Check(Min(2) + probe.Grace).Single(AlertKind.CustomerChasing);
    }

    [Fact]
    public void An_event_after_the_grace_releases_the_held_chase_before_its_own_alerts()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.ApplyAt(Min(2), Contact("call", Min(2)));

        var effects = probe.ApplyAt(Min(2.5), Reject("rej", Min(2.5), Billing));

        Assert.Equal([AlertKind.CustomerChasing, AlertKind.HandoffRejected], effects.Kinds());
        Assert.Empty(effects.Resolved);
    }

    [Fact]
    public void A_real_chase_whose_baton_is_accepted_during_the_grace_is_raised_and_resolved_as_a_late_pickup()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.ApplyAt(Min(2), Contact("call", Min(2)));

        // The accept happened after the contact: the customer did chase, and the baton was then picked up.
        var accepted = probe.ApplyAt(Min(2) + TimeSpan.FromSeconds(1), Accept("acc", Min(2) + TimeSpan.FromSeconds(1), Billing));
        var afterGrace = probe.Check(Min(2) + probe.Grace);

        Assert.True(accepted.IsEmpty);
        Assert.Equal(Chase, afterGrace.Single(AlertKind.CustomerChasing).AlertId);
        afterGrace.ResolvedExactly(Chase);
        Assert.Equal(AlertVocabulary.LatePickup, probe.Relay.ResolutionOf(Chase));
    }

    [Fact]
    public void An_accept_reported_after_the_grace_withdraws_the_chase_it_shows_false()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.ApplyAt(Min(2.5), Contact("call", Min(2.5)));
        probe.Check(Min(2.5) + probe.Grace).Single(AlertKind.CustomerChasing);

        var effects = probe.ApplyAt(Min(2.6), Accept("acc", Min(2), Billing));

        Assert.Empty(effects.Raised);
        effects.ResolvedExactly(Chase);
        Assert.Equal(AlertVocabulary.Withdrawn, probe.Relay.ResolutionOf(Chase));
        Assert.Equal([Chase], probe.Relay.ToView().AlertIds);
        Assert.Equal(Billing, probe.Relay.Owner);
    }

    [Fact]
    public void A_refusal_or_a_close_reported_after_the_grace_also_withdraws_the_chase()
    {
        var refused = RelayProbe.WithBatonInFlight();
        var closed = RelayProbe.WithBatonInFlight();
        foreach (var probe in new[] { refused, closed })
        {
            probe.ApplyAt(Min(2.5), Contact("call", Min(2.5)));
            probe.Check(Min(2.5) + probe.Grace).Single(AlertKind.CustomerChasing);
        }

        var refusal = refused.ApplyAt(Min(2.6), Reject("rej", Min(2), Billing));
        var close = closed.ApplyAt(Min(2.6), Resolved("done", Min(2), Sales));

        refusal.ResolvedExactly(Chase);
        close.ResolvedExactly(Chase);
        Assert.Equal(AlertVocabulary.Withdrawn, refused.Relay.ResolutionOf(Chase));
        Assert.Equal(AlertVocabulary.Withdrawn, closed.Relay.ResolutionOf(Chase));
    }

    [Fact]
    public void Restore_with_the_raised_ids_withdraws_nothing_again_and_keeps_the_reason()
    {
        var live = RelayProbe.WithBatonInFlight();
        live.ApplyAt(Min(2.5), Contact("call", Min(2.5)));
        live.Check(Min(2.5) + live.Grace);
        live.ApplyAt(Min(2.6), Accept("acc", Min(2), Billing));

        var effects = new RelayEffects();
        var restored = CaseRelay.Restore(CaseId, live.Settings, live.Relay.Events,
            live.Relay.RaisedAlertIds, live.Relay.AutoResolvedAlertIds, Min(3), effects);
        restored.CheckDeadlines(Min(3) + live.Grace, effects);

        Assert.True(effects.IsEmpty);
        Assert.Equal(AlertVocabulary.Withdrawn, restored.ResolutionOf(Chase));
        Assert.Equal([Chase], restored.ToView().AlertIds);
    }

    [Fact]
    public void Holding_a_chase_asks_for_a_wake_up_at_the_end_of_its_grace_and_raising_one_does_not()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var held = probe.ApplyAt(Min(2), Contact("call", Min(2)), Contact("call2", Min(2.1)));
        var released = probe.Check(Min(2) + probe.Grace);
        var restored = new RelayEffects();
        CaseRelay.Restore(CaseId, probe.Settings, probe.Relay.Events, probe.Relay.RaisedAlertIds, [], Min(2.2), restored);

        Assert.Equal(Min(2) + probe.Grace, held.HeldUntil);
        Assert.Null(released.HeldUntil);
        Assert.Null(restored.HeldUntil); // both chases raised: nothing left to hold
    }

    [Fact]
    public void A_zero_grace_raises_the_chase_at_once()
    {
        var probe = RelayProbe.WithBatonInFlight(new DetectionSettings { ReorderGrace = TimeSpan.Zero });

        var effects = probe.ApplyAt(Min(2), Contact("call", Min(2)));

        Assert.Equal(Chase, effects.Single(AlertKind.CustomerChasing).AlertId);
        Assert.Equal(Min(3), probe.Relay.NextDeadline);
    }
}
