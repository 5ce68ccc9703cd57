using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Grains.Alerts;

[GenerateSerializer, Alias("TopOfHeart.AlertBookState")]
public sealed class AlertBookState
{
    [Id(0)] public Dictionary<string, Alert> Alerts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One partition of the alerts: raises each alert once, and owns its lifecycle.</summary>
public sealed partial class AlertBookGrain : SnapshotGrain<AlertBookState>, IAlertBookGrain, IRemindable, IDeadlineOwner
{
    /// <summary>
    /// A durable once-a-minute nudge: if this book's silo dies, the reminder activates it elsewhere and
    /// escalations carry on even when nobody reads alerts. Precise timing comes from the timer.
    /// </summary>
    public const string EscalationReminder = "escalation-backstop";

    private readonly AlertSettings _settings;
    private readonly TimeProvider _clock;
    private readonly FigureAggregator _figures;
    private readonly IAlertFeed _feed;
    private readonly IAlertStore _alertStore;
    private readonly EntityFeed _entities;
    private readonly List<Alert> _unsaved = [];
    private readonly ILogger<AlertBookGrain> _logger;
    private Dictionary<string, Alert> _alerts = new(StringComparer.Ordinal);
    private GrainDeadline _escalation = null!;
    private IAlertBookGrain _self = null!;
    private bool _rescan;

    public AlertBookGrain(
        IOptions<SnapshotSettings> snapshots,
        IOptions<AlertSettings> settings,
        TimeProvider clock,
        FigureAggregator figures,
        IAlertFeed feed,
        IAlertStore alertStore,
        EntityFeed entities,
        ILogger<AlertBookGrain> logger)
        : base(StorageNames.AlertBook, StorageNames.Provider, snapshots)
    {
        _alertStore = alertStore;
        _entities = entities;
        _settings = settings.Value;
        _clock = clock;
        _figures = figures;
        _feed = feed;
        _logger = logger;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        _self = this.AsReference<IAlertBookGrain>();
        _escalation = new GrainDeadline(_clock, this);
        _alerts = new Dictionary<string, Alert>(Stored.Alerts, StringComparer.Ordinal);
        if (_alertStore.IsDurable)
        {
            var since = _clock.GetUtcNow() - _settings.ResolvedRetention;
            foreach (var alert in await _alertStore.LoadAsync(Book, since, cancellationToken)) _alerts[alert.AlertId] = alert;
        }

        await CheckEscalations();

        // Not awaited: the reminder is a backstop for a dead silo, and a reminder service still settling a membership
        // change (its ring range moving, its initial read) must not hold up the alerts that are due now.
        _ = RegisterBackstopAsync();
    }

