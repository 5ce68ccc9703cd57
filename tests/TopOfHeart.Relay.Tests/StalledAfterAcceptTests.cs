namespace TopOfHeart.Relay.Tests;

public sealed class StalledAfterAcceptTests
{
    [Fact]
    public void No_event_by_the_new_owner_within_the_stall_timeout_raises_stalled_at_the_deadline_not_one_tick_before()
    {
        var probe = RelayProbe.WithBatonAccepted();

        Assert.Equal(Min(12), probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(OneTickBefore(Min(12))).Raised);
        var alert = probe.Check(Min(12)).Single(AlertKind.StalledAfterAccept);

        Assert.Equal("StalledAfterAccept:case-17:acc", alert.AlertId);
        Assert.Equal(Severity.Medium, alert.Severity);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Sales, alert.FromDepartment);
        Assert.Equal(Billing, alert.ToDepartment);
        Assert.Equal("acc", alert.TriggerEventId);
        Assert.Equal(Min(12), alert.DueAt);
        Assert.Equal(Min(12), alert.RaisedAt);
        Assert.Equal(["acc"], alert.Evidence);
    }

    [Fact]
    public void Stall_timeout_comes_from_the_settings()
    {
        var probe = RelayProbe.WithBatonAccepted(new DetectionSettings { StallTimeout = TimeSpan.FromMinutes(1) });

        Assert.Equal(Min(3), probe.Relay.NextDeadline);
        probe.Check(Min(3)).Single(AlertKind.StalledAfterAccept);
    }

    [Fact]
    public void An_event_by_the_new_owner_cancels_the_stall()
    {
        var probe = RelayProbe.WithBatonAccepted();

        probe.Apply(Interaction("ix", Min(11), Billing));

        Assert.Null(probe.Relay.NextDeadline);
        Assert.Empty(probe.Check(Min(60)).Raised);
    }

    [Fact]
    public void An_event_by_another_department_does_not_cancel_the_stall()
    {
        var probe = RelayProbe.WithBatonAccepted();

        probe.Apply(Interaction("ix", Min(5), Sales), Contact("call", Min(6)));

        Assert.Equal(Min(12), probe.Relay.NextDeadline);
        probe.Check(Min(12)).Single(AlertKind.StalledAfterAccept);
    }

    [Fact]
    public void An_event_by_the_new_owner_after_the_timeout_comes_too_late()
    {
        var probe = RelayProbe.WithBatonAccepted();

        var effects = probe.Apply(Interaction("ix", Min(13), Billing));

        Assert.Equal(Min(12), effects.Single(AlertKind.StalledAfterAccept).DueAt);
    }
}
