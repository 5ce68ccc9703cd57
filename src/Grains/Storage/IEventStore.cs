using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Grains.Storage;

/// <summary>
/// The durable event log (PostgreSQL mode). Accepted events are appended before the client hears
/// <c>202</c>; grains rebuild from it when they activate after a crash.
/// </summary>
public interface IEventStore
{
    /// <summary>False in embedded mode, where nothing is written and grains keep their state in memory.</summary>
    bool IsDurable { get; }

    /// <summary>
    /// Appends the events in one round trip, together with the wake-ups their deadlines need and a
    /// pending-batch marker. Returns, per event, whether it was new (false: the id was already logged).
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<TouchpointEvent> events, IReadOnlyList<Wakeup> wakeups, CancellationToken cancellationToken);

    /// <summary>The batch is applied by the grains: the crash-recovery sweep can forget it.</summary>
    Task MarkAppliedAsync(long batchId, CancellationToken cancellationToken);

    Task<IReadOnlyList<TouchpointEvent>> ReadCaseAsync(string caseId, CancellationToken cancellationToken);

    Task<IReadOnlyList<TouchpointEvent>> ReadCustomerAsync(string customerId, CancellationToken cancellationToken);
}

public sealed record AppendResult(bool[] IsNew, long BatchId)
{
    /// <summary>
    /// The cases of the batch that had no event in the log before it: their grains, if not in memory, start empty
    /// instead of reading the log (a new case costs no read). Null when the store does not tell.
    /// </summary>
    public IReadOnlySet<string>? NewCases { get; init; }

    /// <summary>
    /// The customers of the batch that had no event in the log before it: the feed's first delivery to one of them
    /// starts its grain empty instead of reading the log back (it would only find this batch's events, which the
    /// delivery brings). Null when the store does not tell.
    /// </summary>
    public IReadOnlySet<string>? NewCustomers { get; init; }
}

/// <summary>A moment at which a case must check its deadlines even if no silo that knew about it is alive.</summary>
/// <param name="EventId">The event that set the deadline; the wake-up is kept only if that event is new.</param>
public readonly record struct Wakeup(string EventId, string CaseId, DateTimeOffset DueAt);

/// <summary>Embedded mode: no log. Grains are the only state, and the idempotency authority.</summary>
public sealed class NoEventStore : IEventStore
{
    public bool IsDurable => false;

    public Task<AppendResult> AppendAsync(IReadOnlyList<TouchpointEvent> events, IReadOnlyList<Wakeup> wakeups, CancellationToken cancellationToken) =>
        Task.FromResult(new AppendResult(Enumerable.Repeat(true, events.Count).ToArray(), 0));

    public Task MarkAppliedAsync(long batchId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<TouchpointEvent>> ReadCaseAsync(string caseId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TouchpointEvent>>([]);

    public Task<IReadOnlyList<TouchpointEvent>> ReadCustomerAsync(string customerId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TouchpointEvent>>([]);
}
