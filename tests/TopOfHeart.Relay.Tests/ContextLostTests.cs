namespace TopOfHeart.Relay.Tests;

public sealed class ContextLostTests
{
    [Fact]
    public void Repeating_information_before_any_handoff_raises_nothing()
    {
        var probe = new RelayProbe();

        var effects = probe.Apply(
            Opened("open", Min(0), Sales) with { CustomerRepeatedInfo = true },
            Interaction("ix", Min(0.5), Sales) with { CustomerRepeatedInfo = true });

        Assert.Empty(effects.Raised);
    }

    [Fact]
    public void Repeating_information_after_a_handoff_raises_context_lost_for_that_events_department()
    {
        var probe = RelayProbe.WithBatonAccepted();

        var alert = probe.Apply(Interaction("ix", Min(3), Billing) with { CustomerRepeatedInfo = true }).Single(AlertKind.ContextLost);

        Assert.Equal("ContextLost:case-17:ix", alert.AlertId);
        Assert.Equal(Severity.Medium, alert.Severity);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Sales, alert.FromDepartment);
        Assert.Equal(Billing, alert.ToDepartment);
        Assert.Null(alert.DueAt);
        Assert.Equal(["req", "ix"], alert.Evidence);
    }

    [Fact]
    public void Context_lost_names_the_department_of_the_event_even_when_it_is_not_the_owner()
    {
        var probe = RelayProbe.WithBatonAccepted();

        var alert = probe.Apply(Interaction("ix", Min(3), Support) with { CustomerRepeatedInfo = true }).Single(AlertKind.ContextLost);

        Assert.Equal(Support, alert.Department);
    }

    [Fact]
    public void The_first_event_after_the_request_already_counts()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var effects = probe.Apply(Accept("acc", Min(2), Billing) with { CustomerRepeatedInfo = true });

        Assert.Equal("ContextLost:case-17:acc", effects.Single(AlertKind.ContextLost).AlertId);
    }

    [Fact]
    public void The_handoff_request_itself_is_not_after_the_handoff()
    {
        var probe = new RelayProbe();

        var effects = probe.Apply(
            Opened("open", Min(0), Sales),
            Request("req", Min(1), Sales, Billing) with { CustomerRepeatedInfo = true });

        effects.HasNo(AlertKind.ContextLost);
    }
}
