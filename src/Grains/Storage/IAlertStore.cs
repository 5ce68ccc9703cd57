using TopOfHeart.Contracts.Alerts;

namespace TopOfHeart.Grains.Storage;

/// <summary>
/// Where alert books keep alerts in PostgreSQL mode. Inserting is the idempotency point: an alert id
/// that is already stored is never raised again, whichever silo tries.
/// </summary>
public interface IAlertStore
{
    /// <summary>False in embedded mode: books keep alerts in their grain state.</summary>
    bool IsDurable { get; }

    /// <summary>Inserts the alerts that are not stored yet; returns those it inserted.</summary>
    Task<IReadOnlyList<Alert>> InsertNewAsync(int book, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken);

    Task UpdateAsync(int book, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken);

    /// <summary>The book's alerts that are unresolved, or resolved since <paramref name="resolvedSince"/>.</summary>
    Task<IReadOnlyList<Alert>> LoadAsync(int book, DateTimeOffset resolvedSince, CancellationToken cancellationToken);

    /// <summary>The ids of one case's stored alerts, across every book: what a case rebuilt from the event log had raised.</summary>
    Task<CaseAlertIds> ReadCaseAlertIdsAsync(string caseId, CancellationToken cancellationToken);

    /// <summary>
    /// A chase held for the reorder grace lives in its case's memory only: a deadline wake-up at <paramref name="until"/>
    /// brings the case back on a live silo (where it holds the chase again and raises it) if its silo dies first.
    /// </summary>
    Task WakeCaseAtAsync(string caseId, DateTimeOffset until, CancellationToken cancellationToken);
}

/// <param name="Raised">Every stored alert of the case.</param>
/// <param name="Resolved">Those already resolved (by the case itself or a supervisor): nothing to resolve again.</param>
public sealed record CaseAlertIds(IReadOnlyList<string> Raised, IReadOnlyList<string> Resolved)
{
    public static readonly CaseAlertIds None = new([], []);
}

/// <summary>Embedded mode: the book's own state is the store.</summary>
public sealed class NoAlertStore : IAlertStore
{
    public bool IsDurable => false;

    public Task<IReadOnlyList<Alert>> InsertNewAsync(int book, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken) =>
        Task.FromResult(alerts);

    public Task UpdateAsync(int book, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<Alert>> LoadAsync(int book, DateTimeOffset resolvedSince, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Alert>>([]);

    public Task<CaseAlertIds> ReadCaseAlertIdsAsync(string caseId, CancellationToken cancellationToken) =>
        Task.FromResult(CaseAlertIds.None);

    public Task WakeCaseAtAsync(string caseId, DateTimeOffset until, CancellationToken cancellationToken) => Task.CompletedTask;
}
