using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Figures;

namespace TopOfHeart.Silo.Ingestion;

/// <summary>
/// Routes a batch of validated events to the grains, one call per grain per batch:
/// first each case (the idempotency authority of its events), then each customer (the authority of
/// events that name no case), then the employees and touchpoints of what was new. Department and
/// floor figures go through the silo's aggregator, never a grain call per event.
/// </summary>
public sealed partial class IngestPipeline(IGrainFactory grains, FigureAggregator figures, ILogger<IngestPipeline> logger)
    : IEventIngestor
{
    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<TouchpointEvent> events, CancellationToken cancellationToken)
    {
        var outcome = new IngestOutcome(events.Count);
        var timeToAccept = new TimeSpan?[events.Count];

        // A repeated id inside one request is a duplicate of its first occurrence.
        var firstSeen = new HashSet<string>(events.Count, StringComparer.Ordinal);
        var byCase = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var caseless = new List<int>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (!firstSeen.Add(e.EventId))
            {
                outcome.Status[i] = EventStatus.Duplicate;
                continue;
            }

            if (e.CaseId is { } caseId) Group(byCase, caseId, i);
            else caseless.Add(i);
        }

        await Task.WhenAll(byCase.Select(kv => ApplyToCase(kv.Key, kv.Value)));

        // Customers learn about their cases' events (now de-duplicated) and own the caseless ones.
        var byCustomer = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            if (outcome.Status[i] == EventStatus.Accepted || (outcome.Status[i] == EventStatus.Pending && events[i].CaseId is null))
                Group(byCustomer, events[i].CustomerId, i);
        }

        await Task.WhenAll(byCustomer.Select(kv => ApplyToCustomer(kv.Key, kv.Value)));

        var byEmployee = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byTouchpoint = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var counted = new List<FigureDelta>();
        for (var i = 0; i < events.Count; i++)
        {
            if (outcome.Status[i] != EventStatus.Accepted) continue;
            var e = events[i];
            if (e.EmployeeId is { } employee) Group(byEmployee, employee, i);
            if (e.TouchpointId is { } touchpoint) Group(byTouchpoint, touchpoint, i);
            counted.Add(new FigureDelta(FigureKey.Of(Metric.EventsApplied), 1));
            if (e.Department is { } department) counted.Add(new FigureDelta(FigureKey.Of(Metric.DepartmentEvents, department), 1));
        }

        figures.Add(counted);
        await Task.WhenAll(
            byEmployee.Select(kv => Secondary(kv.Value, () => grains.GetGrain<IEmployeeGrain>(kv.Key)
                .Apply(Pick(kv.Value), kv.Value.Select(i => timeToAccept[i]).ToArray())))
            .Concat(byTouchpoint.Select(kv => Secondary(kv.Value, () => grains.GetGrain<ITouchpointGrain>(kv.Key).Apply(Pick(kv.Value))))));

        return outcome;

        async Task ApplyToCase(string caseId, List<int> indexes)
        {
            try
            {
                var result = await grains.GetGrain<ICaseGrain>(caseId).Apply(Pick(indexes));
                for (var k = 0; k < indexes.Count; k++)
                {
                    outcome.Status[indexes[k]] = result.Applied[k] ? EventStatus.Accepted : EventStatus.Duplicate;
                    if (result.TimeToAccept?[k] is { } taken) timeToAccept[indexes[k]] = taken;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogGrainFailed(logger, "case", caseId, ex);
                Fail(indexes, $"case {caseId} could not be updated now ({ex.GetType().Name}); retry the event");
            }
        }

        async Task ApplyToCustomer(string customerId, List<int> indexes)
        {
            try
            {
                var applied = await grains.GetGrain<ICustomerGrain>(customerId).Apply(Pick(indexes));
                for (var k = 0; k < indexes.Count; k++)
                {
                    var i = indexes[k];
                    if (events[i].CaseId is null) outcome.Status[i] = applied[k] ? EventStatus.Accepted : EventStatus.Duplicate;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogGrainFailed(logger, "customer", customerId, ex);
                Fail(indexes.Where(i => events[i].CaseId is null), $"customer {customerId} could not be updated now ({ex.GetType().Name}); retry the event");
            }
        }

        // Employees and touchpoints only keep figures: a failure there is logged, not refused, since the event is applied.
        async Task Secondary(List<int> indexes, Func<Task> call)
        {
            try
            {
                await call();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogGrainFailed(logger, "figures", events[indexes[0]].EventId, ex);
            }
        }

        TouchpointEvent[] Pick(List<int> indexes)
        {
            var picked = new TouchpointEvent[indexes.Count];
            for (var k = 0; k < picked.Length; k++) picked[k] = events[indexes[k]];
            return picked;
        }

        void Fail(IEnumerable<int> indexes, string error)
        {
            foreach (var i in indexes)
            {
                outcome.Status[i] = EventStatus.Failed;
                outcome.Errors[i] = error;
            }
        }
    }

    private static void Group(Dictionary<string, List<int>> groups, string key, int index)
    {
        if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
        list.Add(index);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest: {Kind} grain {Key} failed")]
    private static partial void LogGrainFailed(ILogger logger, string kind, string key, Exception ex);
}
