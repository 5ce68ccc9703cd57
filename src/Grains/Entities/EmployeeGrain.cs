using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Grains.Entities;

[GenerateSerializer, Alias("TopOfHeart.EmployeeState")]
public sealed class EmployeeState
{
    [Id(0)] public RecentIds Seen { get; set; } = new();
    [Id(1)] public int EventCount { get; set; }
    [Id(2)] public int Interactions { get; set; }
    [Id(3)] public int BatonsAccepted { get; set; }
    [Id(4)] public int BatonsRefused { get; set; }
    /// <summary>Time-to-accept histogram: bucket → count.</summary>
    [Id(5)] public Dictionary<int, long> AcceptTimes { get; set; } = new();
    [Id(6)] public double SentimentSum { get; set; }
    [Id(7)] public int SentimentReadings { get; set; }
    [Id(8)] public double FeedbackSum { get; set; }
    [Id(9)] public int FeedbackCount { get; set; }
    [Id(10)] public HashSet<string> Departments { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Snapshots written before customers were hashed (see <see cref="CustomerHashes"/>).</summary>
    [Id(11)] public HashSet<string>? Customers { get; set; }
    [Id(12)] public DateTimeOffset? LastEventAt { get; set; }

    /// <summary>
    /// Every customer served, as a 64-bit <see cref="IdHash"/>: 8 bytes each instead of the id's string, in memory
    /// and in the snapshot written every 5 s on PostgreSQL (a busy employee's had grown past 400 KB).
    /// </summary>
    [Id(13)] public HashSet<ulong> CustomerHashes { get; set; } = new();

    /// <summary>The served set, with customers of an older snapshot hashed in.</summary>
    public HashSet<ulong> Served()
    {
        if (Customers is { } legacy)
        {
            foreach (var customer in legacy) CustomerHashes.Add(IdHash.Of(customer));
            Customers = null;
        }

        return CustomerHashes;
    }
}

/// <summary>One employee's moments of truth: the raw material for recognising who delights customers.</summary>
public sealed class EmployeeGrain(
    IOptions<SnapshotSettings> snapshots,
    FigureAggregator figures)
    : SnapshotGrain<EmployeeState>(StorageNames.Employee, StorageNames.Provider, snapshots), IEmployeeGrain
{
    private EmployeeState S => Stored;

    public Task Apply(TouchpointEvent[] events, TimeSpan?[] timeToAccept)
    {
        var employee = this.GetPrimaryKeyString();
        var deltas = new List<FigureDelta>(events.Length * 3);
        for (var i = 0; i < events.Length; i++)
        {
            var e = events[i];
            if (!S.Seen.Add(e.EventId)) continue;
            S.EventCount++;
            if (S.LastEventAt is null || e.OccurredAt > S.LastEventAt) S.LastEventAt = e.OccurredAt;
            S.Served().Add(IdHash.Of(e.CustomerId));
            var day = CaseRelay.DayNumber(e.OccurredAt);
            if (e.Department is { } department && S.Departments.Add(department))
                deltas.Add(new FigureDelta(FigureKey.Of(Metric.EmployeeDepartment, employee, department), 1));

            switch (e.Type)
            {
                case EventType.Interaction:
                    S.Interactions++;
                    deltas.Add(new FigureDelta(FigureKey.Of(Metric.EmployeeInteractions, employee, n: day), 1));
                    break;
                case EventType.HandoffAccepted:
                    S.BatonsAccepted++;
                    if (i < timeToAccept.Length && timeToAccept[i] is { } taken)
                    {
                        var bucket = AcceptTimeBuckets.Of(taken);
                        S.AcceptTimes[bucket] = S.AcceptTimes.GetValueOrDefault(bucket) + 1;
                    }

                    break;
                case EventType.HandoffRejected:
                    S.BatonsRefused++;
                    break;
                case EventType.Feedback when e.Score is { } score:
                    S.FeedbackSum += score;
                    S.FeedbackCount++;
                    deltas.Add(new FigureDelta(FigureKey.Of(Metric.EmployeeFeedbackMilli, employee, n: day), (long)Math.Round(score * 1000)));
                    deltas.Add(new FigureDelta(FigureKey.Of(Metric.EmployeeFeedbacks, employee, n: day), 1));
                    break;
            }

            if (e.Sentiment is { } sentiment)
            {
                S.SentimentSum += sentiment;
                S.SentimentReadings++;
                deltas.Add(new FigureDelta(FigureKey.Of(Metric.EmployeeSentimentMilli, employee, n: day), (long)Math.Round(sentiment * 1000)));
                deltas.Add(new FigureDelta(FigureKey.Of(Metric.EmployeeReadings, employee, n: day), 1));
            }
        }

        if (deltas.Count > 0 || events.Length > 0) MarkDirty();
        figures.Add(deltas);
        return Task.CompletedTask;
    }

    public Task<EmployeeView?> GetView()
    {
        if (S.EventCount == 0) return Task.FromResult<EmployeeView?>(null);
        return Task.FromResult<EmployeeView?>(new EmployeeView
        {
            EmployeeId = this.GetPrimaryKeyString(),
            EventCount = S.EventCount,
            Interactions = S.Interactions,
            BatonsAccepted = S.BatonsAccepted,
            BatonsRefused = S.BatonsRefused,
            MedianTimeToAcceptSeconds = AcceptTimeBuckets.Median(S.AcceptTimes)?.TotalSeconds,
            AverageSentiment = S.SentimentReadings == 0 ? null : S.SentimentSum / S.SentimentReadings,
            SentimentReadings = S.SentimentReadings,
            AverageFeedback = S.FeedbackCount == 0 ? null : S.FeedbackSum / S.FeedbackCount,
            FeedbackCount = S.FeedbackCount,
            Departments = S.Departments.Order(StringComparer.Ordinal).ToList(),
            CustomersServed = S.Served().Count,
            LastEventAt = S.LastEventAt,
        });
    }

    protected override void CaptureState(EmployeeState state)
    {
        // The live state is the stored object itself.
    }
}
