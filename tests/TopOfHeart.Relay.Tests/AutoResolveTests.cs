namespace TopOfHeart.Relay.Tests;

public sealed class AutoResolveTests
{
    private static readonly string Dropped = RelayProbe.IdOf(AlertKind.DroppedBaton, "req");

    [Fact]
    public void Late_accept_resolves_the_dropped_baton_and_every_chasing_alert_of_that_baton()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Check(Min(3)).Single(AlertKind.DroppedBaton);
        probe.ApplyPastGrace(Contact("call1", Min(4)), Contact("call2", Min(5)));

        var effects = probe.Apply(Accept("acc", Min(6), Billing));

        Assert.Empty(effects.Raised);
        effects.ResolvedExactly(Dropped, RelayProbe.IdOf(AlertKind.CustomerChasing, "call1"), RelayProbe.IdOf(AlertKind.CustomerChasing, "call2"));
        Assert.Equal(effects.Resolved.Order(StringComparer.Ordinal), probe.Relay.AutoResolvedAlertIds.Order(StringComparer.Ordinal));
        Assert.Equal(TimeSpan.FromMinutes(5), effects.TimesToAccept["acc"]);
    }

    [Fact]
    public void Accept_within_the_sla_resolves_the_chasing_alerts_of_that_baton()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Apply(Contact("call", Min(1.5)));

        var effects = probe.Apply(Accept("acc", Min(2), Billing));

        effects.ResolvedExactly(RelayProbe.IdOf(AlertKind.CustomerChasing, "call"));
    }

    [Fact]
    public void Refusal_after_a_drop_resolves_nothing()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Check(Min(3));
        probe.Apply(Contact("call", Min(4)));

        var effects = probe.Apply(Reject("rej", Min(5), Billing));

        Assert.Empty(effects.Resolved);
    }

    [Fact]
    public void Accept_of_a_later_baton_does_not_resolve_alerts_of_an_earlier_refused_one()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Check(Min(3));
        probe.Apply(Reject("rej", Min(4), Billing), Request("req2", Min(5), Sales, Billing));

        var effects = probe.Apply(Accept("acc", Min(6), Billing));

        Assert.Empty(effects.Resolved);
    }

    [Fact]
    public void Accept_that_occurred_in_time_but_reached_the_server_after_the_drop_resolves_the_drop_and_withdraws_the_chase()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Check(Min(3)).Single(AlertKind.DroppedBaton);
        probe.ApplyPastGrace(Contact("call", Min(4))).Single(AlertKind.CustomerChasing);

        // Billing accepted at 2 min; the event is delivered at 5 min, behind the contact in arrival order.
        var effects = probe.ApplyAt(Min(5), Accept("acc", Min(2), Billing));

        Assert.Empty(effects.Raised);
        var chase = RelayProbe.IdOf(AlertKind.CustomerChasing, "call");
        effects.ResolvedExactly(Dropped, chase);
        Assert.Equal(AlertVocabulary.LatePickup, probe.Relay.ResolutionOf(Dropped));
        Assert.Equal(AlertVocabulary.Withdrawn, probe.Relay.ResolutionOf(chase));
    }
}
