namespace TopOfHeart.Contracts.Events;

/// <summary>
/// One validated moment of truth, as the silo passes it between grains.
/// The HTTP parser builds it only from input that passed every check of the contract.
/// </summary>
[GenerateSerializer, Immutable, Alias("TopOfHeart.TouchpointEvent")]
public sealed record TouchpointEvent
{
    [Id(0)] public required string EventId { get; init; }
    [Id(1)] public required EventType Type { get; init; }
    [Id(2)] public required DateTimeOffset OccurredAt { get; init; }
    [Id(3)] public required string CustomerId { get; init; }
    [Id(4)] public string? CaseId { get; init; }
    [Id(5)] public string? Department { get; init; }
    [Id(6)] public string? EmployeeId { get; init; }
    [Id(7)] public string? TouchpointId { get; init; }
    [Id(8)] public Channel Channel { get; init; }
    [Id(9)] public double? Sentiment { get; init; }
    [Id(10)] public string? ToDepartment { get; init; }
    [Id(11)] public string? Reason { get; init; }
    [Id(12)] public bool CustomerRepeatedInfo { get; init; }
    [Id(13)] public double? Score { get; init; }
}
