using Microsoft.AspNetCore.SignalR;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// The <c>board</c> message: one Orleans call per tick for this whole LiveBoard, whatever the number of browsers,
/// sent to every connection. The tick is a little under a second so a late answer still keeps "at least once a second".
/// A send is not awaited before the next tick (<see cref="OutstandingSends"/>): one board that reads slowly falls
/// behind alone instead of holding the snapshot back from every other.
/// </summary>
public sealed partial class BoardSnapshots(
    IGrainFactory grains, IHubContext<BoardHub> hub, BoardAudience audience, ILogger<BoardSnapshots> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(900);

    /// <summary>Snapshots a board may lag behind (about this many seconds) before the next one waits for it.</summary>
    public const int MaxUnfinishedSends = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var failing = false;
        var sends = new OutstandingSends(MaxUnfinishedSends, ex => LogSendFailed(logger, ex.Message));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (audience.Connections == 0)
                {
                    audience.LatestSnapshot = null;
                    continue;
                }

                try
                {
                    var snapshot = await grains.GetGrain<IFloorGrain>(0).GetSnapshot().WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                    audience.LatestSnapshot = snapshot;
                    await sends.AddAsync(hub.Clients.All.SendAsync(BoardMessages.Board, snapshot, stoppingToken));
                    failing = false;
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    if (!failing) LogSnapshotFailed(logger, ex.GetBaseException().Message);
                    failing = true;
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
