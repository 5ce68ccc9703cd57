using System.Text.Json.Serialization;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Durability.Tests;

/// <summary>One event as a client posts it (camelCase JSON, nulls left out).</summary>
public sealed record WireEvent
{
    public required string EventId { get; init; }
    public required string Type { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string CustomerId { get; init; }
    public string? CaseId { get; init; }
    public string? Department { get; init; }
    public string? EmployeeId { get; init; }
    public string? TouchpointId { get; init; }
    public string? Channel { get; init; }
    public double? Sentiment { get; init; }
    public string? ToDepartment { get; init; }
    public string? Reason { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool CustomerRepeatedInfo { get; init; }
    public double? Score { get; init; }

    public TouchpointEvent ToContract() => new()
    {
        EventId = EventId,
        Type = EventTypeNames.TryParse(Type, out var type) ? type : throw new InvalidOperationException(Type),
        OccurredAt = OccurredAt,
        CustomerId = CustomerId,
        CaseId = CaseId,
        Department = Department,
        EmployeeId = EmployeeId,
        TouchpointId = TouchpointId,
        Channel = ChannelNames.TryParse(Channel, out var channel) ? channel : Contracts.Events.Channel.Unknown,
        Sentiment = Sentiment,
        ToDepartment = ToDepartment,
        Reason = Reason,
        CustomerRepeatedInfo = CustomerRepeatedInfo,
        Score = Score,
    };
}

/// <summary>
/// Cases that travel through departments the way the contract's relay failures describe, one story per
/// case in turn: a clean handoff with a mood drop, a refusal, a dropped baton, a ping-pong with lost
/// context, a customer chasing a baton. Each case's events are one second apart, in occurredAt order.
/// </summary>
public static class Journeys
{
    public const string Sales = "Sales";
    public const string Billing = "Billing";
    public const string Support = "Support";
    public static readonly string[] Departments = [Sales, Billing, Support];

    /// <param name="prefix">Makes every id unique to the test.</param>
    /// <param name="cases">How many cases.</param>
    /// <param name="start">occurredAt of the first event of every case.</param>
    /// <param name="stories">Which stories to tell (0–4, see the class remarks); all by default.</param>
    public static List<WireEvent> Build(string prefix, int cases, DateTimeOffset start, int[]? stories = null)
    {
        stories ??= [0, 1, 2, 3, 4];
        var events = new List<WireEvent>();
        for (var c = 0; c < cases; c++)
        {
            var story = stories[c % stories.Length];
            var caseId = $"{prefix}-case-{c}";
            var customer = $"{prefix}-cust-{c / 2}";
            var at = start;
            var n = 0;
            WireEvent Make(string type, string department, Func<WireEvent, WireEvent>? more = null)
            {
                var e = new WireEvent
                {
                    EventId = $"{caseId}-e{n++}",
                    Type = type,
                    OccurredAt = at,
                    CustomerId = customer,
                    CaseId = caseId,
                    Department = department,
                    EmployeeId = $"{prefix}-emp-{department}-{c % 3}",
                    TouchpointId = $"{prefix}-store-{c % 2}/counter-{department}",
                    Channel = c % 2 == 0 ? "store" : "phone",
                };
                at += TimeSpan.FromSeconds(1);
                return more is null ? e : more(e);
            }

            events.Add(Make("case.opened", Sales, e => e with { Sentiment = 0.6 }));
            events.Add(Make("interaction", Sales, e => e with { Sentiment = 0.5 }));
            switch (story)
            {
                case 0: // clean handoff, then the customer's mood falls: SentimentDrop
                    events.Add(Make("handoff.requested", Sales, e => e with { ToDepartment = Billing }));
                    events.Add(Make("handoff.accepted", Billing));
                    events.Add(Make("interaction", Billing, e => e with { Sentiment = -0.2 }));
                    events.Add(Make("case.resolved", Billing));
                    break;
                case 1: // refused: HandoffRejected
                    events.Add(Make("handoff.requested", Sales, e => e with { ToDepartment = Billing }));
                    events.Add(Make("handoff.rejected", Billing, e => e with { Reason = "not ours" }));
                    events.Add(Make("interaction", Sales, e => e with { Sentiment = 0.4 }));
                    break;
                case 2: // nobody picks up: DroppedBaton once the SLA has passed
                    events.Add(Make("handoff.requested", Sales, e => e with { ToDepartment = Support }));
                    break;
                case 3: // back to a former owner: PingPong; the customer repeats themselves: ContextLost
                    events.Add(Make("handoff.requested", Sales, e => e with { ToDepartment = Billing }));
                    events.Add(Make("handoff.accepted", Billing));
                    events.Add(Make("handoff.requested", Billing, e => e with { ToDepartment = Sales }));
                    events.Add(Make("handoff.accepted", Sales));
                    events.Add(Make("interaction", Sales, e => e with { CustomerRepeatedInfo = true, Sentiment = 0.3 }));
                    break;
                default: // the customer calls while the baton is in flight: CustomerChasing
                    events.Add(Make("handoff.requested", Sales, e => e with { ToDepartment = Support }));
                    events.Add(Make("customer.contact", Support, e => e with { Channel = "phone" }));
                    events.Add(Make("handoff.accepted", Support));
                    events.Add(Make("feedback", Support, e => e with { Score = 8 }));
                    break;
            }
        }

        return events;
    }

    /// <summary>Splits events into requests of at most <paramref name="size"/> (a case may straddle two).</summary>
    public static List<IReadOnlyList<WireEvent>> Requests(IEnumerable<WireEvent> events, int size) =>
        events.Chunk(size).Select(chunk => (IReadOnlyList<WireEvent>)chunk).ToList();

    /// <summary>Splits events into requests of <paramref name="casesPerRequest"/> whole cases each.</summary>
    public static List<IReadOnlyList<WireEvent>> RequestsByCase(IEnumerable<WireEvent> events, int casesPerRequest) =>
        events.GroupBy(e => e.CaseId).Chunk(casesPerRequest)
            .Select(cases => (IReadOnlyList<WireEvent>)cases.SelectMany(c => c).ToList())
            .ToList();
}

/// <summary>What the relay core says each case must look like, and which alerts it must have raised, by <c>now</c>.</summary>
public sealed class Prediction
{
    private Prediction(Dictionary<string, CaseRelay> cases, Dictionary<string, CaseRelay> rebuilt, Dictionary<string, int> customerEvents)
    {
        Cases = cases;
        RebuiltCases = rebuilt;
        CustomerEvents = customerEvents;
        AlertIds = cases.Values.SelectMany(relay => relay.RaisedAlertIds).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Each case as a silo holds it while it stays active: fed request by request.</summary>
    public IReadOnlyDictionary<string, CaseRelay> Cases { get; }

    /// <summary>
    /// Each case as a silo holds it after it was rebuilt from the event log (a restart, a crash, another silo):
    /// the core's <see cref="CaseRelay.Restore"/> over all its events at once.
    /// </summary>
    public IReadOnlyDictionary<string, CaseRelay> RebuiltCases { get; }

    /// <summary>
    /// Cases whose rebuilt view lists other alerts than their live one. None since a rebuild reads the raised ids: a
    /// deadline that fired on the server clock between two requests, before an accept that occurred in time but arrived
    /// later, could not be derived again by a replay of the events alone.
    /// </summary>
    public IEnumerable<string> CasesWhoseRebuildForgetsAnAlert =>
        Cases.Where(kv => !kv.Value.ToView().AlertIds.ToHashSet().SetEquals(RebuiltCases[kv.Key].ToView().AlertIds)).Select(kv => kv.Key);

    public IReadOnlyDictionary<string, int> CustomerEvents { get; }

    public IReadOnlySet<string> AlertIds { get; }

    /// <summary>The core fed the events as the silos get them: request by request, deadlines checked after each.</summary>
    /// <remarks>
    /// A case grain checks its deadlines against the server clock after every batch: a baton whose accept
    /// comes only in the next request, after its deadline, was dropped in between.
    /// </remarks>
    public static Prediction Of(IEnumerable<IReadOnlyList<WireEvent>> requests, DetectionSettings settings, DateTimeOffset now)
    {
        var cases = new Dictionary<string, CaseRelay>(StringComparer.Ordinal);
        var customers = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var effects = new RelayEffects();
        foreach (var request in requests)
        {
            var touched = new HashSet<CaseRelay>();
            foreach (var e in request)
            {
                if (!customers.TryGetValue(e.CustomerId, out var seen)) customers[e.CustomerId] = seen = new(StringComparer.Ordinal);
                seen.Add(e.EventId);
                if (e.CaseId is null) continue;
                if (!cases.TryGetValue(e.CaseId, out var relay)) cases[e.CaseId] = relay = new CaseRelay(e.CaseId, settings);
                relay.Apply(e.ToContract(), now, effects);
                touched.Add(relay);
            }

            foreach (var relay in touched) relay.CheckDeadlines(now, effects);
        }

        // Chases wait out the reorder grace before they are raised; a test that predicts alerts waits for them too.
        var settled = now + settings.ReorderGrace;
        foreach (var relay in cases.Values) relay.CheckDeadlines(settled, effects);

        // A rebuilt case reads the ids it raised from toh_alert: a drop that fired before an accept reported late stays a drop.
        var rebuilt = new Dictionary<string, CaseRelay>(StringComparer.Ordinal);
        foreach (var (caseId, relay) in cases)
        {
            rebuilt[caseId] = CaseRelay.Restore(caseId, settings, relay.Events, relay.RaisedAlertIds, relay.AutoResolvedAlertIds, now, effects);
            rebuilt[caseId].CheckDeadlines(settled, effects);
        }

        return new Prediction(cases, rebuilt, customers.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal));
    }
}
