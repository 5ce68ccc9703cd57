namespace TopOfHeart.Relay.Tests;

public sealed class PingPongTests
{
    [Fact]
    public void Handoff_back_to_a_department_that_already_owned_the_case_is_a_ping_pong_of_the_sender()
    {
        var probe = RelayProbe.WithBatonAccepted();

        var alert = probe.Apply(Request("back", Min(3), Billing, Sales)).Single(AlertKind.PingPong);

        Assert.Equal("PingPong:case-17:back", alert.AlertId);
        Assert.Equal(Severity.High, alert.Severity);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Billing, alert.FromDepartment);
        Assert.Equal(Sales, alert.ToDepartment);
        Assert.Null(alert.DueAt);
        Assert.Equal(["req", "back"], alert.Evidence);
    }

    [Fact]
    public void Handoff_to_a_department_that_only_refused_it_before_is_not_a_ping_pong()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Apply(Reject("rej", Min(2), Billing));

        var effects = probe.Apply(Request("again", Min(3), Sales, Billing));

        effects.HasNo(AlertKind.PingPong);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Request_number_MaxHops_plus_one_and_later_are_ping_pongs_even_to_new_departments(int maxHops)
    {
        var probe = new RelayProbe(new DetectionSettings { MaxHops = maxHops });
        probe.Apply(Opened("open", Min(0), "D0"));

        var pingPongs = new List<bool>();
        for (var hop = 1; hop <= maxHops + 2; hop++)
        {
            var effects = probe.Apply(
                Request($"req{hop}", Min(hop), $"D{hop - 1}", $"D{hop}"),
                Accept($"acc{hop}", Min(hop + 0.5), $"D{hop}"));
            pingPongs.Add(effects.Kinds().Contains(AlertKind.PingPong));
        }

        var expected = Enumerable.Range(1, maxHops + 2).Select(hop => hop >= maxHops + 1);
        Assert.Equal(expected, pingPongs);
    }

    [Fact]
    public void Ping_pong_for_too_many_hops_names_the_sender_and_lists_every_request()
    {
        var probe = new RelayProbe(new DetectionSettings { MaxHops = 1 });
        probe.Apply(Opened("open", Min(0), Sales), Request("req1", Min(1), Sales, Billing), Accept("acc1", Min(2), Billing));

        var alert = probe.Apply(Request("req2", Min(3), Billing, Support)).Single(AlertKind.PingPong);

        Assert.Equal("PingPong:case-17:req2", alert.AlertId);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(["req1", "req2"], alert.Evidence);
    }
}
