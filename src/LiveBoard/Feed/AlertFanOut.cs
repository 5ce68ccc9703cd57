using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// This LiveBoard's observer in the cluster: each silo hands it batches of alert changes, and it passes them to
/// the SignalR groups they concern (the whole floor and the alert's department). The silo's call returns at once;
/// slow browsers never hold up the cluster.
/// </summary>
public sealed partial class AlertFanOut(IHubContext<BoardHub> hub, ILogger<AlertFanOut> logger) : BackgroundService, IBoardObserver
{
    private readonly Channel<AlertChange[]> _batches = Channel.CreateBounded<AlertChange[]>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public Task OnAlerts(AlertChange[] changes)
    {
        _batches.Writer.TryWrite(changes);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var batch in _batches.Reader.ReadAllAsync(stoppingToken))
            {
                foreach (var change in batch)
                {
                    await SendAsync(change, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task SendAsync(AlertChange change, CancellationToken cancellation)
    {
        var alert = change.Alert;
        try
        {
            // Each connection is in exactly one of these groups, so it gets the change once.
            await hub.Clients
                .Groups(BoardGroups.Floor, BoardGroups.For(alert.Department))
                .SendAsync(change.Raised ? BoardMessages.AlertRaised : BoardMessages.AlertUpdated, alert, cancellation);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            LogSendFailed(logger, alert.AlertId, ex.GetBaseException().Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not pass alert {AlertId} to the boards: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string alertId, string reason);
}
