namespace TopOfHeart.Contracts.Views;

/// <summary>The wall board's numbers: <c>GET /api/v1/board</c> and the hub's <c>board</c> message.</summary>
[GenerateSerializer, Immutable, Alias("TopOfHeart.BoardSnapshot")]
public sealed record BoardSnapshot
{
    [Id(0)] public DateTimeOffset At { get; init; }
    [Id(1)] public double EventsPerSecond { get; init; }
    [Id(2)] public long EventsTotal { get; init; }
    [Id(3)] public long OpenCases { get; init; }
    [Id(4)] public long BatonsInFlight { get; init; }
    [Id(5)] public OpenAlertCounts OpenAlerts { get; init; } = new();
    [Id(6)] public IReadOnlyList<DepartmentFigures> Departments { get; init; } = [];
    [Id(7)] public IReadOnlyList<HandoffCell> Matrix { get; init; } = [];
    [Id(8)] public long CustomersMeasured { get; init; }
    [Id(9)] public long CustomersHappier { get; init; }
    /// <summary>Share of measured customers whose last sentiment beats their first; null before any.</summary>
    [Id(10)] public double? HappierShare { get; init; }
    [Id(11)] public IReadOnlyList<EmployeeRecognition> Recognition { get; init; } = [];
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.OpenAlertCounts")]
public sealed record OpenAlertCounts
{
    [Id(0)] public long Critical { get; init; }
    [Id(1)] public long High { get; init; }
    [Id(2)] public long Medium { get; init; }
    [Id(3)] public long Low { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.DepartmentFigures")]
public sealed record DepartmentFigures
{
    [Id(0)] public required string Department { get; init; }
    [Id(1)] public long OpenCases { get; init; }
    [Id(2)] public long BatonsWaiting { get; init; }
    [Id(3)] public long DroppedToday { get; init; }
    [Id(4)] public double? MedianTimeToAcceptSeconds { get; init; }
    [Id(5)] public long OpenAlerts { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.HandoffCell")]
public sealed record HandoffCell
{
    [Id(0)] public required string From { get; init; }
    [Id(1)] public required string To { get; init; }
    [Id(2)] public long Count { get; init; }
    [Id(3)] public long Failed { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.EmployeeRecognition")]
public sealed record EmployeeRecognition
{
    [Id(0)] public required string EmployeeId { get; init; }
    [Id(1)] public string? Department { get; init; }
    [Id(2)] public long Interactions { get; init; }
    [Id(3)] public double? AverageSentiment { get; init; }
    [Id(4)] public double? AverageFeedback { get; init; }
    /// <summary>0–100: customer mood and feedback today, weighed by how many were heard.</summary>
    [Id(5)] public double DelightScore { get; init; }
}
