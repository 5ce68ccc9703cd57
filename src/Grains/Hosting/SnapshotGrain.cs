using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace TopOfHeart.Grains.Hosting;

/// <summary>
/// A grain whose state is written as a coalesced snapshot: changes mark it dirty, and a timer (or
/// deactivation) writes it at most once per interval. Grain timers do not interleave with calls, so
/// writes never overlap.
/// </summary>
/// <remarks>
/// The grain reads and writes its storage provider itself instead of holding an <see cref="IPersistentState{TState}"/>:
/// that one joins the activation's lifecycle (observers grouped and ordered per activation, a storage bridge, a state
/// wrapper), and the per-story grains (a case, a customer) are activated thousands of times a second under load.
/// </remarks>
public abstract class SnapshotGrain<TState> : Grain
    where TState : new()
{
    private readonly string _stateName;
    private readonly IGrainStorage _storage;
    private readonly GrainState<TState> _store = new();
    private readonly SnapshotSettings _snapshots;
    private bool _dirty;
    private bool _released;

    /// <param name="stateName">The state's name in the provider (one per grain type, see <see cref="StorageNames"/>).</param>
    /// <param name="storageName">The grain storage provider's name.</param>
    protected SnapshotGrain(string stateName, string storageName, IOptions<SnapshotSettings> snapshots)
    {
        _stateName = stateName;
        _storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(storageName);
        _snapshots = snapshots.Value;
    }

    /// <summary>The stored state: read (or made new) by <see cref="OnActivateAsync"/>, until <see cref="ReleaseStored"/>.</summary>
    protected TState Stored => _store.State!;

    protected bool HasStoredState => _store.RecordExists;

    /// <summary>Reads the stored state first: derived grains call this before they look at <see cref="Stored"/>.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _storage.ReadStateAsync(_stateName, GrainContext.GrainId, _store);
        _store.State ??= new TState();

        // Only grains that write snapshots tick: on PostgreSQL the cases and customers (rebuilt from the log) held a timer
        // each that found nothing to write, 9.8 % of the silo's CPU in TimerQueue.FireNextTimers under full load.
        if (WritesSnapshots && _snapshots.Interval is { } interval)
        {
            this.RegisterGrainTimer(_ => SaveIfDirtyAsync(), new GrainTimerCreationOptions(interval, interval) { KeepAlive = false });
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Embedded mode keeps snapshots in the process's memory: at shutdown there is nowhere left to write them.
        var pointless = _snapshots.Interval is null && reason.ReasonCode == DeactivationReasonCode.ShuttingDown;
        if (!pointless) await SaveIfDirtyAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    protected void MarkDirty() => _dirty = true;

    /// <summary>
    /// For a grain whose live state is not <see cref="Stored"/> itself (a case keeps its relay): drops the object read at
    /// activation once the grain has taken what it needs, instead of carrying it, and its lists, for the activation's
    /// life. Each write then captures into a new one and drops it again.
    /// </summary>
    protected void ReleaseStored()
    {
        _released = true;
        _store.State = default;
    }

    /// <summary>False for grains that rebuild from the durable event log instead (PostgreSQL mode).</summary>
    protected virtual bool WritesSnapshots => true;

    /// <summary>Copies the live state into <see cref="Stored"/> just before it is written.</summary>
    protected abstract void CaptureState(TState state);

    protected async Task SaveIfDirtyAsync()
    {
        if (!_dirty || !WritesSnapshots) return;
        _dirty = false;
        CaptureState(_store.State ??= new TState());
        try
        {
            await _storage.WriteStateAsync(_stateName, GrainContext.GrainId, _store);
        }
        catch
        {
            _dirty = true;
            throw;
        }
        finally
        {
            if (_released) _store.State = default;
        }
    }
}
