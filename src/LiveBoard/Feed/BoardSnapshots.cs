using Microsoft.AspNetCore.SignalR;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// The <c>board</c> message: one Orleans call per tick for this whole LiveBoard, whatever the number of browsers,
/// sent to every connection. A tick waits at most <see cref="Patience"/> for the cluster's answer; a later one (a busy
/// or collecting silo) has every board get the latest snapshot again instead (its <c>at</c> tells its age), and the
/// fresh one on a later tick. So a board hears at least once a second (<see cref="Interval"/> + <see cref="Patience"/>)
/// while the cluster answers at all. A send is not awaited before the next tick (<see cref="OutstandingSends"/>): one
/// board that reads slowly falls behind alone instead of holding the snapshot back from every other.
/// </summary>
public sealed partial class BoardSnapshots(
    IGrainFactory grains, IHubContext<BoardHub> hub, BoardAudience audience, ILogger<BoardSnapshots> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(800);

    /// <summary>How long a tick waits for a fresh snapshot before it sends the latest one again.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(150);

    /// <summary>Snapshots a board may lag behind (about this many seconds) before the next one waits for it.</summary>
    public const int MaxUnfinishedSends = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var failing = false;
        var sends = new OutstandingSends(MaxUnfinishedSends, ex => LogSendFailed(logger, ex.Message));
        Task<BoardSnapshot>? fetching = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (audience.Connections == 0)
                {
                    audience.LatestSnapshot = null;
                    continue;
                }

                // One call at a time: a slow answer is waited for across ticks, not asked again.
                fetching ??= grains.GetGrain<IFloorGrain>(0).GetSnapshot().WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                if (!fetching.IsCompleted) await Task.WhenAny(fetching, Task.Delay(Patience, stoppingToken));

                BoardSnapshot? snapshot;
                if (!fetching.IsCompleted)
                {
                    snapshot = audience.LatestSnapshot;
                }
                else
                {
                    var answered = fetching;
                    fetching = null;
                    try
                    {
                        snapshot = await answered;
                        audience.LatestSnapshot = snapshot;
                        failing = false;
                    }
                    catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                    {
                        if (!failing) LogSnapshotFailed(logger, ex.GetBaseException().Message);
                        failing = true;
                        continue;
                    }
                }

                if (snapshot is null) continue;
                try
                {
                    await sends.AddAsync(hub.Clients.All.SendAsync(BoardMessages.Board, snapshot, stoppingToken));
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    LogSendFailed(logger, ex.GetBaseException().Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No board snapshot from the cluster: {Reason}")]
    private static partial void LogSnapshotFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not pass the board snapshot to the boards: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string reason);
}
