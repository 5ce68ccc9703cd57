namespace TopOfHeart.Relay.Tests;

public sealed class ContributionTests
{
    private static readonly FigureKey HandoffSalesBilling = FigureKey.Of(Metric.Handoffs, Sales, Billing);

    /// <summary>Every counter of a contribution (its diff from nothing).</summary>
    private static Dictionary<FigureKey, long> Counters(Contribution contribution) => Deltas(null, contribution);

    private static Dictionary<FigureKey, long> Deltas(Contribution? before, Contribution? after)
    {
        var deltas = new List<FigureDelta>();
        Contribution.Diff(before, after, deltas);
        return deltas.ToDictionary(d => d.Key, d => d.Delta);
    }

    private static int AcceptBucket(double minutes) => AcceptTimeBuckets.Of(TimeSpan.FromMinutes(minutes));

    [Fact]
    public void A_case_never_seen_contributes_nothing()
    {
        Assert.Equal(0, new RelayProbe().Relay.Contribution().Count);
    }

    [Fact]
    public void A_baton_in_flight_counts_an_open_case_for_the_owner_a_baton_waiting_for_the_receiver_and_a_handoff()
    {
        var probe = RelayProbe.WithBatonInFlight();

        Assert.Equal(new Dictionary<FigureKey, long>
        {
            [FigureKey.Of(Metric.OpenCases, Sales)] = 1,
            [FigureKey.Of(Metric.BatonsWaiting, Billing, Sales)] = 1,
            [HandoffSalesBilling] = 1,
        }, Counters(probe.Relay.Contribution()));
    }

    [Fact]
    public void An_accepted_baton_moves_the_open_case_to_the_receiver_and_records_the_time_to_accept()
    {
        var probe = RelayProbe.WithBatonAccepted();

        Assert.Equal(new Dictionary<FigureKey, long>
        {
            [FigureKey.Of(Metric.OpenCases, Billing)] = 1,
            [HandoffSalesBilling] = 1,
            [FigureKey.Of(Metric.Accepted, Sales, Billing)] = 1,
            [FigureKey.Of(Metric.AcceptTime, Billing, n: AcceptBucket(1))] = 1,
        }, Counters(probe.Relay.Contribution()));
    }

    [Fact]
    public void A_refused_baton_counts_as_refused_and_the_case_stays_with_the_sender()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Apply(Reject("rej", Min(2), Billing));

