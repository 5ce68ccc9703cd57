using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Views;

namespace TopOfHeart.Contracts.Grains;

/// <summary>A customer across all their cases. Key: the customer id.</summary>
[Alias("TopOfHeart.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies the customer's events: those of their cases (already de-duplicated by the case) and
    /// those that name no case, for which this grain is the idempotency authority.
    /// Returns, per event, whether it was new here.
    /// </summary>
    [Alias("Apply")]
    Task<bool[]> Apply(TouchpointEvent[] events);

    /// <summary>
    /// The silo feed's delivery of events of the customer's cases (already de-duplicated by their cases): applied as
    /// <see cref="Apply"/> does, after which a customer kept in memory only by these deliveries is put away at once.
    /// </summary>
    [Alias("Deliver")]
    Task Deliver(TouchpointEvent[] events);

    /// <summary>
    /// <see cref="Deliver"/> for events that begin with the customer's first logged one (the event log held nothing of
    /// the customer before them): if the grain is not in memory it starts empty instead of reading the log back.
    /// </summary>
    [Alias("DeliverFirst")]
    Task DeliverFirst(TouchpointEvent[] events);

    [Alias("GetView")]
    Task<CustomerView?> GetView();
}

/// <summary>One employee's moments of truth. Key: the employee id.</summary>
[Alias("TopOfHeart.IEmployeeGrain")]
public interface IEmployeeGrain : IGrainWithStringKey
{
    /// <param name="timeToAccept">Parallel to <paramref name="events"/>: time taken for accepts that matched a request.</param>
    [Alias("Apply")]
    Task Apply(TouchpointEvent[] events, TimeSpan?[] timeToAccept);

    [Alias("GetView")]
    Task<EmployeeView?> GetView();
}

/// <summary>A place where customers meet the company. Key: the touchpoint id.</summary>
[Alias("TopOfHeart.ITouchpointGrain")]
public interface ITouchpointGrain : IGrainWithStringKey
{
    [Alias("Apply")]
    Task Apply(TouchpointEvent[] events);

    /// <summary>Counts alerts raised at this touchpoint (each id once); <paramref name="kinds"/> is parallel to <paramref name="alertIds"/>.</summary>
    [Alias("CountAlerts")]
    Task CountAlerts(string[] alertIds, AlertKind[] kinds);

    [Alias("GetView")]
    Task<TouchpointView?> GetView();
}

/// <summary>A department's live figures, merged from every silo's pre-aggregated deltas. Key: the department name.</summary>
[Alias("TopOfHeart.IDepartmentGrain")]
public interface IDepartmentGrain : IGrainWithStringKey
{
    [Alias("Merge")]
    Task Merge(FigureDelta[] deltas);

    [Alias("GetView")]
    Task<DepartmentView?> GetView();
}

/// <summary>The whole floor's figures for the wall board. One grain, fed only by per-silo batches.</summary>
[Alias("TopOfHeart.IFloorGrain")]
public interface IFloorGrain : IGrainWithIntegerKey
{
    [Alias("Merge")]
    Task Merge(FigureDelta[] deltas);

    [Alias("GetSnapshot")]
    Task<BoardSnapshot> GetSnapshot();
}

/// <summary>
/// Alerts are kept in a fixed number of books, partitioned by alert id, so no single grain
/// carries them all. A book owns each alert's lifecycle: raise once, acknowledge, resolve, escalate.
/// </summary>
[Alias("TopOfHeart.IAlertBookGrain")]
public interface IAlertBookGrain : IGrainWithIntegerKey
{
    /// <summary>Raises alerts not raised before; returns those that are new.</summary>
    [Alias("Raise")]
    Task<Alert[]> Raise(Alert[] alerts);

    /// <summary>Resolves the given alerts if they are not resolved yet (e.g. late pickup).</summary>
    [Alias("AutoResolve")]
    Task AutoResolve(string[] alertIds, string resolution);

    [Alias("Acknowledge")]
    Task<Alert?> Acknowledge(string alertId, string by);

    [Alias("Resolve")]
    Task<Alert?> Resolve(string alertId, string by, string? resolution);

    [Alias("Get")]
    Task<Alert?> Get(string alertId);

    /// <summary>Matching alerts, newest first, at most <see cref="AlertQuery.Limit"/>.</summary>
    [Alias("Query")]
    Task<Alert[]> Query(AlertQuery query);

    [Alias("CheckEscalations")]
    Task CheckEscalations();
}
