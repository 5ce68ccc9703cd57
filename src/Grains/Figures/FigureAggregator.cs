using System.Collections.Concurrent;
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
    // Producers only enqueue (lock-free): every case call adds its deltas here, and a lock taken that often
    // convoys under load. The flush, a few times a second, sums what was queued.
    private readonly ConcurrentQueue<FigureDelta> _single = new();
    private readonly ConcurrentQueue<List<FigureDelta>> _lists = new();

    /// <summary>Adds deltas; the list must not be changed afterwards (it is summed later, as it is).</summary>
    public void Add(List<FigureDelta> deltas)
    {
        if (deltas.Count > 0) _lists.Enqueue(deltas);
    }

    public void Add(FigureKey key, long delta)
    {
        if (delta != 0) _single.Enqueue(new FigureDelta(key, delta));
    }

    /// <summary>Takes what has accumulated since the last call, summed per key.</summary>
    internal Dictionary<FigureKey, long> Take()
    {
        var taken = new Dictionary<FigureKey, long>();
        while (_single.TryDequeue(out var delta)) Sum(taken, delta);
        while (_lists.TryDequeue(out var list))
        {
            foreach (var delta in list) Sum(taken, delta);
        }

        return taken;
    }

    private static void Sum(Dictionary<FigureKey, long> into, FigureDelta delta)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(into, delta.Key, out _);
        slot += delta.Delta;
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