        Assert.Equal(new Dictionary<FigureKey, long>
        {
            [FigureKey.Of(Metric.OpenCases, Sales)] = 1,
            [HandoffSalesBilling] = 1,
            [FigureKey.Of(Metric.Refused, Sales, Billing)] = 1,
        }, Counters(probe.Relay.Contribution()));
    }

    [Fact]
    public void A_dropped_baton_counts_on_the_utc_day_of_its_deadline_and_keeps_waiting()
    {
        var probe = RelayProbe.WithBatonInFlight();
        probe.Check(Min(3));

        var figures = probe.Relay.Contribution();

        Assert.Equal(1, figures[FigureKey.Of(Metric.Dropped, Sales, Billing, CaseRelay.DayNumber(Min(3)))]);
        Assert.Equal(1, figures[FigureKey.Of(Metric.BatonsWaiting, Billing, Sales)]);
    }

    [Fact]
    public void A_ping_pong_handoff_is_counted_for_its_pair()
    {
        var probe = RelayProbe.WithBatonAccepted();
        probe.Apply(Request("back", Min(3), Billing, Sales));

        var figures = probe.Relay.Contribution();

        Assert.Equal(1, figures[FigureKey.Of(Metric.PingPongs, Billing, Sales)]);
        Assert.Equal(0, figures[FigureKey.Of(Metric.PingPongs, Sales, Billing)]);
        Assert.Equal(1, figures[FigureKey.Of(Metric.Handoffs, Billing, Sales)]);
    }

    [Fact]
    public void A_resolved_case_is_no_longer_open_but_its_history_still_counts()
    {
        var probe = RelayProbe.WithBatonAccepted();
        probe.Apply(Resolved("done", Min(3), Billing));

        var figures = probe.Relay.Contribution();

        Assert.Equal(0, figures[FigureKey.Of(Metric.OpenCases, Billing)]);
        Assert.Equal(1, figures[HandoffSalesBilling]);
        Assert.Equal(1, figures[FigureKey.Of(Metric.Accepted, Sales, Billing)]);
    }

    [Fact]
    public void Diff_of_before_and_after_an_accept_gives_exactly_the_moves_on_the_floor()
    {
        var probe = RelayProbe.WithBatonInFlight();
        var before = probe.Relay.Contribution();

        probe.Apply(Accept("acc", Min(2.5), Billing));

        Assert.Equal(new Dictionary<FigureKey, long>
        {
            [FigureKey.Of(Metric.OpenCases, Sales)] = -1,
            [FigureKey.Of(Metric.OpenCases, Billing)] = 1,
            [FigureKey.Of(Metric.BatonsWaiting, Billing, Sales)] = -1,
            [FigureKey.Of(Metric.Accepted, Sales, Billing)] = 1,
            [FigureKey.Of(Metric.AcceptTime, Billing, n: AcceptBucket(1.5))] = 1,
        }, Deltas(before, probe.Relay.Contribution()));
    }

    [Fact]
    public void Diffs_along_the_way_add_up_to_the_final_contribution()
    {
        var probe = new RelayProbe();
        var floor = new Dictionary<FigureKey, long>();
        var last = probe.Relay.Contribution();
        void Step(Action change)
        {
            change();
            var now = probe.Relay.Contribution();
            foreach (var (key, delta) in Deltas(last, now)) floor[key] = floor.GetValueOrDefault(key) + delta;
            last = now;
        }

        Step(() => probe.Apply(Opened("open", Min(0), Sales), Request("req", Min(1), Sales, Billing)));
        Step(() => probe.Check(Min(3)));
        Step(() => probe.Apply(Accept("acc", Min(4), Billing)));
        Step(() => probe.Apply(Request("req2", Min(5), Billing, Support), Reject("rej", Min(6), Support)));
        Step(() => probe.Apply(Resolved("done", Min(7), Billing)));

        Assert.Equal(Counters(last), floor.Where(kv => kv.Value != 0).ToDictionary());
    }

    [Fact]
    public void A_contribution_with_many_counters_adds_copies_and_diffs_them_all()
    {
        var before = new Contribution();
        var after = new Contribution();
        for (var n = 0; n < 20; n++)
        {
            before.Add(FigureKey.Of(Metric.AcceptTime, Billing, n: n), n + 1);
            after.Add(FigureKey.Of(Metric.AcceptTime, Billing, n: n), n % 2 == 0 ? n + 1 : n + 3);
        }

        before.Add(FigureKey.Of(Metric.OpenCases, Sales));
        before.Add(FigureKey.Of(Metric.OpenCases, Sales), 2);
        after.Add(FigureKey.Of(Metric.OpenCases, Billing));

        Assert.Equal(3, before[FigureKey.Of(Metric.OpenCases, Sales)]);
        Assert.Equal(21, before.Count);
        var expected = Enumerable.Range(0, 20).Where(n => n % 2 == 1).ToDictionary(n => FigureKey.Of(Metric.AcceptTime, Billing, n: n), _ => 2L);
        expected[FigureKey.Of(Metric.OpenCases, Sales)] = -3;
        expected[FigureKey.Of(Metric.OpenCases, Billing)] = 1;
        Assert.Equal(expected, Deltas(before, after));

        // A copy holds exactly the same counters (the tables grew to 32 places; a copy takes 21).
        before.CopyFrom(after);
        Assert.Empty(Deltas(before, after));
        Assert.Equal(Counters(after), Counters(before));
        after.Clear();
        Assert.Equal(0, after.Count);
        after.CopyFrom(before);
        Assert.Equal(Counters(before), Counters(after));
    }
}
