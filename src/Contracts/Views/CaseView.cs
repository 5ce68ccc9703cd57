namespace TopOfHeart.Contracts.Views;

[GenerateSerializer, Immutable, Alias("TopOfHeart.CaseView")]
public sealed record CaseView
{
    [Id(0)] public required string CaseId { get; init; }
    [Id(1)] public required string CustomerId { get; init; }
    /// <summary><c>open</c> or <c>resolved</c>.</summary>
    [Id(2)] public required string Status { get; init; }
    [Id(3)] public string? Owner { get; init; }
    [Id(4)] public BatonView? BatonInFlight { get; init; }
    [Id(5)] public IReadOnlyList<LegView> Legs { get; init; } = [];
    [Id(6)] public int HopCount { get; init; }
    [Id(7)] public double? FirstSentiment { get; init; }
    [Id(8)] public double? LastSentiment { get; init; }
    [Id(9)] public IReadOnlyList<string> AlertIds { get; init; } = [];
    [Id(10)] public int EventCount { get; init; }
    [Id(11)] public DateTimeOffset? OpenedAt { get; init; }
    [Id(12)] public DateTimeOffset? ResolvedAt { get; init; }
    [Id(13)] public DateTimeOffset? LastEventAt { get; init; }
    [Id(14)] public DateTimeOffset? StallDueAt { get; init; }
    /// <summary>The silo whose activation answered (an Orleans silo address), to see where a case lives in a cluster.</summary>
    [Id(15)] public string? HostedBy { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.BatonView")]
public sealed record BatonView
{
    [Id(0)] public string? FromDepartment { get; init; }
    [Id(1)] public required string ToDepartment { get; init; }
    [Id(2)] public required string RequestEventId { get; init; }
    [Id(3)] public DateTimeOffset RequestedAt { get; init; }
    [Id(4)] public DateTimeOffset DueAt { get; init; }
    [Id(5)] public bool Dropped { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.LegView")]
public sealed record LegView
{
    [Id(0)] public string? FromDepartment { get; init; }
    [Id(1)] public required string ToDepartment { get; init; }
    /// <summary><c>in-flight</c>, <c>accepted</c>, <c>rejected</c>, <c>superseded</c>, <c>closed</c>.</summary>
    [Id(2)] public required string Outcome { get; init; }
    [Id(3)] public string? RequestEventId { get; init; }
    [Id(4)] public DateTimeOffset? RequestedAt { get; init; }
    [Id(5)] public DateTimeOffset? AcceptedAt { get; init; }
    [Id(6)] public DateTimeOffset? RejectedAt { get; init; }
    [Id(7)] public double? TimeToAcceptSeconds { get; init; }
    [Id(8)] public bool Dropped { get; init; }
    [Id(9)] public bool PingPong { get; init; }
    [Id(10)] public double? SentimentBefore { get; init; }
    [Id(11)] public double? SentimentAfter { get; init; }
    [Id(12)] public string? Reason { get; init; }
}
