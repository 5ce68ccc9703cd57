using TopOfHeart.LoadTests.Hosting;
using TopOfHeart.LoadTests.Measure;

namespace TopOfHeart.LoadTests.Report;

public sealed record MachineInfo(int Cores, double MemoryGiB, string Os, string Runtime);

public sealed record EventCounts(
    long Sent,
    long Accepted,
    long Duplicates,
    long Rejected,
    long Lost,
    long RetriedRequests,
    long RetriedEvents,
    long FailedRequests,
    long? ServerEventsTotal);

public sealed record AlertLatencies(
    LatencySummary IngestToAlertAtBoard,
    LatencySummary DeadlineToAlertAtBoard,
    LatencySummary DeadlineToRaisedInSilo,
    LatencySummary RaisedInSiloToBoard);

public sealed record MemoryFigures(
    double SiloRssBaselineMiB,
    double SiloRssEndMiB,
    double SiloRssPeakMiB,
    long OpenCases,
    long BatonsInFlight,
    long CasesStarted,
    double? KiBPerCase,
    double? KiBPerOpenCase,
    double? ProjectedRssAt200kOpenCasesMiB,
    double? SiloManagedHeapEndMiB = null,
    double? SiloGcCommittedEndMiB = null,
    long? CasesInMemoryEnd = null,
    long? CustomersInMemoryEnd = null,
    long? StoredSnapshotsEnd = null);

/// <summary>The silo's collector during the load: collections by generation (gen 1 counts include gen 2, as the runtime counts them) and time paused.</summary>
public sealed record GcFigures(
    long Gen0Collections,
    long Gen1Collections,
    long Gen2Collections,
    double PausedMs,
    double PausedPercent,
    long? Gen0MaxBudgetBytes,
    YoungFigures? Young = null);

public sealed record CpuFigures(
    double SiloAvgPercent,
    double SiloPeakPercent,
    double LiveBoardAvgPercent,
    double GeneratorAvgPercent,
    double MachineAvgPercent,
    double OtherProcessesAvgPercent,
    string LoadAverageBefore,
    string LoadAverageAfter);

/// <summary>One of the targets: what it asks, what this run measured, and whether it holds (null: not measured here).</summary>
public sealed record TargetCheck(string Target, string Goal, string Measured, bool? Met);

public sealed record RampStep(double OfferedPerSecond, double AcceptedPerSecond, LatencySummary Latency, double SiloCpuPercent, bool Held, string Why);

/// <summary>Everything one run found; written as JSON and as Markdown with its charts.</summary>
public sealed class RunReport
{
    public required string Scenario { get; init; }

    public bool Smoke { get; init; }

    public required string RunId { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    public double DurationSeconds { get; set; }

    public required MachineInfo Machine { get; init; }

    public required Dictionary<string, string> Settings { get; init; }

    public PhaseResult? Ceiling { get; set; }

    public List<PhaseResult> Phases { get; } = [];

    /// <summary>The phase the headline numbers come from.</summary>
    public PhaseResult? Main { get; set; }

    /// <summary>Silo events/s accepted ÷ ceiling events/s, both as fast as each answered (closed loop) or as offered.</summary>
    public double? CeilingRatio { get; set; }

    public List<RampStep>? Ramp { get; set; }

    public double? RampHighestHeldRate { get; set; }

    public EventCounts? Events { get; set; }

    public DetectionResult? Detection { get; set; }

    public AlertLatencies? AlertLatency { get; set; }

    public MemoryFigures? Memory { get; set; }

    public CpuFigures? Cpu { get; set; }

    public GcFigures? Gc { get; set; }

    public List<TargetCheck> Targets { get; } = [];

    public List<string> Problems { get; } = [];

    public List<string> Notes { get; } = [];

    public IReadOnlyList<SecondPoint> Timeline { get; set; } = [];

    public IReadOnlyList<ResourceSample> Resources { get; set; } = [];

    public Dictionary<string, IReadOnlyList<PercentilePoint>> Distributions { get; } = [];

    public Dictionary<string, int> StoriesByKind { get; set; } = [];

    public bool Passed => Problems.Count == 0;
}
