using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// Reads by key that arrive while others are running share the next query: a burst of grain activations (every
/// new case of an ingest batch rebuilds from the log) costs a few queries and connections, not one each.
/// An idle store answers a lone read at once, with no waiting to fill a batch.
/// </summary>
internal sealed class ReadCoalescer(
    Func<string[], CancellationToken, Task<Dictionary<string, List<TouchpointEvent>>>> query,
    int maxQueries,
    int maxKeysPerQuery)
{
    private readonly object _gate = new();
    private readonly Queue<(string Key, TaskCompletionSource<IReadOnlyList<TouchpointEvent>> Done)> _waiting = new();
    private int _running;

    public Task<IReadOnlyList<TouchpointEvent>> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<IReadOnlyList<TouchpointEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            _waiting.Enqueue((key, done));
            start = _running < maxQueries;
            if (start) _running++;
        }

        // On the thread pool, never on the calling grain's scheduler: the loop serves every grain.
        if (start) _ = Task.Run(RunAsync, CancellationToken.None);
        return done.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        while (true)
        {
            var batch = new List<(string Key, TaskCompletionSource<IReadOnlyList<TouchpointEvent>> Done)>();
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _running--;
                    return;
                }

                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (_waiting.Count > 0 && (keys.Count < maxKeysPerQuery || keys.Contains(_waiting.Peek().Key)))
                {
                    var next = _waiting.Dequeue();
                    keys.Add(next.Key);
                    batch.Add(next);
                }
            }

            try
            {
                var found = await query(batch.Select(b => b.Key).Distinct(StringComparer.Ordinal).ToArray(), CancellationToken.None);
                foreach (var (key, done) in batch)
                    done.TrySetResult(found.TryGetValue(key, out var events) ? events : []);
            }
            catch (Exception ex)
            {
                foreach (var (_, done) in batch) done.TrySetException(ex);
            }
        }
    }
}
