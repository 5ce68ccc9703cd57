namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// What the Orleans client tells about its gateways, so the board re-subscribes the moment a silo is back
/// instead of waiting for its next renewal.
/// </summary>
public sealed class ClusterConnection : IClusterConnectionStatusObserver
{
    private readonly SemaphoreSlim _reconnected = new(0, 1);

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways > 0 && (connectionRecovered || previousNumberOfGateways == 0)) Signal();
    }

    public void NotifyClusterConnectionLost()
    {
        // Nothing to do until it is back: renewals keep failing meanwhile and the board reports it.
    }

    /// <summary>True on the next reconnection; false when <paramref name="timeout"/> passes first.</summary>
    public Task<bool> WaitForReconnectAsync(TimeSpan timeout, CancellationToken cancellation) => _reconnected.WaitAsync(timeout, cancellation);

    private void Signal()
    {
        try
        {
            _reconnected.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled and not yet taken.
        }
    }
}
