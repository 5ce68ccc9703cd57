using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Silo.Ingestion;

/// <summary>
/// Takes a batch of validated events into the grains: one call per case of the batch, then one per customer
/// with events that name no case. Everything that only counts — the customers of cased events, employees,
/// touchpoints (through <see cref="EntityFeed"/>), department and floor figures (through <see cref="FigureAggregator"/>)
/// — is grouped per grain across requests and delivered a few times a second, never a grain call per event.
/// <para>
/// Embedded mode: the case (or, for caseless events, the customer) decides whether an event is new.
/// PostgreSQL mode: the event log decides, and the events are durable before the grains see them;
/// a batch the grains could not finish stays pending and the recovery sweep applies it again.
/// </para>
/// </summary>
public sealed partial class IngestPipeline(
    IGrainFactory grains,
    FigureAggregator figures,
    EntityFeed entities,
    IEventStore store,
    IOptions<DetectionSettings> detection,
    ILogger<IngestPipeline> logger)
    : IEventIngestor
{
    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<TouchpointEvent> events, CancellationToken cancellationToken)
    {
        var outcome = new IngestOutcome(events.Count);

        // A repeated id inside one request is a duplicate of its first occurrence.
        var firstSeen = new HashSet<string>(events.Count, StringComparer.Ordinal);
        var unique = new List<int>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            if (firstSeen.Add(events[i].EventId)) unique.Add(i);
            else outcome.Status[i] = EventStatus.Duplicate;
        }

        var batch = unique.Select(i => events[i]).ToList();
        if (!store.IsDurable)
        {
            var routed = await RouteAsync(batch, logDecides: false, cancellationToken);
            for (var k = 0; k < unique.Count; k++)
            {
                outcome.Status[unique[k]] = routed.Status[k];
                outcome.Errors[unique[k]] = routed.Errors[k];
            }

            return outcome;
        }

        // The log keeps microseconds: the grains must see the times a rebuild from the log will see.
        batch = batch.ConvertAll(e => e.OccurredAt.Ticks % TimeSpan.TicksPerMicrosecond == 0
            ? e
            : e with { OccurredAt = e.OccurredAt.AddTicks(-(e.OccurredAt.Ticks % TimeSpan.TicksPerMicrosecond)) });

        AppendResult appended;
        try
        {
            appended = await store.AppendAsync(batch, Wakeups(batch), cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            LogAppendFailed(logger, batch.Count, ex);
            foreach (var i in unique)
            {
                outcome.Status[i] = EventStatus.Failed;
                outcome.Errors[i] = $"the event log could not store the event now ({ex.GetType().Name}); retry it";
            }

            return outcome;
        }

        var fresh = new List<TouchpointEvent>(batch.Count);
        for (var k = 0; k < unique.Count; k++)
        {
            outcome.Status[unique[k]] = appended.IsNew[k] ? EventStatus.Accepted : EventStatus.Duplicate;
            if (appended.IsNew[k]) fresh.Add(batch[k]);
        }

        // Durable from here: whatever happens below, the answer is "accepted" and the sweep finishes the job.
        // Marked applied once every case (and customer of a caseless event) has the events. What the feed still carries
        // to employees and touchpoints goes out within its period, to customers once they are quiet; a customer rebuilds
        // from the log anyway.
        if (await ApplyToGrainsAsync(fresh, cancellationToken, waitForFeed: false, appended))
        {
            try
            {
                await store.MarkAppliedAsync(appended.BatchId, cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogMarkFailed(logger, appended.BatchId, ex);
            }
        }

        return outcome;
    }

    /// <summary>Applies logged events to the grains (again); true when every case and customer took them.</summary>
    /// <param name="waitForFeed">Also wait until the entity feed has delivered them (the recovery sweep does).</param>
    /// <param name="appended">What the log said of these events as it took them: the cases and customers it held nothing of
    /// before them need not read it back (a case on its call, a customer on the feed's first delivery).</param>
    public async Task<bool> ApplyToGrainsAsync(
        IReadOnlyList<TouchpointEvent> events, CancellationToken cancellationToken, bool waitForFeed = true, AppendResult? appended = null)
    {
        if (events.Count == 0) return true;
        var routed = await RouteAsync(events, logDecides: true, cancellationToken, appended);
        if (routed.Status.Contains(EventStatus.Failed)) return false;
        if (waitForFeed) await routed.Delivered;
        return true;
    }

    /// <summary>Deadlines to remember outside any silo: each baton's SLA and each accepted case's stall timeout.</summary>
    private List<Wakeup> Wakeups(List<TouchpointEvent> batch)
    {
        var settings = detection.Value;
        var wakeups = new List<Wakeup>();
        foreach (var e in batch)
        {
            if (e.CaseId is not { } caseId) continue;
            if (e.Type == EventType.HandoffRequested)
                wakeups.Add(new Wakeup(e.EventId, caseId, e.OccurredAt + settings.SlaFor(e.Department, e.ToDepartment!)));
            else if (e.Type == EventType.HandoffAccepted)
                wakeups.Add(new Wakeup(e.EventId, caseId, e.OccurredAt + settings.StallTimeout));
        }

        return wakeups;
    }

    /// <param name="logDecides">True when the event log already told new from duplicate: every event counts as applied.</param>
    private async Task<Routed> RouteAsync(
        IReadOnlyList<TouchpointEvent> events, bool logDecides, CancellationToken cancellationToken, AppendResult? appended = null)
    {
        var routed = new Routed(events.Count);
        var timeToAccept = new TimeSpan?[events.Count];
        var byCase = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].CaseId is { } caseId) Group(byCase, caseId, i);
        }

        await Task.WhenAll(byCase.Select(kv => ApplyToCase(kv.Key, kv.Value)));

        // Events that name no case go to their customer now (it decides whether they are new, and which of its
        // cases a contact chases), together with that customer's cased events of this batch and of the feed, in order.
        var byCustomer = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].CaseId is null) Group(byCustomer, events[i].CustomerId, i);
        }

        if (byCustomer.Count > 0)
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (events[i].CaseId is not null && Taken(i) && byCustomer.TryGetValue(events[i].CustomerId, out var list)) list.Add(i);
            }

            await Task.WhenAll(byCustomer.Select(kv => ApplyToCustomer(kv.Key, kv.Value)));
        }

        // Figures, and the customers, employees and touchpoints that only count: through the silo's aggregator and feed.
        var applied = new List<TouchpointEvent>(events.Count);
        var appliedTimeToAccept = new List<TimeSpan?>(events.Count);
        var departments = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            if (!Taken(i)) continue;
            var e = events[i];
            applied.Add(e);
            appliedTimeToAccept.Add(timeToAccept[i]);
            if (e.Department is { } department) departments[department] = departments.GetValueOrDefault(department) + 1;
        }

        figures.Add(FigureKey.Of(Metric.EventsApplied), applied.Count);
        foreach (var (department, count) in departments) figures.Add(FigureKey.Of(Metric.DepartmentEvents, department), count);

        // Nobody waits for the feed, unless it is full (back-pressure); durable mode marks a batch applied after it delivered.
        routed.Delivered = entities.Add(applied, appliedTimeToAccept, calledDirectly: byCustomer.Count == 0 ? null : byCustomer.Keys, appended?.NewCustomers);
        if (entities.IsFull) await routed.Delivered;

        return routed;

        async Task ApplyToCase(string caseId, List<int> indexes)
        {
            try
            {
                var grain = grains.Get<ICaseGrain>(caseId);
                var result = await (appended?.NewCases?.Contains(caseId) == true ? grain.ApplyFirst(Pick(indexes)) : grain.Apply(Pick(indexes)));
                for (var k = 0; k < indexes.Count; k++)
                {
                    routed.Status[indexes[k]] = result.Applied[k] ? EventStatus.Accepted : EventStatus.Duplicate;
                    if (result.TimeToAccept?[k] is { } taken) timeToAccept[indexes[k]] = taken;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogGrainFailed(logger, "case", caseId, ex);
                routed.Fail(indexes, $"case {caseId} could not be updated now ({ex.GetType().Name}); retry the event");
            }
        }

        async Task ApplyToCustomer(string customerId, List<int> indexes)
        {
            TouchpointEvent[] queued = [];
            try
            {
                queued = entities.TakeCustomer(customerId);
                var isNew = await grains.Get<ICustomerGrain>(customerId).Apply([.. queued, .. Pick(indexes)]);
                for (var k = 0; k < indexes.Count; k++)
                {
                    var i = indexes[k];
                    if (events[i].CaseId is null) routed.Status[i] = isNew[queued.Length + k] ? EventStatus.Accepted : EventStatus.Duplicate;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogGrainFailed(logger, "customer", customerId, ex);
                entities.ReturnCustomer(customerId, queued);
                routed.Fail(indexes.Where(i => events[i].CaseId is null), $"customer {customerId} could not be updated now ({ex.GetType().Name}); retry the event");
            }
        }

        bool Taken(int i) => routed.Status[i] == EventStatus.Accepted || (logDecides && routed.Status[i] == EventStatus.Duplicate);

        TouchpointEvent[] Pick(List<int> indexes)
        {
            var picked = new TouchpointEvent[indexes.Count];
            for (var k = 0; k < picked.Length; k++) picked[k] = events[indexes[k]];
            return picked;
        }
    }

    private static void Group(Dictionary<string, List<int>> groups, string key, int index)
    {
        if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
        list.Add(index);
    }

    private sealed class Routed(int count)
    {
        public EventStatus[] Status { get; } = new EventStatus[count];

        public string?[] Errors { get; } = new string?[count];

        /// <summary>Completes when the entity feed has delivered the batch's applied events.</summary>
        public Task Delivered { get; set; } = Task.CompletedTask;

        public void Fail(IEnumerable<int> indexes, string error)
        {
            foreach (var i in indexes)
            {
                Status[i] = EventStatus.Failed;
                Errors[i] = error;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest: {Kind} grain {Key} failed")]
    private static partial void LogGrainFailed(ILogger logger, string kind, string key, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest: the event log refused a batch of {Count} events")]
    private static partial void LogAppendFailed(ILogger logger, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest: batch {BatchId} applied but not marked; the sweep will apply it again harmlessly")]
    private static partial void LogMarkFailed(ILogger logger, long batchId, Exception ex);
}
