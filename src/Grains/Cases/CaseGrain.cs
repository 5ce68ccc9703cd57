using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.Grains.Alerts;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Grains.Cases;

[GenerateSerializer, Alias("TopOfHeart.CaseState")]
public sealed class CaseState
{
    [Id(0)] public List<TouchpointEvent> Events { get; set; } = [];
    [Id(1)] public List<string> RaisedAlertIds { get; set; } = [];
    [Id(2)] public List<string> AutoResolvedAlertIds { get; set; } = [];

    /// <summary>Alerts raised but not yet confirmed by their book (an outbox, retried).</summary>
    [Id(3)] public List<Alert> UnsentAlerts { get; set; } = [];
    [Id(4)] public List<string> UnsentResolutions { get; set; } = [];

    /// <summary>What the case had added to the live figures when it was put away (null in older snapshots).</summary>
    [Id(5)] public List<FigureDelta>? Counted { get; set; }
}

/// <summary>
/// Holds one case's relay (the deterministic <see cref="CaseRelay"/>), arms a timer for its next
/// deadline, and hands the alerts it raises to their books. A resolved case is put away at once; an open
/// one once it has been idle for <see cref="IdleAge"/>, unless its deadline is nearer than that,
/// leaving that deadline with the silo's <see cref="CaseWakeups"/>.
/// </summary>
public sealed partial class CaseGrain : SnapshotGrain<CaseState>, ICaseGrain, IDeadlineOwner
{
    private readonly IEventStore _eventLog;
    private readonly IAlertStore _alertStore;
    private readonly DetectionSettings _detection;
    private readonly TimeProvider _clock;
    private readonly FigureAggregator _figures;
    private readonly ILogger<CaseGrain> _logger;
    private CaseRelay _relay = null!; // set by RestoreAsync, before any call uses it
    private Contribution _contribution = new();

    [ThreadStatic] private static Contribution? t_scratch;
    [ThreadStatic] private static List<FigureDelta>? t_deltas;
    // The outbox, made by its first alert or resolution: most cases never raise one.
    private List<Alert>? _unsentAlerts;
    private List<string>? _unsentResolutions;
    private GrainDeadline _deadline = null!;
    private IGrainFactory _factory = null!;
    private string? _caseId;

    private readonly CaseWakeups _wakeups;
    private readonly AlertRaiser _raiser;
    private readonly GrainCensus _census;
    private bool _counted; // in the census

    /// <summary>
    /// An open case idle this long is put away (the silo's collection age for cases); a deadline nearer than this
    /// keeps it in memory instead, for a timer to the millisecond.
    /// </summary>
    public static readonly TimeSpan IdleAge = TimeSpan.FromSeconds(30);

    /// <remarks>
    /// No <c>[PersistentState]</c> parameter (Orleans builds those through reflection on every activation, about 1.4 % of
    /// the CPU at full ingest) and no <see cref="IGrainContext"/> (a scoped service: each activation's service scope would
    /// keep a table and a disposal list for it); <see cref="SnapshotGrain{TState}"/> reaches the storage itself.
    /// </remarks>
    public CaseGrain(
        IEventStore eventLog,
        IAlertStore alertStore,
        IOptions<SnapshotSettings> snapshots,
        IOptions<DetectionSettings> detection,
        TimeProvider clock,
        FigureAggregator figures,
        CaseWakeups wakeups,
        AlertRaiser raiser,
        GrainCensus census,
        ILogger<CaseGrain> logger)
        : base(StorageNames.Case, StorageNames.RebuiltProvider, snapshots)
    {
        _wakeups = wakeups;
        _census = census;
        _raiser = raiser;
        _eventLog = eventLog;
        _alertStore = alertStore;
        _detection = detection.Value;
        _clock = clock;
        _figures = figures;
        _logger = logger;
    }

