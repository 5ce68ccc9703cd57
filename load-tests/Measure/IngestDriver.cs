using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.RateLimiting;
using TopOfHeart.LoadTests.Run;
using TopOfHeart.LoadTests.Traffic;

namespace TopOfHeart.LoadTests.Measure;

/// <summary>What one phase of ingest achieved.</summary>
public sealed record PhaseResult(
    string Phase,
    double OfferedPerSecond,
    double Seconds,
    long EventsSent,
    long EventsAccepted,
    double AcceptedPerSecond,
    LatencySummary Latency,
    long Requests,
    long FailedRequests,
    bool Overloaded);

/// <summary>
/// Posts batches to one ingest endpoint: at a constant rate, or as fast as the answers come (closed loop). At a
/// constant rate batch k is due at start + k × batch ÷ rate; its latency counts from that due time, so neither a slow
/// server nor a late generator hides a queue (no coordinated omission), and a late generator catches up instead of
/// offering less. Requests in flight are bounded by a <see cref="ConcurrencyLimiter"/>; those waiting for a slot
/// wait in order, their wait counted. Counts every event: accepted, duplicate, rejected, or lost with its request.
/// </summary>
public sealed class IngestDriver : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient _http;
    private readonly ConcurrencyLimiter _slots;
    private readonly int _maxQueued;
    private readonly Stopwatch _runClock;
    private readonly Timeline _timeline;
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private long _sent;
    private long _accepted;
    private long _duplicates;
    private long _rejected;
    private long _lost;
    private long _retried;
    private long _retriedEvents;
    private const int MaxRetries = 20;
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(500);
    private long _failedRequests;
    private int _queued;

    public IngestDriver(Uri target, int connections, Stopwatch runClock, Timeline timeline)
    {
        Loopback.RequireLoopback(target);
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        })
        {
            BaseAddress = target,
            Timeout = TimeSpan.FromSeconds(60),
        };
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = connections,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _maxQueued = Math.Max(2_000, connections * 100);
        _runClock = runClock;
        _timeline = timeline;
    }

    public LatencyRecorder Latency { get; } = new();

    /// <summary>Each phase's own latencies (warm-up, the load, each ramp step, the drain).</summary>
    public ConcurrentDictionary<string, LatencyRecorder> PhaseLatency { get; } = new(StringComparer.Ordinal);

    /// <summary>Send time (Stopwatch ticks) of every event that should raise a planted alert.</summary>
    public ConcurrentDictionary<string, long> TriggerSentAt { get; } = new(StringComparer.Ordinal);

    public long EventsSent => Interlocked.Read(ref _sent);

    public long EventsAccepted => Interlocked.Read(ref _accepted);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Events whose request failed outright (no 202 after retries): never confirmed by the server.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public long Retried => Interlocked.Read(ref _retried);

    /// <summary>Events the silo refused as "retry the event" (valid, not applied now) and that were sent again.</summary>
    public long RetriedEvents => Interlocked.Read(ref _retriedEvents);

    public long FailedRequests => Interlocked.Read(ref _failedRequests);

    public ConcurrentQueue<string> Errors { get; } = new();

    public int InFlight => _inFlight.Count;

    /// <summary>Offers <paramref name="rate"/> events/s for <paramref name="duration"/> in batches of <paramref name="batch"/>.</summary>
    public async Task<PhaseResult> RunConstantAsync(
        string phase, RelayTraffic traffic, double rate, int batch, TimeSpan duration, long maxEvents, CancellationToken cancellation)
    {
        var size = (int)Math.Clamp(Math.Round(rate / 20), 1, batch); // at least 20 requests a second when the rate is low
        var effectiveRate = rate;
        var interval = Stopwatch.Frequency * size / rate;
        var before = Snapshot();
        var latency = PhaseLatency[phase] = new LatencyRecorder();
        var started = _runClock.Elapsed;
        var start = Stopwatch.GetTimestamp();
        var overloaded = false;
        for (long k = 0; _runClock.Elapsed - started < duration && EventsSent < maxEvents && !cancellation.IsCancellationRequested; k++)
        {
            var due = start + (long)(k * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, cancellation);
            var events = traffic.Next(size, (long)_runClock.Elapsed.TotalMilliseconds, startNew: true);
            if (events.Count == 0) continue;
            Track(SendAsync(phase, effectiveRate, events, due, latency));
            if (Volatile.Read(ref _queued) > _maxQueued)
            {
                // The server is this far behind: the phase has shown what it needed to.
                overloaded = true;
                break;
            }
        }

        await WaitInFlightAsync(TimeSpan.FromSeconds(90));
        return Result(phase, effectiveRate, _runClock.Elapsed - started, before, latency, overloaded);
    }

    /// <summary>As fast as the server answers: <c>connections</c> requests always in flight.</summary>
    public async Task<PhaseResult> RunClosedLoopAsync(
        string phase, RelayTraffic traffic, int batch, int connections, TimeSpan duration, long maxEvents, CancellationToken cancellation)
    {
        var before = Snapshot();
        var latency = PhaseLatency[phase] = new LatencyRecorder();
        var started = _runClock.Elapsed;
        var workers = Enumerable.Range(0, connections).Select(async _ =>
        {
            while (_runClock.Elapsed - started < duration && EventsSent < maxEvents && !cancellation.IsCancellationRequested)
            {
                var events = traffic.Next(batch, (long)_runClock.Elapsed.TotalMilliseconds, startNew: true);
                if (events.Count == 0) continue;
                await SendAsync(phase, 0, events, Stopwatch.GetTimestamp(), latency);
            }
        }).ToList();
        await Task.WhenAll(workers);
        return Result(phase, 0, _runClock.Elapsed - started, before, latency, overloaded: false);
    }

    /// <summary>No new stories: sends the remaining steps of those under way at their time, until all are told.</summary>
    public async Task DrainAsync(string phase, RelayTraffic traffic, int batch, TimeSpan within, CancellationToken cancellation)
    {
        var latency = PhaseLatency[phase] = new LatencyRecorder();
        var until = _runClock.Elapsed + within;
        while (traffic.Active > 0 && _runClock.Elapsed < until && !cancellation.IsCancellationRequested)
        {
            var nowMs = (long)_runClock.Elapsed.TotalMilliseconds;
            if (traffic.NextDueMs() is { } due && due > nowMs)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(due - nowMs, 20)), cancellation);
                continue;
            }

            var events = traffic.Next(batch, nowMs, startNew: false);
            if (events.Count > 0) Track(SendAsync(phase, 0, events, Stopwatch.GetTimestamp(), latency));
        }

        await WaitInFlightAsync(TimeSpan.FromSeconds(90));
    }

    public async Task WaitInFlightAsync(TimeSpan within)
    {
        var all = _inFlight.Keys.ToArray();
        if (all.Length == 0) return;
        await Task.WhenAny(Task.WhenAll(all), Task.Delay(within));
    }

    private void Track(Task task)
    {
        _inFlight[task] = 0;
        _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task SendAsync(string phase, double offered, EventBatch batch, long intended, LatencyRecorder phaseLatency)
    {
        Interlocked.Add(ref _sent, batch.Count);
        var pending = batch.Events;
        var body = EventWire.ToJson(pending);
        Interlocked.Increment(ref _queued);
        using var slot = await _slots.AcquireAsync(1);
        Interlocked.Decrement(ref _queued);
        var accepted = 0;
        var failed = false;
        try
        {
            var sentAt = Stopwatch.GetTimestamp();
            foreach (var trigger in batch.Triggers) TriggerSentAt[trigger] = sentAt;
            for (var attempt = 0; ; attempt++)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = JsonType;
                HttpResponseMessage response;
                try
                {
                    response = await _http.PostAsync("/api/v1/events", content);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Note($"{phase}: request failed: {ex.GetBaseException().Message}");
                    failed = true;
                    break;
                }

                using (response)
                {
                    var bytes = await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        var reply = JsonSerializer.Deserialize<IngestReply>(bytes, Json)!;
                        accepted += reply.Accepted;
                        Interlocked.Add(ref _accepted, reply.Accepted);
                        Interlocked.Add(ref _duplicates, reply.Duplicates);
                        var refused = reply.Rejected ?? [];

                        // "could not be updated now …; retry the event": valid, not applied; the contract lets the client send it again.
                        var again = refused.Where(r => r.Error.Contains("retry", StringComparison.OrdinalIgnoreCase) && r.Index < pending.Count).ToList();
                        if (again.Count > 0 && attempt < MaxRetries)
                        {
                            Interlocked.Add(ref _retriedEvents, again.Count);
                            Interlocked.Add(ref _rejected, refused.Count - again.Count);
                            if (refused.Count > again.Count) Note($"{phase}: {refused.Count - again.Count} refused, e.g. {refused[0].EventId}: {refused[0].Error}");
                            if (attempt == 0) Note($"{phase}: {again.Count} events to send again, e.g. {again[0].EventId}: {again[0].Error}");
                            pending = again.Select(r => pending[r.Index]).ToList();
                            body = EventWire.ToJson(pending);
                            await Task.Delay(RetryPause);
                            continue;
                        }

                        Interlocked.Add(ref _rejected, refused.Count);
                        if (refused.Count > 0) Note($"{phase}: {refused.Count} refused, e.g. {refused[0].EventId}: {refused[0].Error}");
                        break;
                    }

                    // Shed load or not applicable now: the contract says retry; the wait counts in the latency.
                    if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < MaxRetries)
                    {
                        Interlocked.Increment(ref _retried);
                        var wait = response.Headers.RetryAfter?.Delta ?? RetryPause;
                        await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5));
                        continue;
                    }

                    Note($"{phase}: HTTP {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 300))}");
                    failed = true;
                    break;
                }
            }
        }
        finally
        {
            batch.Answered();
        }

        if (failed)
        {
            Interlocked.Increment(ref _failedRequests);
            Interlocked.Add(ref _lost, pending.Count);
        }

        var micros = (long)Stopwatch.GetElapsedTime(intended).TotalMicroseconds;
        Latency.RecordMicros(micros);
        phaseLatency.RecordMicros(micros);
        _timeline.Record(_runClock.Elapsed.TotalSeconds, phase, offered, micros, accepted, failed);
    }

    private void Note(string error)
    {
        if (Errors.Count < 100) Errors.Enqueue(error);
    }

    private (long Sent, long Accepted, long Requests, long Failed) Snapshot() =>
        (EventsSent, EventsAccepted, Latency.Count, FailedRequests);

    private PhaseResult Result(string phase, double offered, TimeSpan elapsed, (long Sent, long Accepted, long Requests, long Failed) before,
        LatencyRecorder latency, bool overloaded)
    {
        var accepted = EventsAccepted - before.Accepted;
        return new PhaseResult(phase, Math.Round(offered, 1), Math.Round(elapsed.TotalSeconds, 2), EventsSent - before.Sent, accepted,
            Math.Round(accepted / Math.Max(0.001, elapsed.TotalSeconds), 1), latency.Summary(), latency.Count,
            FailedRequests - before.Failed, overloaded);
    }

    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }

    private sealed record IngestReply(int Accepted, int Duplicates, List<RejectedReply>? Rejected);

    private sealed record RejectedReply(int Index, string? EventId, string Error);
}
