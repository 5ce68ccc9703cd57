using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.Grains.Entities;

/// <summary>
/// Carries applied events (and raised alerts) to the grains that only keep figures about them — each case's
/// customer, the employee and the touchpoint — off the request path and off the alert books' path. The silo groups what arrives in one
/// <see cref="Period"/> per grain and makes one call per grain per period, however many requests
/// and events there were: a busy employee costs one call every 250 ms, not one per event.
/// <para>
/// Those grains are not idempotency authorities for these events (the case, or the event log, decided
/// already), and each keeps recent event ids, so a delivery retried after a failure counts nothing twice.
/// Reads through the API flush this silo's feed first; another silo's deliveries arrive within a period.
/// </para>
/// <para>
/// A customer's case events wait until the customer has been quiet for <see cref="CustomerQuiet"/> (at most
/// <see cref="CustomerMaxHold"/>) and go in one call, after which the customer is put away: one short activation per
/// story instead of one held through its idle age. A contact naming no case takes its customer's held events along on
/// this silo; so in a cluster of several silos a customer hears of a new case (its <c>case.opened</c>) within a period
/// instead, for a contact that lands on another silo. A lone silo (embedded mode) holds that too.
/// </para>
/// </summary>
public sealed partial class EntityFeed(IGrainFactory grains, IClusterMembershipService membership, ILogger<EntityFeed> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>Pending events beyond which <see cref="Add"/> asks its caller to wait for a delivery (back-pressure).</summary>
    public const int MaxPending = 100_000;

    private const int MaxAttempts = 5;

    /// <summary>A customer's held events go once no new one came for this long.</summary>
    public static readonly TimeSpan CustomerQuiet = TimeSpan.FromSeconds(2);

    /// <summary>... and at the latest this long after the first of them.</summary>
    public static readonly TimeSpan CustomerMaxHold = TimeSpan.FromSeconds(10);

    /// <summary>Held customer events beyond which the next delivery takes them all.</summary>
    public const int MaxHeld = 200_000;

    /// <summary>Per customer, events newer than any of theirs in <see cref="_pending"/> (so appending them keeps the order).</summary>
    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);
    private int _heldCount;

    /// <summary>The only active silo of its cluster (as of the last flush): nobody else can take a contact.</summary>
    private bool _alone;

    private readonly object _gate = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private Batch _pending = new();

    /// <summary>
    /// Queues applied events (with each accept's time to accept, if any) for their customer, employee and touchpoint.
    /// The task completes once a delivery that carried them has run (customers' held events excepted: they go once their
    /// customer is quiet): callers that must know the grains have them (the recovery sweep) await it; the others only
    /// when the feed is full.
    /// </summary>
    /// <param name="calledDirectly">Customers the caller has just given these events itself.</param>
    /// <param name="newCustomers">Customers the event log held nothing of before these events: a delivery that starts with
    /// their first event here lets the grain start empty instead of reading the log back.</param>
    public Task Add(
        IReadOnlyList<TouchpointEvent> events, IReadOnlyList<TimeSpan?> timeToAccept, ICollection<string>? calledDirectly = null,
        IReadOnlySet<string>? newCustomers = null)
    {
        if (events.Count == 0) return Task.CompletedTask;
        var now = Environment.TickCount64;
        HashSet<string>? marked = null;
        lock (_gate)
        {
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                if (e.CaseId is not null && calledDirectly?.Contains(e.CustomerId) != true)
                {
                    var first = newCustomers?.Contains(e.CustomerId) == true && (marked ??= new(StringComparer.Ordinal)).Add(e.CustomerId);
                    AddCustomer(e, now, first);
                }

                if (e.EmployeeId is { } employee) _pending.Employees.Add(employee, new Item(e, timeToAccept[i]));
                if (e.TouchpointId is { } touchpoint) _pending.Touchpoints.Add(touchpoint, new Item(e, null));
            }

            return _pending.Delivered.Task;
        }
    }

    /// <summary>A case's opening goes with the next delivery (with what was held before it); the rest is held.</summary>
    private void AddCustomer(TouchpointEvent e, long now, bool first)
    {
        var item = new Item(e, null, first);
        if (e.Type == EventType.CaseOpened && !_alone)
        {
            Release(e.CustomerId, _pending);
            _pending.Customers.Add(e.CustomerId, item);
            return;
        }

        if (!_held.TryGetValue(e.CustomerId, out var held)) _held[e.CustomerId] = held = new Held(now);
        held.Items.Add(item);
        held.Last = now;
        _heldCount++;
    }

    /// <summary>Moves a customer's held events into <paramref name="batch"/>, after what it has of theirs.</summary>
    private void Release(string customerId, Batch batch)
    {
        if (!_held.Remove(customerId, out var held)) return;
        foreach (var item in held.Items) batch.Customers.Add(customerId, item);
        _heldCount -= held.Items.Count;
    }

    /// <summary>Customers quiet long enough, held long enough, or all of them (a full flush, or too much held).</summary>
    private void ReleaseDue(Batch batch, bool all)
    {
        if (_held.Count == 0) return;
        all |= _heldCount >= MaxHeld;
        var now = Environment.TickCount64;
        var quiet = (long)CustomerQuiet.TotalMilliseconds;
        var maxHold = (long)CustomerMaxHold.TotalMilliseconds;
        List<string>? due = null;
        foreach (var (customerId, held) in _held)
        {
            if (all || now - held.Last >= quiet || now - held.First >= maxHold) (due ??= []).Add(customerId);
        }

        if (due is null) return;
        foreach (var customerId in due) Release(customerId, batch);
    }

    /// <summary>Queues newly raised alerts to be counted at their touchpoints.</summary>
    public void CountAlerts(IReadOnlyList<Alert> alerts)
    {
        lock (_gate)
        {
            foreach (var alert in alerts)
            {
                if (alert.TouchpointId is { } touchpoint) _pending.TouchpointAlerts.Add(touchpoint, new AlertItem(alert.AlertId, alert.Kind));
            }
        }
    }

    /// <summary>True when so much waits that producers should wait for the next delivery.</summary>
    public bool IsFull
    {
        get
        {
            lock (_gate) return _pending.Count >= MaxPending;
        }
    }

    /// <summary>
    /// Takes a customer's queued events out of the feed, so a caller about to call that customer directly
    /// (with events that name no case) delivers them in the same call, in order.
    /// </summary>
    public TouchpointEvent[] TakeCustomer(string customerId)
    {
        lock (_gate)
        {
            Release(customerId, _pending);
            return _pending.Customers.Take(customerId) is { } items ? items.ConvertAll(x => x.Event).ToArray() : [];
        }
    }

    /// <summary>Puts back what <see cref="TakeCustomer"/> took, when the direct call failed.</summary>
    public void ReturnCustomer(string customerId, TouchpointEvent[] events)
    {
        if (events.Length == 0) return;
        lock (_gate)
        {
            foreach (var e in events) _pending.Customers.Add(customerId, new Item(e, null));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushLoggedAsync(all: false);
        }
        catch (OperationCanceledException)
        {
        }

        await FlushLoggedAsync(all: true);
    }

    /// <summary>A flush that fails unexpectedly is logged and the feed goes on: this service stopping would stop the silo.</summary>
    private async Task FlushLoggedAsync(bool all)
    {
        try
        {
            await FlushAsync(all);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFlushFailed(logger, ex);
        }
    }

    /// <summary>Delivers everything queued so far, held customer events included, now.</summary>
    public Task FlushAsync() => FlushAsync(all: true);

    private async Task FlushAsync(bool all)
    {
        await _flushing.WaitAsync();
        try
        {
            Batch taken;
            var alone = ActiveSilos() <= 1;
            lock (_gate)
            {
                // A silo just joined: what this one held back as the only silo goes now.
                if (_alone && !alone) all = true;
                _alone = alone;
                ReleaseDue(_pending, all);
                if (_pending.Count == 0) return;
                taken = _pending;
                _pending = new Batch();
            }

            try
            {
                // The deliveries' failures are gathered once all have ended, on this thread: when a silo dies they fail
                // together and are handled on several threads at once.
                var customers = taken.Customers.Map.Select(kv => Deliver("customer", kv.Key, kv.Value,
                    items => items[0].First
                        ? grains.Get<ICustomerGrain>(kv.Key).DeliverFirst(Events(items))
                        : grains.Get<ICustomerGrain>(kv.Key).Deliver(Events(items)))).ToList();
                var employees = taken.Employees.Map.Select(kv => Deliver("employee", kv.Key, kv.Value,
                    items => grains.Get<IEmployeeGrain>(kv.Key).Apply(Events(items), items.ConvertAll(x => x.TimeToAccept).ToArray()))).ToList();
                var touchpoints = taken.Touchpoints.Map.Select(kv => Deliver("touchpoint", kv.Key, kv.Value,
                    items => grains.Get<ITouchpointGrain>(kv.Key).Apply(Events(items)))).ToList();
                var touchpointAlerts = taken.TouchpointAlerts.Map.Select(kv => Deliver("touchpoint", kv.Key, kv.Value,
                    items => grains.Get<ITouchpointGrain>(kv.Key).CountAlerts(
                        items.ConvertAll(x => x.AlertId).ToArray(), items.ConvertAll(x => x.Kind).ToArray()))).ToList();
                await Task.WhenAll(customers.Concat<Task>(employees).Concat(touchpoints).Concat(touchpointAlerts));

                var failed = new Batch();
                Retry(customers, failed.Customers);
                Retry(employees, failed.Employees);
                Retry(touchpoints, failed.Touchpoints);
                Retry(touchpointAlerts, failed.TouchpointAlerts);
                if (failed.Count > 0)
                {
                    lock (_gate) _pending.Merge(failed);
                }

                taken.Delivered.TrySetResult();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Whoever waits for this delivery hears that it did not happen, rather than waiting for ever.
                taken.Delivered.TrySetException(ex);
                throw;
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private int ActiveSilos()
    {
        var active = 0;
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active) active++;
        }

        return active;
    }

    /// <summary>One grain's delivery; its result is what to try again (null when it went through).</summary>
    private async Task<(string Key, List<T>? Again)> Deliver<T>(string kind, string key, List<T> items, Func<List<T>, Task> call)
        where T : IAttempted<T>
    {
        try
        {
            await call(items);
            return (key, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var again = items.Where(x => x.Attempts + 1 < MaxAttempts).Select(x => x.Again()).ToList();
            LogDeliveryFailed(logger, kind, key, items.Count, again.Count, ex);
            return (key, again);
        }
    }

    private static void Retry<T>(List<Task<(string Key, List<T>? Again)>> deliveries, Groups<T> retry)
    {
        foreach (var delivery in deliveries)
        {
            var (key, again) = delivery.Result;
            if (again is null) continue;
            foreach (var item in again) retry.Add(key, item);
        }
    }

    private static TouchpointEvent[] Events(List<Item> items)
    {
        var events = new TouchpointEvent[items.Count];
        for (var i = 0; i < events.Length; i++) events[i] = items[i].Event;
        return events;
    }

    private interface IAttempted<out T>
    {
        int Attempts { get; }

        T Again();
    }

    /// <summary>One event on its way to a grain: 24 bytes in the lists that hold a customer's events for seconds.</summary>
    /// <remarks>
    /// The time to accept is kept as ticks (<see cref="long.MinValue"/>: none) and the flag and attempts share one int,
    /// instead of a <see cref="Nullable{TimeSpan}"/>, a bool and an int: 40 bytes an item.
    /// </remarks>
    private readonly struct Item : IAttempted<Item>
    {
        private const long NoTime = long.MinValue;
        private const int FirstFlag = 1;
        private readonly long _timeToAcceptTicks;
        private readonly int _bits; // FirstFlag, and the attempts above it

        /// <param name="first">The customer's first logged event (the log held nothing of them before its batch).</param>
        public Item(TouchpointEvent e, TimeSpan? timeToAccept, bool first = false)
            : this(e, timeToAccept?.Ticks ?? NoTime, first ? FirstFlag : 0)
        {
        }

        private Item(TouchpointEvent e, long timeToAcceptTicks, int bits)
        {
            Event = e;
            _timeToAcceptTicks = timeToAcceptTicks;
            _bits = bits;
        }

        public TouchpointEvent Event { get; }

        public TimeSpan? TimeToAccept => _timeToAcceptTicks == NoTime ? null : TimeSpan.FromTicks(_timeToAcceptTicks);

        public bool First => (_bits & FirstFlag) != 0;

        public int Attempts => _bits >> 1;

        public Item Again() => new(Event, _timeToAcceptTicks, _bits + 2);
    }

    private readonly record struct AlertItem(string AlertId, AlertKind Kind, int Attempts = 0) : IAttempted<AlertItem>
    {
        public AlertItem Again() => this with { Attempts = Attempts + 1 };
    }

    private sealed class Groups<T>
    {
        public Dictionary<string, List<T>> Map { get; } = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        public void Add(string key, T item)
        {
            if (!Map.TryGetValue(key, out var list)) Map[key] = list = [];
            list.Add(item);
            Count++;
        }

        public List<T>? Take(string key)
        {
            if (!Map.Remove(key, out var list)) return null;
            Count -= list.Count;
            return list;
        }
    }

    private sealed class Held(long first)
    {
        public List<Item> Items { get; } = [];

        public long First { get; } = first;

        public long Last { get; set; } = first;
    }

    private sealed class Batch
    {
        public Groups<Item> Customers { get; } = new();

        public Groups<Item> Employees { get; } = new();

        public Groups<Item> Touchpoints { get; } = new();

        public Groups<AlertItem> TouchpointAlerts { get; } = new();

        public TaskCompletionSource Delivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count => Customers.Count + Employees.Count + Touchpoints.Count + TouchpointAlerts.Count;

        public void Merge(Batch other)
        {
            foreach (var (key, items) in other.Customers.Map) items.ForEach(x => Customers.Add(key, x));
            foreach (var (key, items) in other.Employees.Map) items.ForEach(x => Employees.Add(key, x));
            foreach (var (key, items) in other.Touchpoints.Map) items.ForEach(x => Touchpoints.Add(key, x));
            foreach (var (key, items) in other.TouchpointAlerts.Map) items.ForEach(x => TouchpointAlerts.Add(key, x));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The entity feed could not finish a flush: the customers, employees and touchpoints it was for may miss some of its events")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver {Count} events to {Kind} {Key}; {Retried} will be retried")]
    private static partial void LogDeliveryFailed(ILogger logger, string kind, string key, int count, int retried, Exception ex);
}