    /// <summary>The case's id, decoded from the grain's key once: every call of GetPrimaryKeyString makes a new string.</summary>
    private string CaseId => _caseId ??= this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);

        _factory = GrainFactory; // the timer's thread may not ask the grain's runtime for it
        _deadline = new GrainDeadline(_clock, this);

        // With the durable log the relay is restored by the first call: one that brings a new case's first events
        // (ApplyFirst) starts it empty and saves the read, which is most activations under load.
        if (!_eventLog.IsDurable) await RestoreAsync(newCase: false, cancellationToken);
        _census.CaseIn();
        _counted = true;
    }

    /// <summary>Builds the relay once per activation: from the log, from the snapshot, or empty.</summary>
    private async Task RestoreAsync(bool newCase, CancellationToken cancellationToken)
    {
        if (_relay is not null) return;
        var effects = RelayEffects.Rent();
        try
        {
            await ActivateRelayAsync(CaseId, newCase, effects, cancellationToken);
        }
        finally
        {
            RelayEffects.Return(effects);
        }
    }

    private async Task ActivateRelayAsync(string caseId, bool newCase, RelayEffects effects, CancellationToken cancellationToken)
    {
        if (_eventLog.IsDurable && !newCase)
        {
            // The log is the case. The ids it raised matter to the fold too: a drop that fired on the server clock before
            // an accept reported late stays a drop (books would refuse a second raise anyway).
            var reading = _eventLog.ReadCaseAsync(caseId, cancellationToken);
            var alerting = _alertStore.ReadCaseAlertIdsAsync(caseId, cancellationToken);
            await Task.WhenAll(reading, alerting);
            var (events, alerts) = (await reading, await alerting);
            _relay = CaseRelay.Restore(caseId, _detection, events, alerts.Raised, alerts.Resolved, _clock.GetUtcNow(), effects);
        }
        else if (HasStoredState)
        {
            _relay = CaseRelay.Restore(caseId, _detection, Stored.Events, Stored.RaisedAlertIds, Stored.AutoResolvedAlertIds,
                _clock.GetUtcNow(), effects);
            // The restored lists themselves: the stored object is released below, nothing else holds them.
            if (Stored.UnsentAlerts.Count > 0) _unsentAlerts = Stored.UnsentAlerts;
            if (Stored.UnsentResolutions.Count > 0) _unsentResolutions = Stored.UnsentResolutions;
        }
        else
        {
            // A new case, or (embedded) one never put away. On PostgreSQL no snapshot is written, so a new case lands here.
            _relay = new CaseRelay(caseId, _detection);
        }

        if (HasStoredState && Stored.Counted is { } counted)
        {
            // What the figures hold for this case: deadlines that passed while it was put away count now.
            _contribution = new Contribution();
            foreach (var delta in counted) _contribution.Add(delta.Key, delta.Delta);
        }
        else
        {
            // Rebuilt from the log: assume the figures already counted the case, deadlines that had passed included
            // (a replay does not fire them; counting them now would count each dropped baton again on every activation).
            _relay.CheckDeadlines(_clock.GetUtcNow(), effects);
            _contribution = _relay.Contribution();
        }

        ReleaseStored();
        await SettleAsync(effects, activating: true);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deadline?.Dispose();
        if (_counted)
        {
            _counted = false;
            _census.CaseOut();
        }

        if (_relay?.NextDeadline is { } due) _wakeups.Register(CaseId, due);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    protected override bool WritesSnapshots => !_eventLog.IsDurable;

    public Task<CaseApplyResult> Apply(TouchpointEvent[] events) => ApplyAsync(events, newCase: false);

    public Task<CaseApplyResult> ApplyFirst(TouchpointEvent[] events) => ApplyAsync(events, newCase: true);

    private async Task<CaseApplyResult> ApplyAsync(TouchpointEvent[] events, bool newCase)
    {
        await RestoreAsync(newCase, CancellationToken.None);
        var now = _clock.GetUtcNow();
        var effects = RelayEffects.Rent();
        try
        {
            return await ApplyAsync(events, now, effects);
        }
        finally
        {
            RelayEffects.Return(effects);
        }
    }

    private async Task<CaseApplyResult> ApplyAsync(TouchpointEvent[] events, DateTimeOffset now, RelayEffects effects)
    {
        var applied = new bool[events.Length];
        TimeSpan?[]? timeToAccept = null;
        var figuresMayChange = false;
        for (var i = 0; i < events.Length; i++)
        {
            applied[i] = _relay.Apply(events[i], now, effects);
            figuresMayChange |= applied[i] && events[i].Type is not (EventType.Interaction or EventType.CustomerContact or EventType.Feedback);
        }

        if (effects.TimesToAccept.Count > 0)
        {
            timeToAccept = new TimeSpan?[events.Length];
            for (var i = 0; i < events.Length; i++)
            {
                if (applied[i] && effects.TimesToAccept.TryGetValue(events[i].EventId, out var taken)) timeToAccept[i] = taken;
            }
        }

        if (applied.Contains(true)) MarkDirty();
        await SettleAsync(effects, figuresMayChange: figuresMayChange);
        return new CaseApplyResult { Applied = applied, TimeToAccept = timeToAccept };
    }

    public async Task<CaseView?> GetView()
    {
        await RestoreAsync(newCase: false, CancellationToken.None);
        return _relay.Exists ? _relay.ToView() with { HostedBy = GrainContext.Address.SiloAddress?.ToString() } : null;
    }

    public async Task CheckDeadlines()
    {
        _deadline.Fired();
        await RestoreAsync(newCase: false, CancellationToken.None);
        var effects = RelayEffects.Rent();
        try
        {
            await SettleAsync(effects, figuresMayChange: false);
        }
        finally
        {
            RelayEffects.Return(effects);
        }
    }

    /// <summary>After any change: passed deadlines fire, figures move, alerts go out, the next deadline is armed.</summary>
    /// <param name="activating">Called from activation, where a grain must not ask to be put away before its first call.</param>
    /// <param name="figuresMayChange">
    /// False when only interactions, contacts and feedback were applied: they move no figure, so the case's contribution
    /// is not recounted unless an alert or a deadline changed something (recounting on every call was ~8 % of all allocation).
    /// </param>
    private async Task SettleAsync(RelayEffects effects, bool activating = false, bool figuresMayChange = true)
    {
        // Before the ingest answers 202: a held chase survives the death of this silo as a wake-up in the store.
        if (effects.HeldUntil is { } heldUntil) await _alertStore.WakeCaseAtAsync(CaseId, heldUntil, CancellationToken.None);
        var nextBefore = _relay.NextDeadline;
        _relay.CheckDeadlines(_clock.GetUtcNow(), effects);

        if (figuresMayChange || activating || !effects.IsEmpty || _relay.NextDeadline != nextBefore)
        {
            // Counted into a per-thread scratch table and copied only when something moved: no allocation per call.
            var after = t_scratch ??= new Contribution();
            after.Clear();
            _relay.Contribution(after);
            var deltas = t_deltas ??= [];
            deltas.Clear();
            Contribution.Diff(_contribution, after, deltas);
            if (deltas.Count > 0)
            {
                _contribution.CopyFrom(after);
                _figures.Add(deltas);
            }
        }

        if (!effects.IsEmpty)
        {
            MarkDirty();
            if (effects.Raised.Count > 0) (_unsentAlerts ??= []).AddRange(effects.Raised);
            if (effects.Resolved.Count > 0) (_unsentResolutions ??= []).AddRange(effects.Resolved);
        }

        await SendAlertsAsync();
        ArmNextDeadline(mayDeactivate: !activating);
    }

    private async Task SendAlertsAsync()
    {
        if (!HasUnsent) return;
        try
        {
            // Raise before resolving: a late pickup in the same batch resolves an alert raised in it.
            if (_unsentAlerts is { Count: > 0 } alerts)
            {
                await _raiser.RaiseAsync(alerts);
                alerts.Clear();
            }

            if (_unsentResolutions is { Count: > 0 } resolutions)
            {
                await Task.WhenAll(resolutions
                    .GroupBy(id => (Book: AlertBooks.PartitionOf(id), Resolution: _relay.ResolutionOf(id)))
                    .Select(g => GrainFactory.Get<IAlertBookGrain>(g.Key.Book).AutoResolve(g.ToArray(), g.Key.Resolution)));
                resolutions.Clear();
            }

            MarkDirty();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Kept in the outbox; the retry timer below sends them again. Books ignore what they already have.
            LogAlertsNotSent(_logger, CaseId, ex);
        }
    }

    private void ArmNextDeadline(bool mayDeactivate)
    {
        var retryOutbox = HasUnsent;
        var now = _clock.GetUtcNow();
        DateTimeOffset? due = _relay.NextDeadline;
        if (retryOutbox)
        {
            var retryAt = now + TimeSpan.FromSeconds(1);
            if (due is null || retryAt < due) due = retryAt;
        }

        // A near deadline keeps the case in memory; a far one waits with the silo's wake-ups once the case goes idle.
        if (_deadline.Arm(due) is { } delay && delay < IdleAge) DelayDeactivation(delay + TimeSpan.FromSeconds(30));

        // A resolved case with nothing left to do gives its memory back; what it keeps is its stored snapshot.
        if (mayDeactivate && due is null && _relay.IsResolved) DeactivateOnIdle();
    }

    // Through the grain's reference (GrainFactory.Get, not AsReference: that resolves the interface through reflection,
    // 1.3 % of the CPU at full ingest), made when due rather than kept: a case fires a deadline or two in its life.
    Task IDeadlineOwner.DeadlineDue() => _factory.Get<ICaseGrain>(CaseId).CheckDeadlines();

    void IDeadlineOwner.DeadlineCheckFailed(Exception exception) => LogDeadlineCheckFailed(_logger, exception);

    private bool HasUnsent => _unsentAlerts is { Count: > 0 } || _unsentResolutions is { Count: > 0 };

    protected override void CaptureState(CaseState state)
    {
        state.Events = _relay.Events.ToList();
        state.RaisedAlertIds = _relay.RaisedAlertIds.ToList();
        state.AutoResolvedAlertIds = _relay.AutoResolvedAlertIds.ToList();
        state.UnsentAlerts = _unsentAlerts is null ? [] : [.. _unsentAlerts];
        state.UnsentResolutions = _unsentResolutions is null ? [] : [.. _unsentResolutions];
        var counted = new List<FigureDelta>();
        Contribution.Diff(null, _contribution, counted);
        state.Counted = counted;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: alerts not delivered to their book yet; retrying")]
    private static partial void LogAlertsNotSent(ILogger logger, string caseId, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "A case deadline check failed")]
    private static partial void LogDeadlineCheckFailed(ILogger logger, Exception ex);
}
