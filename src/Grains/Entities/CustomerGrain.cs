using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Grains.Entities;

[GenerateSerializer, Alias("TopOfHeart.CustomerState")]
public sealed class CustomerState
{
    [Id(0)] public RecentIds Seen { get; set; } = new();
    [Id(1)] public int EventCount { get; set; }
    /// <summary>Case id → still open.</summary>
    [Id(2)] public Dictionary<string, bool> Cases { get; set; } = new(StringComparer.Ordinal);
    [Id(3)] public Reading? First { get; set; }
    [Id(4)] public Reading? Last { get; set; }
    [Id(5)] public int Contacts { get; set; }
    [Id(6)] public DateTimeOffset? LastContactAt { get; set; }
    [Id(7)] public double FeedbackSum { get; set; }
    [Id(8)] public int FeedbackCount { get; set; }
    [Id(9)] public DateTimeOffset? FirstSeenAt { get; set; }
    [Id(10)] public DateTimeOffset? LastSeenAt { get; set; }
    [Id(11)] public int Readings { get; set; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.Reading")]
public sealed record Reading([property: Id(0)] DateTimeOffset At, [property: Id(1)] double Value);

/// <summary>
/// A customer across their cases: whether they leave happier than they came, and which of their cases
/// to check when they get in touch without naming one. Put away after <see cref="IdleAge"/>: a customer hears
/// only from the silos' feeds, in bursts, and coming back from its snapshot (or the event log) is cheap.
/// </summary>
/// <remarks>No <c>[PersistentState]</c> parameter or <see cref="IGrainContext"/>: see <see cref="CaseGrain"/>'s constructor.</remarks>
public sealed class CustomerGrain(
    IOptions<SnapshotSettings> snapshots,
    IEventStore eventLog,
    FigureAggregator figures,
    GrainCensus census)
    : SnapshotGrain<CustomerState>(StorageNames.Customer, StorageNames.RebuiltProvider, snapshots), ICustomerGrain
{
    /// <summary>A customer idle this long is put away (the silo's collection age for customers).</summary>
    public static readonly TimeSpan IdleAge = TimeSpan.FromSeconds(30);

    private bool _counted; // in the census

    /// <summary>Called for itself in this activation (a contact naming no case, a read), not only fed: kept for its idle age.</summary>
    private bool _calledDirectly;

    private CustomerState S => Stored;

    protected override bool WritesSnapshots => !eventLog.IsDurable;

    /// <summary>With the durable log: whether this activation has its history yet (the first call brings it).</summary>
    private bool _restored;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        census.CustomerIn();
        _counted = true;
    }

    /// <summary>
    /// With the durable log the customer is its logged events, read once per activation by its first call; a feed
    /// delivery that begins with the customer's first logged event (<see cref="DeliverFirst"/>) starts it empty and saves
    /// the read, which is most customer activations under load.
    /// </summary>
    private async Task RestoreAsync(bool newCustomer)
    {
        if (_restored || !eventLog.IsDurable) return;
        if (!newCustomer)
        {
            // A read that fails leaves the activation unrestored: the call fails, and the next one reads again.
            foreach (var e in await eventLog.ReadCustomerAsync(this.GetPrimaryKeyString(), CancellationToken.None))
            {
                if (!S.Seen.Add(e.EventId)) continue;
                S.EventCount++;
                Track(e);
            }
        }

        _restored = true;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_counted)
        {
            _counted = false;
            census.CustomerOut();
        }

        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task<bool[]> Apply(TouchpointEvent[] events)
    {
        _calledDirectly = true;
        return ApplyAsync(events, newCustomer: false);
    }

    private async Task<bool[]> ApplyAsync(TouchpointEvent[] events, bool newCustomer)
    {
        await RestoreAsync(newCustomer);
        var applied = new bool[events.Length];
        var (measuredBefore, happierBefore) = Happiness();
        List<Task>? chases = null;
        for (var i = 0; i < events.Length; i++)
        {
            var e = events[i];
            if (S.Seen.Add(e.EventId))
            {
                applied[i] = true;
                S.EventCount++;
                Track(e);
            }

            // Even when already seen (a retry, or a customer rebuilt from the log): the cases ignore what they have.
            if (e.CaseId is null && e.Type == EventType.CustomerContact)
            {
                // No case named: every open case of theirs decides whether a baton of theirs is in flight.
                foreach (var (caseId, open) in S.Cases)
                {
                    if (open) (chases ??= []).Add(GrainFactory.Get<ICaseGrain>(caseId).Apply([e with { CaseId = caseId }]));
                }
            }
        }

        var (measuredAfter, happierAfter) = Happiness();
        figures.Add(FigureKey.Of(Metric.CustomersMeasured), measuredAfter - measuredBefore);
        figures.Add(FigureKey.Of(Metric.CustomersHappier), happierAfter - happierBefore);
        if (applied.Contains(true)) MarkDirty();
        if (chases is not null) await Task.WhenAll(chases);
        return applied;
    }

    /// <remarks>
    /// Put away after the delivery (embedded mode, where coming back is a snapshot read): the feed calls a customer once
    /// a story has gone quiet, so keeping it for <see cref="IdleAge"/> would only carry its activation through the
    /// collector's older generations. With the durable log, coming back means reading the log, so it stays.
    /// </remarks>
    public Task Deliver(TouchpointEvent[] events) => DeliverAsync(events, newCustomer: false);

    public Task DeliverFirst(TouchpointEvent[] events) => DeliverAsync(events, newCustomer: true);

    private async Task DeliverAsync(TouchpointEvent[] events, bool newCustomer)
    {
        await ApplyAsync(events, newCustomer);
        if (!eventLog.IsDurable && !_calledDirectly) DeactivateOnIdle();
    }

    private void Track(TouchpointEvent e)
    {
        var at = e.OccurredAt;
        if (S.FirstSeenAt is null || at < S.FirstSeenAt) S.FirstSeenAt = at;
        if (S.LastSeenAt is null || at > S.LastSeenAt) S.LastSeenAt = at;
        if (e.CaseId is { } caseId)
        {
            var known = S.Cases.TryGetValue(caseId, out var open);
            S.Cases[caseId] = e.Type switch
            {
                EventType.CaseResolved => false,
                EventType.CaseOpened => true,
                _ => !known || open,
            };
        }

        if (e.Type == EventType.CustomerContact)
        {
            S.Contacts++;
            if (S.LastContactAt is null || at > S.LastContactAt) S.LastContactAt = at;
        }

        if (e is { Type: EventType.Feedback, Score: { } score })
        {
            S.FeedbackSum += score;
            S.FeedbackCount++;
        }

        if (e.Sentiment is { } value)
        {
            S.Readings++;
            if (S.First is null || at < S.First.At) S.First = new Reading(at, value);
            if (S.Last is null || at >= S.Last.At) S.Last = new Reading(at, value);
        }
    }

    private (int Measured, int Happier) Happiness() =>
        S.Readings >= 2 && S.First is { } first && S.Last is { } last
            ? (1, last.Value > first.Value ? 1 : 0)
            : (0, 0);

    public async Task<CustomerView?> GetView()
    {
        _calledDirectly = true;
        await RestoreAsync(newCustomer: false);
        if (S.EventCount == 0) return null;
        var (measured, happier) = Happiness();
        return new CustomerView
        {
            CustomerId = this.GetPrimaryKeyString(),
            EventCount = S.EventCount,
            Cases = S.Cases.Keys.ToList(),
            OpenCases = S.Cases.Where(kv => kv.Value).Select(kv => kv.Key).ToList(),
            FirstSentiment = S.First?.Value,
            LastSentiment = S.Last?.Value,
            LeftHappier = measured == 1 ? happier == 1 : null,
            Contacts = S.Contacts,
            LastContactAt = S.LastContactAt,
            AverageFeedback = S.FeedbackCount == 0 ? null : S.FeedbackSum / S.FeedbackCount,
            FirstSeenAt = S.FirstSeenAt,
            LastSeenAt = S.LastSeenAt,
        };
    }

    protected override void CaptureState(CustomerState state)
    {
        // The live state is the stored object itself.
    }
}
