using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Alerts;

namespace TopOfHeart.Grains.Board;

/// <summary>
/// This silo's outlet to the wall boards: alert books publish here, and the changes go, as one batch, to each
/// LiveBoard's observer. One remote call per LiveBoard per batch, never one per browser, and no grain on the way.
/// </summary>
/// <remarks>
/// Batches are paced, not windowed: a change that finds the feed idle goes at once, and while changes keep coming
/// batches leave at most every <see cref="BatchWindow"/>, each with all that came meanwhile. Waiting a fixed window
/// after the first change (as before) added the whole window to the first alert of every batch, and on a floor with a
/// few alerts a second that is nearly every alert; under an alert storm the pace still bounds the calls.
/// The pace is wall-clock plumbing, not domain time, so it does not use the silo's <see cref="TimeProvider"/>.
/// </remarks>
public sealed partial class BoardAlertFeed(IGrainFactory grains, ILogger<BoardAlertFeed> logger) : BackgroundService, IAlertFeed
{
    /// <summary>The least time between two batches (one call per LiveBoard each): at most 40 calls a second.</summary>
    public static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(25);
    private const int MaxBatch = 2_000;

    private readonly Channel<AlertChange> _changes = Channel.CreateBounded<AlertChange>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private IBoardObserver[] _observers = [];
    private DateTimeOffset _observersReadAt = DateTimeOffset.MinValue;

    public void Publish(Alert alert, bool raised) => _changes.Writer.TryWrite(new AlertChange(alert, raised));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AlertChange>(MaxBatch);
        var lastSent = 0L; // long ago: the first change goes at once
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stoppingToken))
            {
                var wait = BatchWindow - Stopwatch.GetElapsedTime(lastSent);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, stoppingToken);

                while (batch.Count < MaxBatch && _changes.Reader.TryRead(out var change)) batch.Add(change);
                lastSent = Stopwatch.GetTimestamp();
                await DeliverAsync([.. batch]);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task DeliverAsync(AlertChange[] batch)
    {
        var observers = await ObserversAsync();
        await Task.WhenAll(observers.Select(async observer =>
        {
            try
            {
                await observer.OnAlerts(batch);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A LiveBoard that went away; its lease runs out and it hydrates when it comes back.
                LogDeliveryFailed(logger, batch.Length, ex.GetBaseException().Message);
            }
        }));
    }

    private async Task<IBoardObserver[]> ObserversAsync()
    {
        var now = DateTimeOffset.UtcNow;
        if (now - _observersReadAt < BoardRegistry.SilosReadEvery) return _observers;
        try
        {
            _observers = await grains.Registry().GetObservers();
            _observersReadAt = now;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRegistryUnavailable(logger, ex.GetBaseException().Message);
        }

        return _observers;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A wall board did not take {Count} alert changes: {Reason}")]
    private static partial void LogDeliveryFailed(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Board registry unavailable: {Reason}")]
    private static partial void LogRegistryUnavailable(ILogger logger, string reason);
}
