namespace TopOfHeart.Relay.Tests;

public sealed class HandoffRejectedTests
{
    [Fact]
    public void Refusal_raises_a_medium_alert_for_the_receiver_with_the_reason()
    {
        var probe = RelayProbe.WithBatonInFlight();

        var alert = probe.Apply(Reject("rej", Min(2), Billing, reason: "not our product")).Single(AlertKind.HandoffRejected);

        Assert.Equal("HandoffRejected:case-17:rej", alert.AlertId);
        Assert.Equal(Severity.Medium, alert.Severity);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Sales, alert.FromDepartment);
        Assert.Equal(Billing, alert.ToDepartment);
        Assert.Equal("rej", alert.TriggerEventId);
        Assert.Null(alert.DueAt);
        Assert.Equal(["req", "rej"], alert.Evidence);
        Assert.Contains("not our product", alert.Message);
    }

    [Fact]
    public void Refusal_leaves_the_sender_as_owner()
    {
        var probe = RelayProbe.WithBatonInFlight();

        probe.Apply(Reject("rej", Min(2), Billing));

        Assert.Equal(Sales, probe.Relay.Owner);
        Assert.Null(probe.Relay.ToView().BatonInFlight);
    }
}
