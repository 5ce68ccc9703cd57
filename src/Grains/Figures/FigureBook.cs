using System.Runtime.InteropServices;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Views;

namespace TopOfHeart.Grains.Figures;

/// <summary>Running totals of figure counters, and the views the floor reads off them. Plain C#, no grain.</summary>
[GenerateSerializer, Alias("TopOfHeart.FigureBook")]
public sealed class FigureBook
{
    [Id(0)] private readonly Dictionary<FigureKey, long> _totals = new();

    public void Merge(IEnumerable<FigureDelta> deltas)
    {
        foreach (var delta in deltas)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_totals, delta.Key, out _);
            slot += delta.Delta;
            if (slot == 0) _totals.Remove(delta.Key);
        }
    }

    public long this[FigureKey key] => _totals.GetValueOrDefault(key);

    /// <summary>Forgets day-keyed figures older than <paramref name="keepFromDay"/> (dropped batons, employees' days).</summary>
    public void ForgetDaysBefore(int keepFromDay)
    {
        foreach (var key in _totals.Keys.Where(k => IsDaily(k.Metric) && k.N < keepFromDay).ToList()) _totals.Remove(key);
    }

    private static bool IsDaily(Metric metric) => metric is Metric.EmployeeFeedbackMilli or Metric.EmployeeFeedbacks
        or Metric.EmployeeInteractions or Metric.EmployeeReadings or Metric.EmployeeSentimentMilli;

    private long Sum(Func<FigureKey, bool> where) => _totals.Where(kv => where(kv.Key)).Sum(kv => kv.Value);

    public DepartmentView Department(string department, int today)
    {
        bool From(FigureKey k, Metric m) => k.Metric == m && k.A == department;
        bool To(FigureKey k, Metric m) => k.Metric == m && k.B == department;
        return new DepartmentView
        {
            Department = department,
            EventCount = this[FigureKey.Of(Metric.DepartmentEvents, department)],
            OpenCases = this[FigureKey.Of(Metric.OpenCases, department)],
            BatonsWaiting = Sum(k => k.Metric == Metric.BatonsWaiting && k.A == department),
            DroppedToday = Sum(k => To(k, Metric.Dropped) && k.N == today),
            MedianTimeToAcceptSeconds = MedianAcceptSeconds(department),
            HandoffsSent = Sum(k => From(k, Metric.Handoffs)),
            HandoffsReceived = Sum(k => To(k, Metric.Handoffs)),
            AcceptedReceived = Sum(k => To(k, Metric.Accepted)),
            RefusalsSent = Sum(k => From(k, Metric.Refused)),
            RefusalsReceived = Sum(k => To(k, Metric.Refused)),
            PingPongsSent = Sum(k => From(k, Metric.PingPongs)),
            PingPongsReceived = Sum(k => To(k, Metric.PingPongs)),
            DroppedSent = Sum(k => From(k, Metric.Dropped)),
            DroppedReceived = Sum(k => To(k, Metric.Dropped)),
            OpenAlerts = Sum(k => k.Metric == Metric.AlertsOpen && k.B == department),
        };
    }

    private double? MedianAcceptSeconds(string department) =>
        AcceptTimeBuckets.Median(_totals
            .Where(kv => kv.Key.Metric == Metric.AcceptTime && kv.Key.A == department)
            .Select(kv => new KeyValuePair<int, long>(kv.Key.N, kv.Value)))?.TotalSeconds;

    public IEnumerable<string> Departments() => _totals.Keys
        .SelectMany(FigureAggregator.DepartmentsOf)
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal);

    public BoardSnapshot Snapshot(DateTimeOffset at, double eventsPerSecond, int recognitionSize = 5)
    {
        var today = DateOnly.FromDateTime(at.UtcDateTime).DayNumber;
        long Alerts(string severity) => Sum(k => k.Metric == Metric.AlertsOpen && k.A == severity);
        var measured = this[FigureKey.Of(Metric.CustomersMeasured)];
        var happier = this[FigureKey.Of(Metric.CustomersHappier)];
        return new BoardSnapshot
        {
            At = at,
            EventsPerSecond = Math.Round(eventsPerSecond, 1),
            EventsTotal = this[FigureKey.Of(Metric.EventsApplied)],
            OpenCases = Sum(k => k.Metric == Metric.OpenCases),
            BatonsInFlight = Sum(k => k.Metric == Metric.BatonsWaiting),
            OpenAlerts = new OpenAlertCounts
            {
                Critical = Alerts("critical"),
                High = Alerts("high"),
                Medium = Alerts("medium"),
                Low = Alerts("low"),
            },
            Departments = Departments().Select(d => Department(d, today)).Select(v => new DepartmentFigures
            {
                Department = v.Department,
                OpenCases = v.OpenCases,
                BatonsWaiting = v.BatonsWaiting,
                DroppedToday = v.DroppedToday,
                MedianTimeToAcceptSeconds = v.MedianTimeToAcceptSeconds,
                OpenAlerts = v.OpenAlerts,
            }).ToList(),
            Matrix = Matrix(),
            CustomersMeasured = measured,
            CustomersHappier = happier,
            HappierShare = measured == 0 ? null : (double)happier / measured,
            Recognition = Recognition(today, recognitionSize),
        };
    }

    private List<HandoffCell> Matrix()
    {
        var cells = new Dictionary<(string From, string To), (long Count, long Failed)>();
        foreach (var (key, value) in _totals)
        {
            if (key.Metric is not (Metric.Handoffs or Metric.Refused or Metric.Dropped)) continue;
            var cell = cells.GetValueOrDefault((key.A, key.B));
            cells[(key.A, key.B)] = key.Metric == Metric.Handoffs ? (cell.Count + value, cell.Failed) : (cell.Count, cell.Failed + value);
        }

        return cells
            .OrderBy(kv => kv.Key.From, StringComparer.Ordinal).ThenBy(kv => kv.Key.To, StringComparer.Ordinal)
            .Select(kv => new HandoffCell { From = kv.Key.From, To = kv.Key.To, Count = kv.Value.Count, Failed = kv.Value.Failed })
            .ToList();
    }

    /// <summary>
    /// Today's delight score per employee, 0–100: customer sentiment (-1…1 scaled) and feedback (0–10 scaled),
    /// pulled towards a neutral 50 by <see cref="PriorWeight"/> so one lucky reading does not top the board.
    /// </summary>
    private List<EmployeeRecognition> Recognition(int today, int size)
    {
        var people = new Dictionary<string, (long SentMilli, long Readings, long FeedMilli, long Feedbacks, long Interactions)>(StringComparer.Ordinal);
        var departments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in _totals)
        {
            if (key.Metric == Metric.EmployeeDepartment)
            {
                departments.TryAdd(key.A, key.B);
                continue;
            }

            if (!IsDaily(key.Metric) || key.N != today) continue;
            var p = people.GetValueOrDefault(key.A);
            people[key.A] = key.Metric switch
            {
                Metric.EmployeeSentimentMilli => p with { SentMilli = p.SentMilli + value },
                Metric.EmployeeReadings => p with { Readings = p.Readings + value },
                Metric.EmployeeFeedbackMilli => p with { FeedMilli = p.FeedMilli + value },
                Metric.EmployeeFeedbacks => p with { Feedbacks = p.Feedbacks + value },
                _ => p with { Interactions = p.Interactions + value },
            };
        }

        return people
            .Where(kv => kv.Value.Readings + kv.Value.Feedbacks > 0)
            .Select(kv =>
            {
                var p = kv.Value;
                double? sentiment = p.Readings == 0 ? null : p.SentMilli / 1000.0 / p.Readings;
                double? feedback = p.Feedbacks == 0 ? null : p.FeedMilli / 1000.0 / p.Feedbacks;
                var points = (p.SentMilli / 1000.0 + p.Readings) * 50 + p.FeedMilli / 100.0;
                var heard = p.Readings + p.Feedbacks;
                var score = (points + 50 * PriorWeight) / (heard + PriorWeight);
                return new EmployeeRecognition
                {
                    EmployeeId = kv.Key,
                    Department = departments.GetValueOrDefault(kv.Key),
                    Interactions = p.Interactions,
                    AverageSentiment = sentiment is { } s ? Math.Round(s, 3) : null,
                    AverageFeedback = feedback is { } f ? Math.Round(f, 2) : null,
                    DelightScore = Math.Round(score, 1),
                };
            })
            .OrderByDescending(r => r.DelightScore).ThenBy(r => r.EmployeeId, StringComparer.Ordinal)
            .Take(size)
            .ToList();
    }

    private const double PriorWeight = 3;
}
