namespace TopOfHeart.Grains.Hosting;

/// <summary>
/// A grain's one pending deadline: a <see cref="TimeProvider"/> timer (so tests can move time) that calls the
/// grain back through its own mailbox — never on the timer's thread — and is re-armed only when the due time
/// changes. The grain keeps itself in memory until then with the delay <see cref="Arm"/> returns.
/// </summary>
/// <remarks>
/// Takes its owner rather than two delegates: a case keeps one of these for its whole activation, and two delegates
/// and the grain reference they close over took about 180 bytes of each of thousands of live cases.
/// </remarks>
public sealed class GrainDeadline(TimeProvider clock, IDeadlineOwner owner) : IDisposable
{
    private ITimer? _timer;

    /// <summary>The due time the timer is set for, if any.</summary>
    public DateTimeOffset? ArmedFor { get; private set; }

    /// <summary>Sets the timer for <paramref name="due"/> (null: none).</summary>
    /// <returns>The delay until it fires, when it was (re)armed; null when nothing changed or it was cleared.</returns>
    public TimeSpan? Arm(DateTimeOffset? due)
    {
        if (due == ArmedFor) return null;
        ArmedFor = due;
        if (due is not { } at)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return null;
        }

        var delay = at - clock.GetUtcNow();
        if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;

        // One timer per grain, moved when the deadline moves: a case's deadline moves with each handoff and accept.
        if (_timer is null) _timer = clock.CreateTimer(static state => ((GrainDeadline)state!).Fire(), this, delay, Timeout.InfiniteTimeSpan);
        else _timer.Change(delay, Timeout.InfiniteTimeSpan);
        return delay;
    }

    /// <summary>The grain's callback has started: the next <see cref="Arm"/> sets a timer even for the same time.</summary>
    public void Fired() => ArmedFor = null;

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private void Fire() =>
        owner.DeadlineDue().ContinueWith(
            static (t, state) => ((IDeadlineOwner)state!).DeadlineCheckFailed(t.Exception!),
            owner,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
}

/// <summary>The grain a <see cref="GrainDeadline"/> calls back.</summary>
public interface IDeadlineOwner
{
    /// <summary>
    /// Called on the timer's thread: must only send the grain a call through its own reference (its mailbox), so the
    /// check runs like any other call, never interleaved with one.
    /// </summary>
    Task DeadlineDue();

    /// <summary>The call <see cref="DeadlineDue"/> made failed.</summary>
    void DeadlineCheckFailed(Exception exception);
}
