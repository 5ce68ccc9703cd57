namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// SignalR sends that are started, not awaited one by one. A group send writes the message into every connection's
/// buffer before it returns; only its completion waits for the slowest connection to drain. Awaiting each send would
/// therefore hold every board behind the slowest one. Started in order, sends still arrive in order: each connection
/// takes its writes one at a time, first come, first served (its write lock), so a slow board only delays itself.
/// </summary>
/// <remarks>
/// Bounded: with more than <c>limit</c> sends still unfinished, the oldest is awaited before anything more goes out. Only
/// a board that far behind can cause that, and it is dead or hopeless: SignalR closes it after its client timeout.
/// Not thread-safe: one loop owns it.
/// </remarks>
public sealed class OutstandingSends(int limit, Action<Exception> failed)
{
    private readonly Queue<Task> _unfinished = new();

    /// <summary>Sends started and not known to be finished (the oldest ones, in order).</summary>
    public int Count => _unfinished.Count;

    /// <summary>Takes a send just started; returns at once unless more than the limit are unfinished.</summary>
    public ValueTask AddAsync(Task send)
    {
        ForgetFinished();
        if (send.IsCompleted)
        {
            Observe(send);
            return ValueTask.CompletedTask;
        }

        _unfinished.Enqueue(send);
        return _unfinished.Count > limit ? WaitForRoomAsync() : ValueTask.CompletedTask;
    }

    private async ValueTask WaitForRoomAsync()
    {
        while (_unfinished.Count > limit)
        {
            var oldest = _unfinished.Dequeue();
            await oldest.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Observe(oldest);
        }
    }

    private void ForgetFinished()
    {
        while (_unfinished.TryPeek(out var oldest) && oldest.IsCompleted) Observe(_unfinished.Dequeue());
    }

    private void Observe(Task send)
    {
        if (send.IsFaulted) failed(send.Exception.GetBaseException());
    }
}
