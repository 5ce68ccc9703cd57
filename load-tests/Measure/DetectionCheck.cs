using System.Diagnostics;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.LoadTests.Traffic;

namespace TopOfHeart.LoadTests.Measure;

public sealed record KindRow(string Kind, int Expected, int Found, int Missing, int False);

/// <summary>How the boards' deliveries compare with what each should have been sent.</summary>
public sealed record BoardCheck(
    int Boards,
    long ExpectedDeliveries,
    long Delivered,
    long Missing,
    long Duplicates,
    long Unexpected,
    long Updates,
    long Snapshots,
    IReadOnlyList<string>? Examples = null);

/// <summary>Recall and precision of the server's alerts against the relay core's, and the alert latencies.</summary>
public sealed record DetectionResult(
    string Source,
    int Expected,
    int Planted,
    int Observed,
    int Matched,
    double Recall,
    double Precision,
    IReadOnlyList<KindRow> ByKind,
    IReadOnlyList<string> MissingExamples,
    IReadOnlyList<string> FalseExamples,
    bool CensusTruncated,
    int ForeignAlerts,
    BoardCheck? Boards,
    IReadOnlyList<string> GeneratorSelfCheck,
    int LatePickupFalse,
    int WithdrawnFalse = 0)
{
    public bool Perfect => Expected == Matched && Observed == Matched && (Boards is null || (Boards.Missing == 0 && Boards.Duplicates == 0 && Boards.Unexpected == 0))
        && GeneratorSelfCheck.Count == 0;
}

public static class DetectionCheck
{
    /// <summary>
    /// Compares the silo's alerts (the census, or the whole-floor boards' deliveries where the census hit the API's
    /// limit) with the expected ones, and each board's deliveries with its department's share.
    /// </summary>
    public static DetectionResult Evaluate(RelayOracle oracle, AlertCensus census, BoardSubscribers? boards)
    {
        var expected = oracle.Expected;
        IReadOnlyDictionary<string, string> observed; // id → kind
        var source = "REST census (GET /api/v1/alerts)";
        if (!census.Truncated || boards is null)
        {
            observed = census.Alerts.ToDictionary(kv => kv.Key, kv => kv.Value.Kind, StringComparer.Ordinal);
        }
        else
        {
            // The API lists at most 1000 per query: the floor boards together saw every alert raised.
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in census.Alerts) seen[kv.Key] = kv.Value.Kind;
            foreach (var board in boards.Boards.Where(b => b.Department is null))
            {
                foreach (var d in board.Raised)
                {
                    if (d.Alert.CaseId.StartsWith(census.CasePrefix, StringComparison.Ordinal)) seen[d.Alert.AlertId] = d.Alert.Kind;
                }
            }

            observed = seen;
            source = "REST census (truncated at 1000 per query) + whole-floor board deliveries";
        }

        var matched = expected.Keys.Count(observed.ContainsKey);

        // An unexpected DroppedBaton that the silo itself resolved as a late pickup: the accept was sent within the SLA
        // but reached the silo after the deadline (an overloaded silo), so it fired; told apart from a wrong alert.
        var resolutions = census.Alerts.Values.Where(a => a.Resolution is not null).ToDictionary(a => a.AlertId, a => a.Resolution!, StringComparer.Ordinal);
        foreach (var board in boards?.Boards.Where(b => b.Department is null) ?? [])
        {
            foreach (var (id, update) in board.Updated)
            {
                if (update.Resolution is { } resolution) resolutions.TryAdd(id, resolution);
            }
        }

        var latePickups = observed.Count(o => !expected.ContainsKey(o.Key) && o.Value == nameof(AlertKind.DroppedBaton)
            && resolutions.GetValueOrDefault(o.Key) == AlertVocabulary.LatePickup);
        // Likewise a CustomerChasing the silo withdrew: the accept that preceded the contact arrived after the reorder grace.
        var withdrawn = observed.Count(o => !expected.ContainsKey(o.Key) && o.Value == nameof(AlertKind.CustomerChasing)
            && resolutions.GetValueOrDefault(o.Key) == AlertVocabulary.Withdrawn);
        var rows = Enum.GetNames<AlertKind>().Select(kind =>
        {
            var exp = expected.Values.Count(e => e.Kind.ToString() == kind);
            var found = expected.Values.Count(e => e.Kind.ToString() == kind && observed.ContainsKey(e.AlertId));
            var falses = observed.Count(o => o.Value == kind && !expected.ContainsKey(o.Key));
            return new KindRow(kind, exp, found, exp - found, falses);
        }).ToList();

