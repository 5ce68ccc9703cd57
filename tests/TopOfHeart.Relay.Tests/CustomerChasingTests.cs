namespace TopOfHeart.Relay.Tests;

public sealed class CustomerChasingTests
{
    [Fact]
    public void Customer_contact_while_a_baton_is_in_flight_is_critical_for_the_receiver()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var alert = probe.ApplyPastGrace(Contact("call", Min(2))).Single(AlertKind.CustomerChasing);

        Assert.Equal("CustomerChasing:case-17:call", alert.AlertId);
        Assert.Equal(Severity.Critical, alert.Severity);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Sales, alert.FromDepartment);
        Assert.Equal(Billing, alert.ToDepartment);
        Assert.Equal("call", alert.TriggerEventId);
        Assert.Null(alert.DueAt);
        Assert.Equal(["req", "call"], alert.Evidence);
    }

    [Fact]
    public void Interaction_on_the_case_while_a_baton_is_in_flight_also_counts_as_chasing()
    {
        var probe = RelayProbe.WithBatonInFlight();

        // The customer walks back to the sender's counter.
        var alert = probe.ApplyPastGrace(Interaction("walk-in", Min(2), Sales)).Single(AlertKind.CustomerChasing);

        Assert.Equal("CustomerChasing:case-17:walk-in", alert.AlertId);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Severity.Critical, alert.Severity);
    }

    [Fact]
    public void Each_contact_while_in_flight_is_its_own_chasing_alert()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var effects = probe.ApplyPastGrace(Contact("call1", Min(1.5)), Contact("call2", Min(2.5)));

        Assert.Equal(
            [RelayProbe.IdOf(AlertKind.CustomerChasing, "call1"), RelayProbe.IdOf(AlertKind.CustomerChasing, "call2")],
            effects.Raised.Select(a => a.AlertId));
    }

    [Fact]
    public void Contact_with_no_baton_in_flight_is_not_chasing()
    {
        var probe = new RelayProbe();
        var before = probe.Apply(Opened("open", Min(0), Sales), Contact("call-before", Min(0.5)), Request("req", Min(1), Sales, Billing));
        probe.Apply(Accept("acc", Min(2), Billing));

        var after = probe.Apply(Contact("call-after", Min(3)), Interaction("ix-after", Min(4), Billing));

        before.HasNo(AlertKind.CustomerChasing);
        Assert.Empty(after.Raised);
    }
}
