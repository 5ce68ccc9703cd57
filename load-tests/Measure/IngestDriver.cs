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
/// Posts batches to one ingest endpoint: at a constant rate (a token bucket from System.Threading.RateLimiting,
/// latency counted from when the bucket allowed the batch, so a slow server cannot hide its queue), or as fast as
/// the answers come (closed loop). Counts every event: accepted, duplicate, rejected, or lost with its request.
/// </summary>
public sealed class IngestDriver : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _slots;
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
        _slots = new SemaphoreSlim(connections);
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

    public long FailedRequests => Interlocked.Read(ref _failedRequests);

    public ConcurrentQueue<string> Errors { get; } = new();

    public int InFlight => _inFlight.Count;

    /// <summary>Offers <paramref name="rate"/> events/s for <paramref name="duration"/> in batches of <paramref name="batch"/>.</summary>
    public async Task<PhaseResult> RunConstantAsync(
        string phase, RelayTraffic traffic, double rate, int batch, TimeSpan duration, long maxEvents, CancellationToken cancellation)
    {
        var period = TimeSpan.FromMilliseconds(10);
        if (rate * period.TotalSeconds < 1) period = TimeSpan.FromSeconds(1 / rate);
        var perPeriod = Math.Max(1, (int)Math.Round(rate * period.TotalSeconds));
        var effectiveRate = perPeriod / period.TotalSeconds;
        var size = Math.Min(batch, perPeriod * 100);
        using var bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(size, perPeriod),
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });

        var before = Snapshot();
        var latency = PhaseLatency[phase] = new LatencyRecorder();
        var started = _runClock.Elapsed;
        var overloaded = false;
        while (_runClock.Elapsed - started < duration && EventsSent < maxEvents && !cancellation.IsCancellationRequested)
        {
            using var lease = await bucket.AcquireAsync(size, cancellation);
            if (!lease.IsAcquired) continue;
            var intended = Stopwatch.GetTimestamp();
            var events = traffic.Next(size, (long)_runClock.Elapsed.TotalMilliseconds, startNew: true);
            if (events.Count == 0) continue;
            if (Volatile.Read(ref _queued) > _maxQueued)
            {
                // The server is this far behind: the phase has shown what it needed to.
                overloaded = true;
                Track(SendAsync(phase, effectiveRate, events, intended, latency));
                break;
            }

            Track(SendAsync(phase, effectiveRate, events, intended, latency));
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
        var body = EventWire.ToJson(batch.Events);
        Interlocked.Increment(ref _queued);
        await _slots.WaitAsync();
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
                        accepted = reply.Accepted;
                        Interlocked.Add(ref _accepted, reply.Accepted);
                        Interlocked.Add(ref _duplicates, reply.Duplicates);
                        var refused = reply.Rejected?.Count ?? 0;
                        Interlocked.Add(ref _rejected, refused);
                        if (refused > 0) Note($"{phase}: {refused} refused, e.g. {reply.Rejected![0].EventId}: {reply.Rejected[0].Error}");
                        break;
                    }

                    // Shed load or not applicable now: the contract says retry; the wait counts in the latency.
                    if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < 20)
                    {
                        Interlocked.Increment(ref _retried);
                        var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200);
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
            _slots.Release();
            batch.Answered();
        }

        if (failed)
        {
            Interlocked.Increment(ref _failedRequests);
            Interlocked.Add(ref _lost, batch.Count);
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
