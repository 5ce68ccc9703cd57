using Microsoft.AspNetCore.SignalR.Client;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.LiveBoard.Tests.Support;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>More than one LiveBoard process on a cluster, and a LiveBoard that restarts.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BoardClusterTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Two_LiveBoards_on_one_cluster_both_get_every_alert_and_its_updates()
    {
        await using var second = await LoopbackLiveBoard.StartAsync(cluster.Silo);
        await using var onFirst = await BoardClient.ConnectAsync(cluster.Board.Hub);
        await using var onSecond = await BoardClient.ConnectAsync(second.Hub);

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var (e, id) = Ev.DroppedBaton(Dept("Sales"), Dept("Billing"));
            ids.Add(id);
            await ClusterFixture.PostAsync(cluster.Silo, e);
        }

        foreach (var id in ids)
        {
            await onFirst.WaitForAsync("alertRaised", id, Second);
            await onSecond.WaitForAsync("alertRaised", id, Second);
        }

        await onSecond.Connection.InvokeAsync<Alert>("Acknowledge", ids[0], "sup-2");
        await onFirst.WaitForAsync("alertUpdated", ids[0], Second, a => a.Status == AlertStatus.Acknowledged);
        await onSecond.WaitForAsync("alertUpdated", ids[0], Second, a => a.Status == AlertStatus.Acknowledged);
    }

    [Fact]
    public async Task A_restarted_LiveBoard_comes_back_full_and_live()
    {
        var (from, to) = (Dept("Sales"), Dept("Billing"));
        var board = await LoopbackLiveBoard.StartAsync(cluster.Silo);
        var port = board.Port;
        var retry = Enumerable.Repeat(TimeSpan.FromMilliseconds(250), 120).ToArray();
        await using var client = await BoardClient.ConnectAsync(board.Hub, to, retry);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connection.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };

        var (before, beforeId) = Ev.DroppedBaton(from, to);
        await ClusterFixture.PostAsync(cluster.Silo, before);
        await client.WaitForAsync("alertRaised", beforeId, Second);

        await board.DisposeAsync();
        var (whileDown, whileDownId) = Ev.DroppedBaton(from, to);
        await ClusterFixture.PostAsync(cluster.Silo, whileDown);

        await using var restarted = await LoopbackLiveBoard.StartAsync(cluster.Silo, port);
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await client.Connection.InvokeAsync("Subscribe", to); // a new connection: the page re-subscribes the same way
        var open = await client.GetOpenAlertsAsync(to);
        Assert.Equal([whileDownId, beforeId], open.Select(a => a.AlertId));

        var (after, afterId) = Ev.DroppedBaton(from, to);
        await ClusterFixture.PostAsync(cluster.Silo, after);
        var arrived = await client.WaitForAsync("alertRaised", afterId, Second);
        output.WriteLine($"restarted board on port {port}: hydrated {open.Count} alerts, new alert delivered");
        Assert.Equal(to, arrived.Value.Department);
    }

    [Fact]
    public async Task A_LiveBoard_that_dies_does_not_hold_up_the_other_boards()
    {
        var doomed = await LoopbackLiveBoard.StartAsync(cluster.Silo);
        await using var survivor = await BoardClient.ConnectAsync(cluster.Board.Hub);
        await doomed.CrashAsync(); // still in the registry, its lease running

        for (var i = 0; i < 3; i++)
        {
            var (e, id) = Ev.DroppedBaton(Dept("Sales"), Dept("Billing"));
            await ClusterFixture.PostAsync(cluster.Silo, e);
            await survivor.WaitForAsync("alertRaised", id, Second);
        }
    }

    private static string Dept(string name) => $"{name}-{Ev.NextId("d")}";
}