    private async Task RegisterBackstopAsync()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await this.RegisterOrUpdateReminder(EscalationReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            var took = Stopwatch.GetElapsedTime(started);
            if (took > AlertRaiser.SlowCall) LogSlowReminder(_logger, Book, took.TotalSeconds);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A host without a reminder service (e.g. a bare test cluster) still has the timers.
            LogNoReminder(_logger, ex.GetBaseException().Message);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckEscalations();

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _escalation?.Dispose();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    protected override bool WritesSnapshots => !_alertStore.IsDurable;

    private int Book => (int)this.GetPrimaryKeyLong();

    public async Task<Alert[]> Raise(Alert[] alerts)
    {
        var candidates = alerts.Where(a => !_alerts.ContainsKey(a.AlertId)).DistinctBy(a => a.AlertId).ToList();
        if (candidates.Count == 0) return [];

        // The store's unique key settles a race between two activations of this book after a membership change.
        var stored = await _alertStore.InsertNewAsync(Book, candidates, CancellationToken.None);
        var fresh = new List<Alert>(stored.Count);
        foreach (var alert in stored)
        {
            if (_alerts.ContainsKey(alert.AlertId)) continue;
            _alerts[alert.AlertId] = alert;
            fresh.Add(alert);
            Count(alert, +1);
            _feed.Publish(alert, raised: true);
        }

        if (fresh.Count == 0) return [];
        MarkDirty();

        // New alerts can only bring the next escalation nearer: no need to scan the whole book.
        DateTimeOffset? next = _escalation.ArmedFor;
        foreach (var alert in fresh)
        {
            if (NextEscalation(alert) is { } due && (next is null || due < next)) next = due;
        }

        if (_escalation.Arm(next) is { } delay) DelayDeactivation(delay + TimeSpan.FromMinutes(1));

        // Counted at their touchpoints through the silo's feed: a book never waits on a touchpoint.
        _entities.CountAlerts(fresh);
        return [.. fresh];
    }

    public async Task AutoResolve(string[] alertIds, string resolution)
    {
        foreach (var id in alertIds)
        {
            if (_alerts.TryGetValue(id, out var alert) && alert.Status != AlertStatus.Resolved)
            {
                var now = _clock.GetUtcNow();
                Change(alert with { Status = AlertStatus.Resolved, ResolvedAt = now, Resolution = resolution, UpdatedAt = now });
            }
        }

        SettleEscalation();
        await SaveChangesAsync();
    }

    public async Task<Alert?> Acknowledge(string alertId, string by)
    {
        if (!_alerts.TryGetValue(alertId, out var alert)) return null;
        if (alert.Status != AlertStatus.Open) return alert;
        var now = _clock.GetUtcNow();
        var updated = Change(alert with
        {
            Status = AlertStatus.Acknowledged,
            AcknowledgedBy = by,
            AcknowledgedAt = now,
            UpdatedAt = now,
        });
        SettleEscalation();
        await SaveChangesAsync();
        return updated;
    }

    public async Task<Alert?> Resolve(string alertId, string by, string? resolution)
    {
        if (!_alerts.TryGetValue(alertId, out var alert)) return null;
        if (alert.Status == AlertStatus.Resolved) return alert;
        var now = _clock.GetUtcNow();
        var updated = Change(alert with
        {
            Status = AlertStatus.Resolved,
            AcknowledgedBy = alert.AcknowledgedBy ?? by,
            AcknowledgedAt = alert.AcknowledgedAt ?? now,
            ResolvedAt = now,
            ResolvedBy = by,
            Resolution = string.IsNullOrWhiteSpace(resolution) ? "resolved" : resolution,
            UpdatedAt = now,
        });
        SettleEscalation();
        await SaveChangesAsync();
        return updated;
    }

    /// <summary>Durable mode: lifecycle changes reach the store before the caller hears back.</summary>
    private async Task SaveChangesAsync()
    {
        if (_unsaved.Count == 0) return;
        var batch = _unsaved.ToList();
        _unsaved.Clear();
        try
        {
            await _alertStore.UpdateAsync(Book, batch, CancellationToken.None);
        }
        catch
        {
            _unsaved.InsertRange(0, batch);
            throw;
        }
    }

    public Task<Alert?> Get(string alertId) => Task.FromResult(_alerts.GetValueOrDefault(alertId));

    public Task<Alert[]> Query(AlertQuery query)
    {
        var matches = new List<Alert>();
        foreach (var alert in _alerts.Values)
        {
            if (query.Matches(alert)) matches.Add(alert);
        }

        matches.Sort(NewestFirst.Instance);
        if (matches.Count > query.Limit) matches.RemoveRange(query.Limit, matches.Count - query.Limit);
        return Task.FromResult(matches.ToArray());
    }

    public async Task CheckEscalations()
    {
        _escalation.Fired();
        var now = _clock.GetUtcNow();
        List<string>? forget = null;
        foreach (var alert in _alerts.Values.ToList())
        {
            if (alert.Status == AlertStatus.Resolved)
            {
                if (alert.ResolvedAt + _settings.ResolvedRetention <= now) (forget ??= []).Add(alert.AlertId);
                continue;
            }

            if (NextEscalation(alert) is { } due && due <= now)
            {
                var level = alert.EscalationLevel + 1;
                Change(alert with
                {
                    EscalationLevel = level,
                    EscalatedAt = now,
                    UpdatedAt = now,
                    Message = Escalated(alert.Message, level),
                });
                LogEscalated(_logger, alert.AlertId, level);
            }
        }

        if (forget is not null)
        {
            // Forgotten in memory only: a durable store keeps the row, so the id can never be raised again.
            foreach (var id in forget) _alerts.Remove(id);
            MarkDirty();
        }

        ArmEscalation();
        await SaveChangesAsync();
    }

    private static string Escalated(string message, int level)
    {
        var marker = message.IndexOf(" [escalated", StringComparison.Ordinal);
        var plain = marker < 0 ? message : message[..marker];
        return $"{plain} [escalated to level {level}]";
    }

    private DateTimeOffset? NextEscalation(Alert alert)
    {
        if (alert.Status != AlertStatus.Open) return null;
        if (alert.Severity < Severity.High) return null;
        if (alert.EscalationLevel >= _settings.MaxEscalationLevel) return null;
        return (alert.EscalatedAt ?? alert.RaisedAt) + _settings.EscalateAfter;
    }

    private void SettleEscalation()
    {
        if (!_rescan) return;
        _rescan = false;
        ArmEscalation();
    }

    private void ArmEscalation()
    {
        _rescan = false;
        DateTimeOffset? next = null;
        foreach (var alert in _alerts.Values)
        {
            if (NextEscalation(alert) is { } due && (next is null || due < next)) next = due;
        }

        if (_escalation.Arm(next) is { } delay) DelayDeactivation(delay + TimeSpan.FromMinutes(1));
    }

    private Alert Change(Alert updated)
    {
        var before = _alerts[updated.AlertId];
        _alerts[updated.AlertId] = updated;
        if (before.Status != AlertStatus.Resolved && updated.Status == AlertStatus.Resolved) Count(before, -1);
        MarkDirty();
        if (_alertStore.IsDurable) _unsaved.Add(updated);
        _feed.Publish(updated, raised: false);

        // A change only moves an alert's escalation later (or ends it): the book is scanned again only when this one
        // was the next due, once the call's changes are all made (see SettleEscalation).
        if (NextEscalation(before) is { } due && due == _escalation.ArmedFor) _rescan = true;
        return updated;
    }

    private void Count(Alert alert, int delta) =>
        _figures.Add(FigureKey.Of(Metric.AlertsOpen, SeverityName(alert.Severity), alert.Department), delta);

    internal static string SeverityName(Severity severity) => severity switch
    {
        Severity.Critical => "critical",
        Severity.High => "high",
        Severity.Medium => "medium",
        _ => "low",
    };

    protected override void CaptureState(AlertBookState state) =>
        state.Alerts = new Dictionary<string, Alert>(_alerts, StringComparer.Ordinal);

    Task IDeadlineOwner.DeadlineDue() => _self.CheckEscalations();

    void IDeadlineOwner.DeadlineCheckFailed(Exception exception) => LogEscalationCheckFailed(_logger, exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert book runs without its escalation reminder: {Reason}")]
    private static partial void LogNoReminder(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert book {Book}: its escalation reminder took {Seconds:F1} s to register")]
    private static partial void LogSlowReminder(ILogger logger, int book, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} escalated to level {Level}")]
    private static partial void LogEscalated(ILogger logger, string alertId, int level);

    [LoggerMessage(Level = LogLevel.Error, Message = "An escalation check failed")]
    private static partial void LogEscalationCheckFailed(ILogger logger, Exception ex);
}
