using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TopOfHeart.LoadTests.Run;

namespace TopOfHeart.LoadTests.Measure;

/// <summary>The fields of the hub's alert message that the checks read.</summary>
public sealed record BoardAlert(
    string AlertId,
    string Kind,
    string Department,
    string CaseId,
    string TriggerEventId,
    DateTimeOffset RaisedAt,
    DateTimeOffset? DueAt,
    string? Status = null,
    string? Resolution = null);

/// <summary>One raised alert as a subscriber saw it (its own <c>alertRaised</c>, or its place in an <c>alertsRaised</c> batch, stamped with the batch's arrival).</summary>
public sealed record Delivery(BoardAlert Alert, long ReceivedTicks, DateTimeOffset ReceivedAt);

/// <summary>
/// One wall board: a SignalR connection to <c>/hubs/board</c> that subscribed to a department (or the whole floor), in
/// batches as the wall board page does (<c>SubscribeInBatches</c>), or per alert (<c>Subscribe</c>).
/// </summary>
public sealed class BoardSubscriber(int number, string? department, HubConnection connection)
{
    public int Number { get; } = number;

    /// <summary>Null: the whole floor.</summary>
    public string? Department { get; } = department;

    public HubConnection Connection { get; } = connection;

    public ConcurrentQueue<Delivery> Raised { get; } = new();

    /// <summary>The latest update of each alert (acknowledged, resolved, escalated).</summary>
    public ConcurrentDictionary<string, BoardAlert> Updated { get; } = new(StringComparer.Ordinal);

    public long Updates;

    public long Snapshots;

    /// <summary>Raised alerts, one message's worth: each its own delivery, all stamped when the message arrived.</summary>
    public void Received(BoardAlert[] alerts)
    {
        var ticks = Stopwatch.GetTimestamp();
        var at = DateTimeOffset.UtcNow;
        foreach (var alert in alerts) Raised.Enqueue(new Delivery(alert, ticks, at));
    }

    public void Changed(BoardAlert[] alerts)
    {
        Interlocked.Add(ref Updates, alerts.Length);
        foreach (var alert in alerts) Updated[alert.AlertId] = alert;
    }
}

/// <summary>Hundreds of boards, split across the departments and the whole floor, recording every alert they are sent.</summary>
public sealed class BoardSubscribers : IAsyncDisposable
{
    private readonly List<BoardSubscriber> _boards = [];

    public IReadOnlyList<BoardSubscriber> Boards => _boards;

    public long Deliveries => _boards.Sum(b => (long)b.Raised.Count);

    /// <summary>Connects <paramref name="count"/> boards: one in <c>departments + 1</c> watches the whole floor, the rest one department each.</summary>
    /// <param name="perAlert">
    /// <c>Subscribe</c>: one message per alert change, as before <c>SubscribeInBatches</c>; to compare. Either way the boards
    /// listen for both forms, so a change sent in the other one is still counted.
    /// </param>
    public static async Task<BoardSubscribers> ConnectAsync(
        Uri liveBoard, int count, IReadOnlyList<string> departments, bool perAlert, CancellationToken cancellation)
    {
        Loopback.RequireLoopback(liveBoard);
        var boards = new BoardSubscribers();
        var hub = new Uri(liveBoard, "/hubs/board");
        var groups = new List<string?> { null };
        groups.AddRange(departments);
        var connecting = new List<Task>();
        using var throttle = new SemaphoreSlim(16);
        for (var i = 0; i < count; i++)
        {
            var department = groups[i % groups.Count];
            var connection = new HubConnectionBuilder()
                .WithUrl(hub)
                .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Error))
                .Build();
            connection.ServerTimeout = TimeSpan.FromSeconds(60);
            var board = new BoardSubscriber(i, department, connection);
            connection.On<BoardAlert>("alertRaised", alert => board.Received([alert]));
            connection.On<BoardAlert[]>("alertsRaised", board.Received);
            connection.On<BoardAlert>("alertUpdated", alert => board.Changed([alert]));
            connection.On<BoardAlert[]>("alertsUpdated", board.Changed);
            connection.On<object>("board", _ => Interlocked.Increment(ref board.Snapshots));
            boards._boards.Add(board);
            connecting.Add(ConnectOneAsync(board, perAlert ? "Subscribe" : "SubscribeInBatches", throttle, cancellation));
        }

        await Task.WhenAll(connecting);
        return boards;
    }

    private static async Task ConnectOneAsync(BoardSubscriber board, string subscribe, SemaphoreSlim throttle, CancellationToken cancellation)
    {
        await throttle.WaitAsync(cancellation);
        try
        {
            await board.Connection.StartAsync(cancellation);
            await board.Connection.InvokeAsync(subscribe, board.Department, cancellation);
        }
        finally
        {
            throttle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_boards.Select(async b =>
        {
            try
            {
                await b.Connection.DisposeAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Closing anyway.
            }
        }));
    }
}
