using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// This LiveBoard's observer in the cluster: each silo hands it batches of alert changes, and it passes them to
/// the board connections they concern (those following the whole floor or the alert's department: <see cref="BoardFollowers"/>). The silo's call returns at once;
/// slow browsers never hold up the cluster, nor each other.
/// </summary>
/// <remarks>
/// Every change is sent in the order it came, each as one SignalR send to the followers of its two per-alert audiences
/// (the message is serialized once for all); then the batch goes to the batched audiences (<c>SubscribeInBatches</c>) as
/// at most one <c>alertsRaised</c> and one <c>alertsUpdated</c> per audience: <see cref="BatchedChanges"/>. An audience
/// nobody follows costs a lookup. No send waits for the previous one to reach every board: <see cref="OutstandingSends"/>. Each board
/// therefore sees an alert's raise before its updates, and a board that reads slowly only falls behind itself.
/// </remarks>
public sealed partial class AlertFanOut : BackgroundService, IBoardObserver
{
    /// <summary>Sends (a change, or a batch's raises or updates) a board has not yet taken, past which the feed waits for the oldest.</summary>
    public const int MaxUnfinishedSends = 10_000;

    private readonly IHubContext<BoardHub> _hub;
    private readonly BoardFollowers _followers;
    private readonly ILogger<AlertFanOut> _logger;
    private readonly Channel<AlertChange[]> _batches;
    private readonly OutstandingSends _sends;
    private long _droppedBatches;

    public AlertFanOut(IHubContext<BoardHub> hub, BoardFollowers followers, ILogger<AlertFanOut> logger)
    {
        _hub = hub;
        _followers = followers;
        _logger = logger;
        _batches = Channel.CreateBounded<AlertChange[]>(
            new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => OnDropped(dropped.Length));
        _sends = new OutstandingSends(MaxUnfinishedSends, ex => LogSendFailed(_logger, ex.Message));
    }

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
                    // Each per-alert connection follows exactly one of these audiences, so it gets the change once.
                    var followers = _followers.Of(BoardGroups.Floor, BoardGroups.For(change.Alert.Department));
                    if (followers.Count == 0) continue;
                    var clients = _hub.Clients.Clients(followers);
                    var message = change.Raised ? BoardMessages.AlertRaised : BoardMessages.AlertUpdated;
                    await _sends.AddAsync(Send(clients, message, change.Alert, stoppingToken));
                }

                foreach (var part in BatchedChanges.Split(batch))
                {
                    // Each batched connection follows exactly one batched audience: the floor's part or its department's.
                    var followers = _followers.Of(BoardGroups.For(part.Department, batched: true));
                    if (followers.Count == 0) continue;
                    var clients = _hub.Clients.Clients(followers);
                    if (part.Raised.Count > 0) await _sends.AddAsync(Send(clients, BoardMessages.AlertsRaised, part.Raised, stoppingToken));
                    if (part.Updated.Count > 0) await _sends.AddAsync(Send(clients, BoardMessages.AlertsUpdated, part.Updated, stoppingToken));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>A send that cannot even start is logged, not thrown: the other changes still go out.</summary>
    private Task Send(IClientProxy clients, string message, object payload, CancellationToken cancellation)
    {
        try
        {
            return clients.SendAsync(message, payload, cancellation);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            LogSendFailed(_logger, ex.GetBaseException().Message);
            return Task.CompletedTask;
        }
    }

    private void OnDropped(int changes)
    {
        // Only when the boards are thousands of batches behind; say so, now and then.
        var dropped = Interlocked.Increment(ref _droppedBatches);
        if (dropped == 1 || dropped % 1_000 == 0) LogDropped(_logger, dropped, changes);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not pass an alert change to the boards: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The boards are far behind: {Batches} batches of alert changes dropped so far (the last had {Changes}); boards catch up when they reconnect")]
    private static partial void LogDropped(ILogger logger, long batches, int changes);
}
