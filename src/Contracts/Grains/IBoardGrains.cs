using TopOfHeart.Contracts.Alerts;

namespace TopOfHeart.Contracts.Grains;

/// <summary>
/// One per LiveBoard process (not per browser): each silo hands it batches of alert changes, and the
/// LiveBoard fans them out to its SignalR connections.
/// </summary>
[Alias("TopOfHeart.IBoardObserver")]
public interface IBoardObserver : IGrainObserver
{
    // One-way: a LiveBoard that died must not hold up the batch for the others until a response timeout.
    [Alias("OnAlerts"), Orleans.Concurrency.OneWay]
    Task OnAlerts(AlertChange[] changes);
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.AlertChange")]
public sealed record AlertChange(
    [property: Id(0)] Alert Alert,
    /// <summary>True when the alert was just raised; false when it changed (acknowledged, resolved, escalated).</summary>
    [property: Id(1)] bool Raised);

/// <summary>
/// The LiveBoards listening to this cluster. Written when a LiveBoard (re)subscribes, read by each silo
/// about once a second: off the hot path.
/// </summary>
[Alias("TopOfHeart.IBoardRegistryGrain")]
public interface IBoardRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers or renews a LiveBoard; it is forgotten after <see cref="BoardRegistry.Lease"/> without renewal.</summary>
    [Alias("Subscribe")]
    Task Subscribe(IBoardObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IBoardObserver observer);

    [Alias("GetObservers")]
    Task<IBoardObserver[]> GetObservers();
}

public static class BoardRegistry
{
    /// <summary>How long a subscription lasts without renewal; LiveBoards renew well within it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often each silo's alert feed re-reads the registry: a LiveBoard that just subscribed, or just left, is
    /// known to every silo within this.
    /// </summary>
    public static readonly TimeSpan SilosReadEvery = TimeSpan.FromSeconds(1);

    public static IBoardRegistryGrain Registry(this IGrainFactory grains) => grains.GetGrain<IBoardRegistryGrain>(0);
}
