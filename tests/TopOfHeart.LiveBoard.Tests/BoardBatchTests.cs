using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.LiveBoard.Feed;
using TopOfHeart.LiveBoard.Tests.Support;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>
/// <c>SubscribeInBatches</c>, the opt-in extension of <c>/hubs/board</c>: a silo batch of a known make-up handed to the
/// board's own <see cref="AlertFanOut"/> (as the cluster hands it one), and .NET SignalR clients on real sockets.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BoardBatchTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private AlertFanOut FanOut => cluster.Board.Services.GetRequiredService<AlertFanOut>();

    [Fact]
    public async Task A_batched_board_gets_a_silo_batch_as_one_alertsRaised_then_one_alertsUpdated_and_per_alert_boards_as_before()
    {
        var (billing, support, sales) = (Dept("Billing"), Dept("Support"), Dept("Sales"));
        await using var batchedFloor = await BoardClient.ConnectAsync(cluster.Board.Hub, batched: true);
        await using var batchedBilling = await BoardClient.ConnectAsync(cluster.Board.Hub, billing, batched: true);
        await using var floor = await BoardClient.ConnectAsync(cluster.Board.Hub);
        await using var billingBoard = await BoardClient.ConnectAsync(cluster.Board.Hub, billing);

        var (b1, s1, b2, x1) = (NewAlert(billing), NewAlert(support), NewAlert(billing), NewAlert(sales));
        var b1Acknowledged = b1 with { Status = AlertStatus.Acknowledged, AcknowledgedBy = "sup-1", AcknowledgedAt = DateTimeOffset.UtcNow };
        var s1Acknowledged = s1 with { Status = AlertStatus.Acknowledged, AcknowledgedBy = "sup-2" };
        await FanOut.OnAlerts([Raise(b1), Raise(s1), Update(b1Acknowledged), Raise(b2), Raise(x1), Update(s1Acknowledged)]);

        await batchedFloor.WaitForBatchAsync("alertsUpdated", s1.AlertId, Second);
        await batchedBilling.WaitForBatchAsync("alertsUpdated", b1.AlertId, Second);
        await floor.WaitForAsync("alertUpdated", s1.AlertId, Second);
        await billingBoard.WaitForAsync("alertRaised", b2.AlertId, Second);
        await Task.Delay(300); // room for a message too many

        Assert.Equal([Line("alertsRaised", b1, s1, b2, x1), Line("alertsUpdated", b1, s1)], Lines(batchedFloor.Batches));
        Assert.Equal([Line("alertsRaised", b1, b2), Line("alertsUpdated", b1)], Lines(batchedBilling.Batches));
        Assert.Empty(batchedFloor.Alerts);
        Assert.Empty(batchedBilling.Alerts);

        // The alert JSON is the same as in the per-alert messages.
        Assert.Equivalent(b1Acknowledged, batchedBilling.Batches[1].Value.Single(), strict: true);
        Assert.Equivalent(b1Acknowledged, floor.Alerts.Single(r => r.Message == "alertUpdated" && r.Value.AlertId == b1.AlertId).Value, strict: true);

        Assert.Equal(
            [Line("alertRaised", b1), Line("alertRaised", s1), Line("alertUpdated", b1), Line("alertRaised", b2), Line("alertRaised", x1), Line("alertUpdated", s1)],
            Lines(floor.Alerts));
        Assert.Equal([Line("alertRaised", b1), Line("alertUpdated", b1), Line("alertRaised", b2)], Lines(billingBoard.Alerts));
        Assert.Empty(floor.Batches);
        Assert.Empty(billingBoard.Batches);

        // A batch with nothing for Billing: no empty array there, and only alertsUpdated on the floor.
        await FanOut.OnAlerts([Update(x1 with { Status = AlertStatus.Resolved })]);
        await batchedFloor.WaitForBatchAsync("alertsUpdated", x1.AlertId, Second);
        await floor.WaitForAsync("alertUpdated", x1.AlertId, Second);
        await Task.Delay(300);
        Assert.Equal([Line("alertsRaised", b1, s1, b2, x1), Line("alertsUpdated", b1, s1), Line("alertsUpdated", x1)], Lines(batchedFloor.Batches));
        Assert.Equal(2, batchedBilling.Batches.Count);
        Assert.Equal(3, billingBoard.Alerts.Count);
    }

    [Fact]
    public async Task Subscribe_and_SubscribeInBatches_switch_a_connection_between_the_two_forms()
    {
        var (billing, support) = (Dept("Billing"), Dept("Support"));
        await using var board = await BoardClient.ConnectAsync(cluster.Board.Hub);

        await board.Connection.InvokeAsync("SubscribeInBatches", billing);
        var (a, notMine) = (NewAlert(billing), NewAlert(support));
        await FanOut.OnAlerts([Raise(a), Raise(notMine)]);
        await board.WaitForBatchAsync("alertsRaised", a.AlertId, Second);
        await Task.Delay(300);
        Assert.Equal([Line("alertsRaised", a)], Lines(board.Batches));
        Assert.Empty(board.Alerts);

        await board.Connection.InvokeAsync("Subscribe", (string?)null);
        var (b, c) = (NewAlert(billing), NewAlert(support));
        await FanOut.OnAlerts([Raise(b), Raise(c)]);
        await board.WaitForAsync("alertRaised", c.AlertId, Second);
        await Task.Delay(300);
        Assert.Equal([Line("alertRaised", b), Line("alertRaised", c)], Lines(board.Alerts));
        Assert.Single(board.Batches);

        await board.Connection.InvokeAsync("SubscribeInBatches", (string?)null);
        var (d, e) = (NewAlert(billing), NewAlert(support));
        await FanOut.OnAlerts([Raise(d), Update(d with { Status = AlertStatus.Acknowledged }), Raise(e)]);
        await board.WaitForBatchAsync("alertsUpdated", d.AlertId, Second);
        await Task.Delay(300);
        Assert.Equal([Line("alertsRaised", a), Line("alertsRaised", d, e), Line("alertsUpdated", d)], Lines(board.Batches));
        Assert.Equal(2, board.Alerts.Count);

        // The same checks as Subscribe's.
        var tooLong = await Assert.ThrowsAsync<HubException>(() => board.Connection.InvokeAsync("SubscribeInBatches", new string('x', 129)));
        Assert.Contains("department must be at most 128 characters", tooLong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batched_board_gets_the_cluster_s_alerts_and_acknowledgements()
    {
        var (from, to) = (Dept("Sales"), Dept("Billing"));
        await using var board = await BoardClient.ConnectAsync(cluster.Board.Hub, to, batched: true);
        var (first, firstId) = Ev.DroppedBaton(from, to);
        var (second, secondId) = Ev.DroppedBaton(from, to);
        await ClusterFixture.PostAsync(cluster.Silo, first, second);

        await board.WaitForBatchAsync("alertsRaised", firstId, Second);
        await board.WaitForBatchAsync("alertsRaised", secondId, Second);
        await board.Connection.InvokeAsync<Alert>("Acknowledge", firstId, "sup-7");
        var update = await board.WaitForBatchAsync("alertsUpdated", firstId, Second);
        Assert.Equal(AlertStatus.Acknowledged, update.Value.Single(a => a.AlertId == firstId).Status);

        Assert.Empty(board.Alerts);
        // One silo batch or two, as the silo's feed timed them; each alert exactly once.
        var raised = board.Batches.Where(r => r.Message == "alertsRaised").SelectMany(r => r.Value).Select(a => a.AlertId);
        Assert.Equal(new[] { firstId, secondId }.Order(StringComparer.Ordinal), raised.Order(StringComparer.Ordinal));
        Assert.All(board.Batches, r => Assert.NotEmpty(r.Value));
    }

    private static string Line(string message, params Alert[] alerts) => $"{message} {string.Join(' ', alerts.Select(a => a.AlertId))}";

    private static List<string> Lines(IEnumerable<Received<Alert[]>> batches) => [.. batches.Select(r => Line(r.Message, r.Value))];

    private static List<string> Lines(IEnumerable<Received<Alert>> alerts) => [.. alerts.Select(r => Line(r.Message, r.Value))];

    private static AlertChange Raise(Alert alert) => new(alert, Raised: true);

    private static AlertChange Update(Alert alert) => new(alert, Raised: false);

    private static Alert NewAlert(string department) => new()
    {
        AlertId = Ev.NextId("DroppedBaton:case"),
        Kind = AlertKind.DroppedBaton,
        Severity = Severity.High,
        CaseId = Ev.NextId("case"),
        CustomerId = Ev.NextId("cust"),
        Department = department,
        TriggerEventId = Ev.NextId("ev"),
        RaisedAt = DateTimeOffset.UtcNow,
        Message = "a baton nobody picked up",
    };

    private static string Dept(string name) => $"{name}-{Ev.NextId("d")}";
}