        return new DetectionResult(
            source,
            expected.Count,
            expected.Values.Count(e => e.Story != "healthy"),
            observed.Count,
            matched,
            expected.Count == 0 ? 1 : Math.Round((double)matched / expected.Count, 6),
            observed.Count == 0 ? (expected.Count == 0 ? 1 : 0) : Math.Round((double)matched / observed.Count, 6),
            rows,
            expected.Keys.Where(id => !observed.ContainsKey(id)).Take(10).ToList(),
            observed.Keys.Where(id => !expected.ContainsKey(id)).Take(10).ToList(),
            census.Truncated,
            census.Foreign,
            boards is null ? null : CheckBoards(expected, boards, census.CasePrefix),
            oracle.SelfCheckFailures,
            latePickups,
            withdrawn);
    }

    private static BoardCheck CheckBoards(IReadOnlyDictionary<string, ExpectedAlert> expected, BoardSubscribers boards, string casePrefix)
    {
        long expectedDeliveries = 0, delivered = 0, missing = 0, duplicates = 0, unexpected = 0, updates = 0, snapshots = 0;
        var examples = new List<string>();
        foreach (var board in boards.Boards)
        {
            var mine = expected.Values.Where(e => board.Department is null || e.Department == board.Department).Select(e => e.AlertId).ToHashSet(StringComparer.Ordinal);
            var got = new HashSet<string>(StringComparer.Ordinal);
            foreach (var d in board.Raised)
            {
                if (!d.Alert.CaseId.StartsWith(casePrefix, StringComparison.Ordinal)) continue;
                delivered++;
                if (!got.Add(d.Alert.AlertId))
                {
                    duplicates++;
                    Example("again", board, d);
                }
                else if (!mine.Contains(d.Alert.AlertId))
                {
                    unexpected++;
                    Example("unexpected", board, d);
                }
            }

            expectedDeliveries += mine.Count;
            missing += mine.Count(id => !got.Contains(id));
            updates += Interlocked.Read(ref board.Updates);
            snapshots += Interlocked.Read(ref board.Snapshots);
        }

        return new BoardCheck(boards.Boards.Count, expectedDeliveries, delivered, missing, duplicates, unexpected, updates, snapshots, examples);

        // What went wrong, for the first few: which board, which alert, what it said and when it came.
        void Example(string what, BoardSubscriber board, Delivery d)
        {
            if (examples.Count >= 12) return;
            expected.TryGetValue(d.Alert.AlertId, out var owed);
            examples.Add($"{what}: board {board.Number} ({board.Department ?? "floor"}) got {d.Alert.AlertId} " +
                $"(department {d.Alert.Department}, expected {owed?.Department ?? "none"}, raised {d.Alert.RaisedAt:HH:mm:ss.fff}) " +
                $"at {d.ReceivedAt:HH:mm:ss.fff}, its delivery {board.Raised.Count(x => x.Alert.AlertId == d.Alert.AlertId)} of the same id");
        }
    }

    /// <summary>
    /// Ingest-to-alert: from sending the request that carried a trigger event to its <c>alertRaised</c> at a board;
    /// a <c>CustomerChasing</c> alert is held by design for <paramref name="reorderGrace"/> (an accept overtaken in
    /// transit may still cancel it), so it counts from the end of that hold.
    /// Deadline-to-alert: from a timer alert's <c>dueAt</c> to its arrival at a board.
    /// </summary>
    public static (LatencyRecorder IngestToAlert, LatencyRecorder DeadlineToBoard, LatencyRecorder RaisedToBoard) BoardLatencies(
        BoardSubscribers boards, IReadOnlyDictionary<string, long> triggerSentAt, string casePrefix, TimeSpan reorderGrace)
    {
        var graceTicks = (long)(reorderGrace.TotalSeconds * Stopwatch.Frequency);
        var ingest = new LatencyRecorder();
        var deadline = new LatencyRecorder();
        var fanOut = new LatencyRecorder();
        foreach (var board in boards.Boards)
        {
            foreach (var d in board.Raised)
            {
                if (!d.Alert.CaseId.StartsWith(casePrefix, StringComparison.Ordinal)) continue;
                fanOut.RecordMicros((long)Math.Max(1, (d.ReceivedAt - d.Alert.RaisedAt).TotalMicroseconds));
                if (d.Alert.DueAt is { } due)
                {
                    deadline.RecordMicros((long)Math.Max(1, (d.ReceivedAt - due).TotalMicroseconds));
                }
                else if (triggerSentAt.TryGetValue(d.Alert.TriggerEventId, out var sent))
                {
                    var held = d.Alert.Kind == nameof(AlertKind.CustomerChasing) ? graceTicks : 0;
                    var micros = (d.ReceivedTicks - sent - held) * 1_000_000 / Stopwatch.Frequency;
                    ingest.RecordMicros(Math.Max(1, micros));
                }
            }
        }

        return (ingest, deadline, fanOut);
    }

    /// <summary>Inside the silo: from a timer alert's <c>dueAt</c> to its <c>raisedAt</c>.</summary>
    public static LatencyRecorder ServerDeadlineLag(IEnumerable<(DateTimeOffset RaisedAt, DateTimeOffset? DueAt)> alerts)
    {
        var lag = new LatencyRecorder();
        foreach (var (raised, due) in alerts)
        {
            if (due is { } d) lag.RecordMicros((long)Math.Max(1, (raised - d).TotalMicroseconds));
        }

        return lag;
    }
}
