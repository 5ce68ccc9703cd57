using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.Grains.Alerts;

/// <summary>
/// Hands the alerts the cases of this silo raise to their books, one call per book at a time: what cases raise
/// while a book's call is in flight goes in that book's next call. When a wave of deadlines passes together
/// (thousands of batons a second) the books get a few dozen calls a second instead of one per alert; a lone alert
/// still goes out at once. Each case awaits its own alerts, so a failed call leaves them in the case's outbox.
/// </summary>
public sealed partial class AlertRaiser(IGrainFactory grains, ILogger<AlertRaiser> logger)
{
    /// <summary>A book call slower than this is logged: every alert of that book waits behind it.</summary>
    public static readonly TimeSpan SlowCall = TimeSpan.FromSeconds(5);

    private readonly Lane[] _lanes = Enumerable.Range(0, AlertBooks.Partitions).Select(_ => new Lane()).ToArray();

    /// <summary>Raises the alerts in their books; completes when every book has them.</summary>
    public Task RaiseAsync(IReadOnlyList<Alert> alerts)
    {
        if (alerts.Count == 0) return Task.CompletedTask;
        var waits = new List<Task>(1);
        foreach (var group in alerts.GroupBy(a => AlertBooks.PartitionOf(a.AlertId)))
        {
            waits.Add(Enqueue(group.Key, group));
        }

        return waits.Count == 1 ? waits[0] : Task.WhenAll(waits);
    }

    private Task Enqueue(int book, IEnumerable<Alert> alerts)
    {
        var lane = _lanes[book];
        lock (lane)
        {
            lane.Pending.AddRange(alerts);
            var done = lane.Done;
            if (!lane.Sending)
            {
                lane.Sending = true;
                _ = Task.Run(() => SendAsync(book, lane));
            }

            return done.Task;
        }
    }

    private async Task SendAsync(int book, Lane lane)
    {
        while (true)
        {
            Alert[] batch;
            TaskCompletionSource done;
            lock (lane)
            {
                if (lane.Pending.Count == 0)
                {
                    lane.Sending = false;
                    return;
                }

                batch = [.. lane.Pending];
                lane.Pending.Clear();
                done = lane.Done;
                lane.Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                await grains.Get<IAlertBookGrain>(book).Raise(batch);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }

            if (Stopwatch.GetElapsedTime(started) is var took && took > SlowCall) LogSlowBook(logger, book, batch.Length, took.TotalSeconds);
        }
    }

    private sealed class Lane
    {
        public List<Alert> Pending { get; } = [];

        public TaskCompletionSource Done { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Sending { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert book {Book} took {Seconds:F1} s to answer a call raising {Count} alerts")]
    private static partial void LogSlowBook(ILogger logger, int book, int count, double seconds);
}
