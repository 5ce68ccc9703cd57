using Microsoft.Extensions.Options;

namespace TopOfHeart.Grains.Hosting;

/// <summary>
/// A grain whose state is written as a coalesced snapshot: changes mark it dirty, and a timer (or
/// deactivation) writes it at most once per interval. Grain timers do not interleave with calls, so
/// writes never overlap.
/// </summary>
public abstract class SnapshotGrain<TState> : Grain
    where TState : new()
{
    private readonly IPersistentState<TState> _store;
    private readonly SnapshotSettings _snapshots;
    private bool _dirty;

    protected SnapshotGrain(IPersistentState<TState> store, IOptions<SnapshotSettings> snapshots)
    {
        _store = store;
        _snapshots = snapshots.Value;
    }

    protected TState Stored => _store.State;

    protected bool HasStoredState => _store.RecordExists;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Only grains that write snapshots tick: on PostgreSQL the cases and customers (rebuilt from the log) held a timer
        // each that found nothing to write, 9.8 % of the silo's CPU in TimerQueue.FireNextTimers under full load.
        if (WritesSnapshots && _snapshots.Interval is { } interval)
        {
            this.RegisterGrainTimer(_ => SaveIfDirtyAsync(), new GrainTimerCreationOptions(interval, interval) { KeepAlive = false });
        }

        return base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Embedded mode keeps snapshots in the process's memory: at shutdown there is nowhere left to write them.
        var pointless = _snapshots.Interval is null && reason.ReasonCode == DeactivationReasonCode.ShuttingDown;
        if (!pointless) await SaveIfDirtyAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    protected void MarkDirty() => _dirty = true;

    /// <summary>False for grains that rebuild from the durable event log instead (PostgreSQL mode).</summary>
    protected virtual bool WritesSnapshots => true;

    /// <summary>Copies the live state into <see cref="Stored"/> just before it is written.</summary>
    protected abstract void CaptureState(TState state);

    protected async Task SaveIfDirtyAsync()
    {
        if (!_dirty || !WritesSnapshots) return;
        _dirty = false;
        CaptureState(_store.State);
        try
        {
            await _store.WriteStateAsync();
        }
        catch
        {
            _dirty = true;
            throw;
        }
    }
}
