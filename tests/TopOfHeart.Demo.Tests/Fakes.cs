using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Demo.Tests;

/// <summary>Fake time that says when the service has armed its timer, so a test never advances too early.</summary>
/// <remarks><see cref="PeriodicTimer"/> creates its timer disarmed and arms it with <see cref="ITimer.Change"/> after.</remarks>
internal sealed class WatchedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    public TaskCompletionSource TimerArmed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(base.CreateTimer(callback, state, dueTime, period), TimerArmed);
        if (dueTime != Timeout.InfiniteTimeSpan) TimerArmed.TrySetResult();
        return timer;
    }

    private sealed class WatchedTimer(ITimer inner, TaskCompletionSource armed) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan) armed.TrySetResult();
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Keeps every batch; the first <paramref name="failures"/> calls throw, as a failing grain call would.</summary>
internal sealed class RecordingIngestor(int failures = 0) : IEventIngestor
{
    /// <summary>Only a guard against a hung test: every wait normally ends as soon as the service acts.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private readonly List<IReadOnlyList<TouchpointEvent>> _batches = [];
    private TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Calls
    {
        get
        {
            lock (_gate) return _batches.Count;
        }
    }

    public IReadOnlyList<IReadOnlyList<TouchpointEvent>> Batches
    {
        get
        {
            lock (_gate) return _batches.ToList();
        }
    }

    public Task<IngestOutcome> IngestAsync(IReadOnlyList<TouchpointEvent> events, CancellationToken cancellationToken)
    {
        int call;
        TaskCompletionSource called;
        lock (_gate)
        {
            _batches.Add(events.ToList());
            call = _batches.Count;
            called = _called;
            _called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        called.SetResult();
        if (call <= failures) throw new InvalidOperationException("silo unavailable");

        var outcome = new IngestOutcome(events.Count);
        Array.Fill(outcome.Status, EventStatus.Accepted);
        return Task.FromResult(outcome);
    }

    /// <summary>Waits until the ingestor has been called more than <paramref name="calls"/> times.</summary>
    public async Task WaitForCallsAbove(int calls)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_batches.Count > calls) return;
                next = _called.Task;
            }

            await next.WaitAsync(Guard);
        }
    }
}

internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, string Message, Exception? Exception)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message, Exception? Exception)> Entries
    {
        get
        {
            lock (_gate) return _entries.ToList();
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate) _entries.Add((logLevel, formatter(state, exception), exception));
    }
}
