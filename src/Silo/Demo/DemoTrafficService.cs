using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Silo.Demo;

/// <summary>Plays the <see cref="DemoFloor"/> into the silo a few times a second, through the same ingestion path as the HTTP API.</summary>
public sealed partial class DemoTrafficService : BackgroundService
{
    /// <summary>How often a batch goes in.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(10);

    private readonly IEventIngestor _ingestor;
    private readonly TimeProvider _time;
    private readonly DemoOptions _options;
    private readonly DetectionSettings _detection;
    private readonly ILogger<DemoTrafficService> _logger;
    private DateTimeOffset _lastWarningAt = DateTimeOffset.MinValue;
    private int _unreportedFailures;

    public DemoTrafficService(
        IEventIngestor ingestor,
        TimeProvider time,
        DemoOptions options,
        DetectionSettings detection,
        ILogger<DemoTrafficService> logger)
    {
        _ingestor = ingestor;
        _time = time;
        _options = options;
        _detection = detection;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var start = _time.GetUtcNow();
        var seed = _options.Seed ?? Random.Shared.Next();
        var runId = start.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);
        var floor = new DemoFloor(start, seed, runId, _options.EventsPerSecond, _options.FailureEvery, _detection);
        LogStarted(_options.EventsPerSecond, _options.FailureEvery.TotalSeconds, seed, runId, floor.Roster.Departments.Count);

        using var timer = new PeriodicTimer(Tick, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var batch = floor.Next(_time.GetUtcNow());
                if (batch.Count > 0) await SendAsync(batch, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutting down.
        }
    }

    private async Task SendAsync(IReadOnlyList<TouchpointEvent> batch, CancellationToken stoppingToken)
    {
        try
        {
            var outcome = await _ingestor.IngestAsync(batch, stoppingToken).ConfigureAwait(false);
            var failed = outcome.Status.Count(s => s == EventStatus.Failed);
            if (failed > 0)
            {
                var why = outcome.Errors.FirstOrDefault(e => e is not null) ?? "no reason given";
                Warn(() => LogRefused(failed, batch.Count, why, _unreportedFailures));
            }
        }
        catch (Exception ex)
        {
            // The demo must never take the host down: drop this batch and carry on.
            if (!stoppingToken.IsCancellationRequested) Warn(() => LogIngestFailed(ex, batch.Count, _unreportedFailures));
        }
    }

    /// <summary>At most one warning per <see cref="QuietFor"/>, counting the batches it kept quiet about.</summary>
    private void Warn(Action log)
    {
        var now = _time.GetUtcNow();
        if (now - _lastWarningAt < QuietFor)
        {
            _unreportedFailures++;
            return;
        }

        log();
        _lastWarningAt = now;
        _unreportedFailures = 0;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Demo floor on: {EventsPerSecond} events/s, a relay failure every {FailureEverySeconds} s, seed {Seed}, run {RunId}, {Departments} departments (TopOfHeart:Demo:Enabled)")]
    private partial void LogStarted(double eventsPerSecond, double failureEverySeconds, int seed, string runId, int departments);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Demo floor: {Failed} of {Count} events not taken: {Reason} ({Quiet} earlier failed batches not logged)")]
    private partial void LogRefused(int failed, int count, string reason, int quiet);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Demo floor: a batch of {Count} events failed to ingest; carrying on ({Quiet} earlier failed batches not logged)")]
    private partial void LogIngestFailed(Exception exception, int count, int quiet);
}
