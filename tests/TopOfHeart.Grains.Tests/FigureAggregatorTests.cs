using TopOfHeart.Contracts.Figures;
using TopOfHeart.Grains.Figures;

namespace TopOfHeart.Grains.Tests;

public sealed class FigureAggregatorTests
{
    private static readonly FigureKey[] Keys =
    [
        FigureKey.Of(Metric.EventsApplied),
        FigureKey.Of(Metric.OpenCases, "Sales"),
        FigureKey.Of(Metric.OpenCases, "Billing"),
        FigureKey.Of(Metric.Handoffs, "Sales", "Billing"),
        FigureKey.Of(Metric.AlertsOpen, "High", "Billing"),
    ];

    [Fact]
    public async Task Deltas_added_from_many_threads_while_flushes_run_are_each_counted_exactly_once()
    {
        var aggregator = new FigureAggregator();
        const int Producers = 16;
        const int Rounds = 50_000;
        var totals = new Dictionary<FigureKey, long>();
        var producing = true;

        // A flush loop takes while the producers add, as the silo's flush service does.
        var flushing = Task.Run(() =>
        {
            while (Volatile.Read(ref producing)) AddTo(totals, aggregator.Take());
        });

        await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Factory.StartNew(() =>
        {
            var list = new List<FigureDelta>();
            for (var i = 0; i < Rounds; i++)
            {
                // The caller's list is reused at once: the aggregator must have summed it already.
                list.Clear();
                list.Add(new FigureDelta(Keys[1 + (i % 2)], 1));
                list.Add(new FigureDelta(Keys[3], 2));
                aggregator.Add(list);
                list.Add(new FigureDelta(Keys[3], 1_000_000));
                aggregator.Add(Keys[0], 1);
                aggregator.Add(Keys[4], (i % 2) == 0 ? 1 : -1);
                aggregator.Add(Keys[0], 0);
            }
        }, TaskCreationOptions.LongRunning)));

        Volatile.Write(ref producing, false);
        await flushing;
        AddTo(totals, aggregator.Take());

        Assert.Equal(Producers * Rounds, totals[Keys[0]]);
        Assert.Equal(Producers * Rounds / 2, totals[Keys[1]]);
        Assert.Equal(Producers * Rounds / 2, totals[Keys[2]]);
        Assert.Equal(Producers * Rounds * 2L, totals[Keys[3]]);
        Assert.Equal(0, totals.GetValueOrDefault(Keys[4]));
        Assert.DoesNotContain(aggregator.Take(), kv => kv.Value != 0);
    }

    private static void AddTo(Dictionary<FigureKey, long> totals, Dictionary<FigureKey, long> taken)
    {
        foreach (var (key, delta) in taken) totals[key] = totals.GetValueOrDefault(key) + delta;
    }
}
