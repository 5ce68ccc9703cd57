using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// Keeps this LiveBoard's <see cref="AlertFanOut"/> in the cluster's board registry: subscribed before the board
/// serves, renewed well within <see cref="BoardRegistry.Lease"/>, and again the moment the cluster is back after an
/// outage (a restarted silo starts with an empty registry).
/// </summary>
/// <remarks>
/// The observer reference is made once and kept for the life of the process: it names this client, not a silo, so it
/// stays valid across silo restarts. Replacing it would leave silos that still hold the old one calling an object
/// that no longer answers, and each such call waits out Orleans' response timeout.
/// </remarks>
public sealed partial class BoardSubscription(
    IGrainFactory grains, AlertFanOut fanOut, ClusterConnection connection, ILogger<BoardSubscription> logger) : BackgroundService
{
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    /// <summary>Until every silo has re-read the registry, with a margin for the read itself.</summary>
    private static readonly TimeSpan SilosReadRegistryWithin = BoardRegistry.SilosReadEvery + TimeSpan.FromMilliseconds(200);

    private IBoardObserver? _reference;
    private bool _everTried;

    /// <summary>True while the registry holds this board's latest renewal.</summary>
    public bool Subscribed { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // One attempt before the web host listens (it starts after every other hosted service), so the first browser
        // finds the board already subscribed. Until every silo has re-read the registry, an alert could be pushed to the
        // other boards and not to this one: serve only after that.
        await RenewAsync();
        if (Subscribed) await Task.Delay(SilosReadRegistryWithin, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Woken early when the cluster comes back: a restarted silo needs to hear of this board at once.
                await connection.WaitForReconnectAsync(Subscribed ? RenewEvery : RetryEvery, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RenewAsync();
        }
    }

    private async Task RenewAsync()
    {
        try
        {
            _reference ??= grains.CreateObjectReference<IBoardObserver>(fanOut);
            await grains.Registry().Subscribe(_reference).WaitAsync(CallTimeout);
            if (!Subscribed) LogSubscribed(logger);
            Subscribed = true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (Subscribed || !_everTried) LogRegistryUnreachable(logger, ex.GetBaseException().Message, RetryEvery.TotalSeconds);
            Subscribed = false;
        }
        finally
        {
            _everTried = true;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_reference is null) return;
        try
        {
            // Best effort: the lease runs out by itself otherwise.
            await grains.Registry().Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);

            // Answer the silos' last batches until each has re-read the registry, because a call to a client that has
            // gone waits out Orleans' response timeout and holds up every other board.
            await Task.Delay(SilosReadRegistryWithin, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnsubscribeFailed(logger, ex.GetBaseException().Message);
        }

        // The reference stays alive until the client stops: a silo may still be delivering a batch to it.
        Subscribed = false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to the cluster's alerts")]
    private static partial void LogSubscribed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to the cluster's alerts ({Reason}); retrying every {Seconds} s")]
    private static partial void LogRegistryUnreachable(ILogger logger, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not unsubscribe from the board registry: {Reason}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string reason);
}
