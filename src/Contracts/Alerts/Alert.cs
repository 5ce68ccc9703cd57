namespace TopOfHeart.Contracts.Alerts;

/// <summary>A relay failure and where it stands in its lifecycle. Serialised exactly as the contract's alert JSON.</summary>
[GenerateSerializer, Immutable, Alias("TopOfHeart.Alert")]
public sealed record Alert
{
    [Id(0)] public required string AlertId { get; init; }
    [Id(1)] public required AlertKind Kind { get; init; }
    [Id(2)] public required Severity Severity { get; init; }
    [Id(3)] public AlertStatus Status { get; init; } = AlertStatus.Open;
    [Id(4)] public required string CaseId { get; init; }
    [Id(5)] public required string CustomerId { get; init; }
    [Id(6)] public required string Department { get; init; }
    [Id(7)] public string? FromDepartment { get; init; }
    [Id(8)] public string? ToDepartment { get; init; }
    [Id(9)] public required string TriggerEventId { get; init; }
    [Id(10)] public DateTimeOffset RaisedAt { get; init; }
    [Id(11)] public DateTimeOffset? DueAt { get; init; }
    [Id(12)] public required string Message { get; init; }
    [Id(13)] public IReadOnlyList<string> Evidence { get; init; } = [];
    [Id(14)] public int EscalationLevel { get; init; }
    [Id(15)] public string? AcknowledgedBy { get; init; }
    [Id(16)] public DateTimeOffset? AcknowledgedAt { get; init; }
    [Id(17)] public DateTimeOffset? ResolvedAt { get; init; }
    [Id(18)] public string? Resolution { get; init; }

    // Extensions to the contract's alert JSON.
    [Id(19)] public string? ResolvedBy { get; init; }
    [Id(20)] public string? TouchpointId { get; init; }
    [Id(21)] public DateTimeOffset? EscalatedAt { get; init; }
    [Id(22)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Filters of <c>GET /api/v1/alerts</c>; null means any.</summary>
[GenerateSerializer, Immutable, Alias("TopOfHeart.AlertQuery")]
public sealed record AlertQuery
{
    [Id(0)] public AlertStatus? Status { get; init; }
    [Id(1)] public string? Department { get; init; }
    [Id(2)] public AlertKind? Kind { get; init; }
    [Id(3)] public string? CaseId { get; init; }
    [Id(4)] public string? CustomerId { get; init; }
    [Id(5)] public int Limit { get; init; } = 100;

    /// <summary>Only alerts still to be dealt with: open or acknowledged (ignored when <see cref="Status"/> is set).</summary>
    [Id(6)] public bool Unresolved { get; init; }

    public bool Matches(Alert alert) =>
        (Status is null ? !Unresolved || alert.Status != AlertStatus.Resolved : alert.Status == Status)
        && (Department is null || string.Equals(alert.Department, Department, StringComparison.Ordinal))
        && (Kind is null || alert.Kind == Kind)
        && (CaseId is null || string.Equals(alert.CaseId, CaseId, StringComparison.Ordinal))
        && (CustomerId is null || string.Equals(alert.CustomerId, CustomerId, StringComparison.Ordinal));
}

/// <summary>Newest first: the order every alert listing uses.</summary>
public sealed class NewestFirst : IComparer<Alert>
{
    public static readonly NewestFirst Instance = new();

    public int Compare(Alert? x, Alert? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return 1;
        if (y is null) return -1;
        var byTime = y.RaisedAt.CompareTo(x.RaisedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(y.AlertId, x.AlertId);
    }
}
