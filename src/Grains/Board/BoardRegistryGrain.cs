using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.Grains.Board;

/// <summary>The LiveBoards listening to this cluster, each with a lease. Kept in memory: LiveBoards renew every few seconds.</summary>
public sealed class BoardRegistryGrain(TimeProvider clock) : Grain, IBoardRegistryGrain
{
    private readonly Dictionary<IBoardObserver, DateTimeOffset> _leases = new();

    public Task Subscribe(IBoardObserver observer)
    {
        _leases[observer] = clock.GetUtcNow() + BoardRegistry.Lease;
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IBoardObserver observer)
    {
        _leases.Remove(observer);
        return Task.CompletedTask;
    }

    public Task<IBoardObserver[]> GetObservers()
    {
        var now = clock.GetUtcNow();
        foreach (var expired in _leases.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList()) _leases.Remove(expired);
        return Task.FromResult(_leases.Keys.ToArray());
    }
}
