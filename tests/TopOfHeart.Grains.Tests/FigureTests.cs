using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.Grains.Tests.TestKit;

namespace TopOfHeart.Grains.Tests;

/// <summary>Department and floor figures: cases contribute, the silo's aggregator flushes, the grains add up.</summary>
public sealed class FigureTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private async Task<DepartmentView> DepartmentAsync(string name) =>
        (await relay.Grains.GetGrain<IDepartmentGrain>(name).GetView())
        ?? throw new Xunit.Sdk.XunitException($"department {name} has no figures");

    private static HandoffCell? Cell(BoardSnapshot board, string from, string to) =>
        board.Matrix.SingleOrDefault(c => c.From == from && c.To == to);

    [Fact]
    public async Task Department_and_floor_figures_add_up_the_cases_after_a_flush()
    {
        var sales = Script.Department("Sales");
        var billing = Script.Department("Billing");
        var support = Script.Department("Support");
        var t0 = relay.Now - TimeSpan.FromMinutes(5);

        var events = new List<Contracts.Events.TouchpointEvent>();
        // Batons accepted by Billing after 30, 60 and 90 s (and the bounced one after 60 s): median 60 s.
        foreach (var wait in new[] { 30, 90, 60 })
        {
            var s = new Script("accepted");
            events.AddRange([s.Opened(t0, sales), s.Request(t0, sales, billing), s.Accept(t0 + Seconds(wait), billing)]);
        }

        var refused = new Script("refused");
        events.AddRange([refused.Opened(t0, sales), refused.Request(t0, sales, billing), refused.Reject(t0 + Seconds(5), billing)]);
        var waiting = new Script("waiting");
        events.AddRange([waiting.Opened(t0 + Seconds(200), sales), waiting.Request(t0 + Seconds(200), sales, support)]);
        var dropped = new Script("dropped");
        events.AddRange([dropped.Opened(t0, sales), dropped.Request(t0, sales, support)]);
        // Accepted after 60 s, then sent back to Sales: a ping-pong whose baton is still within its SLA.
        var bounced = new Script("bounced");
        var tb = relay.Now - Seconds(90);
        events.AddRange([bounced.Opened(tb, sales), bounced.Request(tb, sales, billing), bounced.Accept(tb + Seconds(60), billing),
            bounced.Request(tb + Seconds(70), billing, sales)]);
        var closed = new Script("closed");
        events.AddRange([closed.Opened(t0, billing), closed.Resolved(t0 + Seconds(1), billing)]);

        await relay.IngestAsync([.. events]);
        await relay.FlushFiguresAsync();

        var s1 = await DepartmentAsync(sales);
        var b1 = await DepartmentAsync(billing);
        var c1 = await DepartmentAsync(support);

        // Open cases by owner: Sales keeps refused, waiting, dropped; Billing has the three accepted and the bounced one.
        Assert.Equal((3, 4, 0), (s1.OpenCases, b1.OpenCases, c1.OpenCases));
        // Batons in flight, by receiver: Support waits for two (one of them dropped), Sales for the bounce.
        Assert.Equal((1, 0, 2), (s1.BatonsWaiting, b1.BatonsWaiting, c1.BatonsWaiting));
        Assert.Equal((0, 0, 1), (s1.DroppedToday, b1.DroppedToday, c1.DroppedToday));
        Assert.Equal((1, 1), (s1.DroppedSent, c1.DroppedReceived));
        Assert.InRange(b1.MedianTimeToAcceptSeconds!.Value, 60 * 0.95, 60 * 1.05);
        Assert.Null(c1.MedianTimeToAcceptSeconds);
        Assert.Equal((7, 1), (s1.HandoffsSent, s1.HandoffsReceived));
        Assert.Equal((1, 5), (b1.HandoffsSent, b1.HandoffsReceived));
        Assert.Equal(4, b1.AcceptedReceived);
        Assert.Equal((1, 0), (s1.RefusalsSent, s1.RefusalsReceived));
        Assert.Equal((0, 1), (b1.RefusalsSent, b1.RefusalsReceived));
        Assert.Equal((0, 1), (s1.PingPongsSent, s1.PingPongsReceived));
        Assert.Equal((1, 0), (b1.PingPongsSent, b1.PingPongsReceived));
        // Open alerts by responsible department: Billing refused one and bounced one; Support dropped one.
        Assert.Equal((0, 2, 1), (s1.OpenAlerts, b1.OpenAlerts, c1.OpenAlerts));

        var board = await relay.Grains.GetGrain<IFloorGrain>(0).GetSnapshot();
        Assert.Equal((5L, 1L), (Cell(board, sales, billing)!.Count, Cell(board, sales, billing)!.Failed));
        Assert.Equal((2L, 1L), (Cell(board, sales, support)!.Count, Cell(board, sales, support)!.Failed));
        Assert.Equal((1L, 0L), (Cell(board, billing, sales)!.Count, Cell(board, billing, sales)!.Failed));
        var boardBilling = board.Departments.Single(d => d.Department == billing);
        Assert.Equal((4L, 0L, 0L, 2L), (boardBilling.OpenCases, boardBilling.BatonsWaiting, boardBilling.DroppedToday, boardBilling.OpenAlerts));
        Assert.Equal(b1.MedianTimeToAcceptSeconds, boardBilling.MedianTimeToAcceptSeconds);
        var boardSupport = board.Departments.Single(d => d.Department == support);
        Assert.Equal((2L, 1L), (boardSupport.BatonsWaiting, boardSupport.DroppedToday));
    }

    [Fact]
    public async Task Figures_take_back_what_a_case_no_longer_is_when_batons_are_accepted_and_cases_resolved()
    {
        var sales = Script.Department("Sales");
        var billing = Script.Department("Billing");
        var t0 = relay.Now - TimeSpan.FromMinutes(1);
        var s = new Script("retracted");
        await relay.IngestAsync(s.Opened(t0, sales), s.Request(t0, sales, billing));
        await relay.FlushFiguresAsync();
        var before = await DepartmentAsync(billing);
        Assert.Equal((1, 0), (before.BatonsWaiting, before.OpenCases));
        var floorBefore = await relay.Grains.GetGrain<IFloorGrain>(0).GetSnapshot();

        await relay.IngestAsync(s.Accept(t0 + Seconds(20), billing), s.Resolved(t0 + Seconds(40), billing));
        await relay.FlushFiguresAsync();

        var after = await DepartmentAsync(billing);
        Assert.Equal((0, 0, 1), (after.BatonsWaiting, after.OpenCases, after.AcceptedReceived));
        Assert.Equal(0, (await DepartmentAsync(sales)).OpenCases);
        var floorAfter = await relay.Grains.GetGrain<IFloorGrain>(0).GetSnapshot();
        Assert.Equal(floorBefore.OpenCases - 1, floorAfter.OpenCases);
        Assert.Equal(floorBefore.BatonsInFlight - 1, floorAfter.BatonsInFlight);
        Assert.Equal(floorBefore.EventsTotal + 2, floorAfter.EventsTotal);
    }

    [Fact]
    public async Task A_department_nobody_has_named_has_no_figures()
    {
        Assert.Null(await relay.Grains.GetGrain<IDepartmentGrain>(Script.Department("Nobody")).GetView());
    }
}
