namespace TopOfHeart.Contracts.Views;

[GenerateSerializer, Immutable, Alias("TopOfHeart.CustomerView")]
public sealed record CustomerView
{
    [Id(0)] public required string CustomerId { get; init; }
    [Id(1)] public int EventCount { get; init; }
    [Id(2)] public IReadOnlyList<string> Cases { get; init; } = [];
    [Id(3)] public IReadOnlyList<string> OpenCases { get; init; } = [];
    [Id(4)] public double? FirstSentiment { get; init; }
    [Id(5)] public double? LastSentiment { get; init; }
    /// <summary>Null until two readings exist.</summary>
    [Id(6)] public bool? LeftHappier { get; init; }
    [Id(7)] public int Contacts { get; init; }
    [Id(8)] public DateTimeOffset? LastContactAt { get; init; }
    [Id(9)] public double? AverageFeedback { get; init; }
    [Id(10)] public DateTimeOffset? FirstSeenAt { get; init; }
    [Id(11)] public DateTimeOffset? LastSeenAt { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.EmployeeView")]
public sealed record EmployeeView
{
    [Id(0)] public required string EmployeeId { get; init; }
    [Id(1)] public int EventCount { get; init; }
    [Id(2)] public int Interactions { get; init; }
    [Id(3)] public int BatonsAccepted { get; init; }
    [Id(4)] public int BatonsRefused { get; init; }
    [Id(5)] public double? MedianTimeToAcceptSeconds { get; init; }
    [Id(6)] public double? AverageSentiment { get; init; }
    [Id(7)] public int SentimentReadings { get; init; }
    [Id(8)] public double? AverageFeedback { get; init; }
    [Id(9)] public int FeedbackCount { get; init; }
    [Id(10)] public IReadOnlyList<string> Departments { get; init; } = [];
    [Id(11)] public int CustomersServed { get; init; }
    [Id(12)] public DateTimeOffset? LastEventAt { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.TouchpointView")]
public sealed record TouchpointView
{
    [Id(0)] public required string TouchpointId { get; init; }
    [Id(1)] public int EventCount { get; init; }
    [Id(2)] public IReadOnlyDictionary<string, int> VolumeByChannel { get; init; } = new Dictionary<string, int>();
    [Id(3)] public double? AverageSentiment { get; init; }
    [Id(4)] public int SentimentReadings { get; init; }
    [Id(5)] public int RepeatedInfoCount { get; init; }
    [Id(6)] public double RepeatedInfoRate { get; init; }
    [Id(7)] public int Alerts { get; init; }
    [Id(8)] public IReadOnlyDictionary<string, int> AlertsByKind { get; init; } = new Dictionary<string, int>();
    [Id(9)] public DateTimeOffset? LastEventAt { get; init; }
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.DepartmentView")]
public sealed record DepartmentView
{
    [Id(0)] public required string Department { get; init; }
    [Id(1)] public long EventCount { get; init; }
    [Id(2)] public long OpenCases { get; init; }
    [Id(3)] public long BatonsWaiting { get; init; }
    [Id(4)] public long DroppedToday { get; init; }
    [Id(5)] public double? MedianTimeToAcceptSeconds { get; init; }
    [Id(6)] public long HandoffsSent { get; init; }
    [Id(7)] public long HandoffsReceived { get; init; }
    [Id(8)] public long AcceptedReceived { get; init; }
    [Id(9)] public long RefusalsSent { get; init; }
    [Id(10)] public long RefusalsReceived { get; init; }
    [Id(11)] public long PingPongsSent { get; init; }
    [Id(12)] public long PingPongsReceived { get; init; }
    [Id(13)] public long DroppedSent { get; init; }
    [Id(14)] public long DroppedReceived { get; init; }
    [Id(15)] public long OpenAlerts { get; init; }
}
