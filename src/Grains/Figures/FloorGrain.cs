using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Grains.Figures;

[GenerateSerializer, Alias("TopOfHeart.FloorState")]
public sealed class FloorState
{
    [Id(0)] public FigureBook Figures { get; set; } = new();
}

/// <summary>The wall board's figures. Only each silo's aggregator calls it, a few times a second.</summary>
public sealed class FloorGrain(
    IOptions<SnapshotSettings> snapshots,
    TimeProvider clock)
    : SnapshotGrain<FloorState>(StorageNames.Floor, StorageNames.Provider, snapshots), IFloorGrain
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);
    private readonly Queue<(DateTimeOffset At, long Events)> _arrivals = new();
    private int _lastDayTrimmed;

    public Task Merge(FigureDelta[] deltas)
    {
        Stored.Figures.Merge(deltas);
        var now = clock.GetUtcNow();
        long events = 0;
        foreach (var delta in deltas)
        {
            if (delta.Key.Metric == Metric.EventsApplied) events += delta.Delta;
        }

        if (events > 0) _arrivals.Enqueue((now, events));
        var today = CaseRelay.DayNumber(now);
        if (today != _lastDayTrimmed)
        {
            Stored.Figures.ForgetDaysBefore(today - 1);
            _lastDayTrimmed = today;
        }

        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<BoardSnapshot> GetSnapshot()
    {
        var now = clock.GetUtcNow();
        while (_arrivals.Count > 0 && _arrivals.Peek().At < now - RateWindow) _arrivals.Dequeue();
        var rate = _arrivals.Sum(a => a.Events) / RateWindow.TotalSeconds;
        return Task.FromResult(Stored.Figures.Snapshot(now, rate));
    }

    protected override void CaptureState(FloorState state)
    {
        // The live state is the stored object itself.
    }
}
