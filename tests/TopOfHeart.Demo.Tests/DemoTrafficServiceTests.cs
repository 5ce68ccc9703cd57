using Microsoft.Extensions.Logging;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Silo.Demo;

namespace TopOfHeart.Demo.Tests;

public sealed class DemoTrafficServiceTests
{
    [Fact]
    public async Task Batches_flow_as_time_passes_and_a_failed_ingest_does_not_stop_them()
    {
        var time = new WatchedTimeProvider(FloorReplay.Start);
        var ingestor = new RecordingIngestor(failures: 1);
        var logger = new ListLogger<DemoTrafficService>();
        using var service = new DemoTrafficService(ingestor, time, new DemoOptions { Enabled = true, Seed = 3 }, new DetectionSettings(), logger);

        await service.StartAsync(CancellationToken.None);
        await time.TimerArmed.Task.WaitAsync(RecordingIngestor.Guard);

        // Each call of the floor fills the second after it, so every 2 s step has events due.
        time.Advance(TimeSpan.FromSeconds(2));
        await ingestor.WaitForCallsAbove(0);
        for (var step = 0; step < 5; step++)
        {
            var calls = ingestor.Calls;
            time.Advance(TimeSpan.FromSeconds(2));
            await ingestor.WaitForCallsAbove(calls);
        }

        Assert.False(service.ExecuteTask!.IsCompleted, "the service stopped");
        var batches = ingestor.Batches;
        Assert.True(batches.Count >= 6);
        var events = batches.SelectMany(b => b).ToList();
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        Assert.All(events, e => Assert.True(e.OccurredAt <= time.GetUtcNow()));
        Assert.True(batches.Skip(1).Sum(b => b.Count) >= 5 * 25, $"only {batches.Skip(1).Sum(b => b.Count)} events in 10 s");

        await service.StopAsync(CancellationToken.None);
        await service.ExecuteTask.WaitAsync(RecordingIngestor.Guard);
        Assert.True(service.ExecuteTask.IsCompletedSuccessfully);

        var started = Assert.Single(logger.Entries, e => e.Level == LogLevel.Information);
        Assert.Contains("Demo floor on", started.Message, StringComparison.Ordinal);
        Assert.Contains("seed 3", started.Message, StringComparison.Ordinal);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.IsType<InvalidOperationException>(warning.Exception);
    }
}
