using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.Grains.Figures;

/// <summary>
/// Sums the figure deltas of every grain on this silo and hands them, a few times a second, to the
/// department grains and the floor grain. No grain is called once per event for figures.
/// </summary>
public sealed class FigureAggregator
{
    // Deltas are summed as they arrive, into one of a few tables picked by thread, each behind its own lock: a case call
    // adds a handful of deltas, and one shared lock taken that often convoys under load, while queueing each call's list
    // until the flush kept every list (and its array) alive until then. The flush, a few times a second, empties them all.
    private readonly Shard[] _shards = CreateShards(Math.Max(4, 2 * Environment.ProcessorCount));

    /// <summary>Adds deltas, summed at once: the caller may reuse the list.</summary>
    public void Add(List<FigureDelta> deltas)
    {
        if (deltas.Count == 0) return;
        var shard = Mine();
        lock (shard.Gate)
        {
            foreach (var delta in deltas) Sum(shard.Sums, delta.Key, delta.Delta);
        }
    }

    public void Add(FigureKey key, long delta)
    {
        if (delta == 0) return;
        var shard = Mine();
        lock (shard.Gate) Sum(shard.Sums, key, delta);
    }

    /// <summary>Takes what has accumulated since the last call, summed per key.</summary>
    internal Dictionary<FigureKey, long> Take()
    {
        var taken = new Dictionary<FigureKey, long>();
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                foreach (var (key, delta) in shard.Sums) Sum(taken, key, delta);
                shard.Sums.Clear();
            }
        }

        return taken;
    }

    private Shard Mine() => _shards[(uint)Environment.CurrentManagedThreadId % (uint)_shards.Length];

    private static void Sum(Dictionary<FigureKey, long> into, FigureKey key, long delta)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(into, key, out _);
        slot += delta;
    }

    private static Shard[] CreateShards(int count)
    {
        var shards = new Shard[count];
        for (var i = 0; i < count; i++) shards[i] = new Shard();
        return shards;
    }

    private sealed class Shard
    {
        public Lock Gate { get; } = new();

        public Dictionary<FigureKey, long> Sums { get; } = [];
    }

    /// <summary>The departments a figure belongs to, so each department grain gets only its own.</summary>
    internal static IEnumerable<string> DepartmentsOf(FigureKey key)
    {
        switch (key.Metric)
        {
            case Metric.OpenCases or Metric.AcceptTime or Metric.DepartmentEvents or Metric.BatonsWaiting:
                if (key.A.Length > 0) yield return key.A;
                if (key.Metric == Metric.BatonsWaiting && key.B.Length > 0 && key.B != key.A) yield return key.B;
                break;
            case Metric.Handoffs or Metric.Accepted or Metric.Refused or Metric.Dropped or Metric.PingPongs:
                yield return key.A;
                if (key.B != key.A) yield return key.B;
                break;
            case Metric.AlertsOpen:
                yield return key.B;
                break;
        }
    }
}

/// <summary>Delivers the aggregator's sums every <see cref="Period"/>.</summary>
public sealed partial class FigureFlushService(FigureAggregator aggregator, IGrainFactory grains, ILogger<FigureFlushService> logger)
    : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await FlushAsync();
        }

        await FlushAsync();
    }

    public async Task FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            await FlushOnceAsync();
        }
        finally
        {
            _flushing.Release();
        }
    }

    private readonly SemaphoreSlim _flushing = new(1, 1);

    private async Task FlushOnceAsync()
    {
        var taken = aggregator.Take();
        var fresh = taken.Where(kv => kv.Value != 0).Select(kv => new FigureDelta(kv.Key, kv.Value)).ToList();
        var batches = new Dictionary<string, List<FigureDelta>>(StringComparer.Ordinal);
        foreach (var (target, undelivered) in _retry) batches[target] = undelivered;
        _retry.Clear();
        if (fresh.Count == 0 && batches.Count == 0) return;

        Append(batches, FloorTarget, fresh);
        foreach (var delta in fresh)
        {
            foreach (var department in FigureAggregator.DepartmentsOf(delta.Key)) Append(batches, department, [delta]);
        }

        var calls = batches.Select(async kv =>
        {
            try
            {
                var deltas = kv.Value.ToArray();
                await (kv.Key == FloorTarget
                    ? grains.Get<IFloorGrain>(0).Merge(deltas)
                    : grains.Get<IDepartmentGrain>(kv.Key).Merge(deltas));
                return (kv.Key, Failed: (List<FigureDelta>?)null);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogFlushFailed(logger, kv.Key, ex);
                return (kv.Key, Failed: kv.Value);
            }
        });

        // Merges add up, so only the targets that failed get their batch again.
        foreach (var (target, failed) in await Task.WhenAll(calls))
        {
            if (failed is not null) _retry[target] = failed;
        }
    }

    private const string FloorTarget = "";
    private readonly Dictionary<string, List<FigureDelta>> _retry = new(StringComparer.Ordinal);

    private static void Append(Dictionary<string, List<FigureDelta>> batches, string target, IEnumerable<FigureDelta> deltas)
    {
        if (!batches.TryGetValue(target, out var list)) batches[target] = list = [];
        list.AddRange(deltas);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver live figures to {Target}; retrying on the next flush")]
    private static partial void LogFlushFailed(ILogger logger, string target, Exception ex);
}
