using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using TopOfHeart.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TopOfHeart.Hardening.Tests;

/// <summary>
/// Past saturation the silo sheds with 429 + Retry-After instead of queueing without bound, loses nothing
/// it acknowledged, keeps answering, and takes load again by itself. Loopback only, bounded in time.
/// </summary>
[Collection(SaturationCollection.Name)]
public sealed class OverloadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Past_saturation_the_silo_sheds_with_429_loses_nothing_acknowledged_and_recovers()
    {
        await using var silo = await LoopbackSilo.StartAsync(new Dictionary<string, string?>
        {
            ["TopOfHeart:Ingest:MaxInFlightRequests"] = "2",
            ["TopOfHeart:Ingest:MaxInFlightBytes"] = (4 * 1024 * 1024).ToString(),
        }, fakeClock: false);

        var accepted = 0L;
        var shed = 0;
        var other = 0;
        var retryAfterSeen = true;
        var healthWorst = TimeSpan.Zero;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var sequence = 0;
        var pausedBefore = GC.GetTotalPauseDuration();

        async Task Producer()
        {
            using var client = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            while (!stop.IsCancellationRequested)
            {
                var batch = Interlocked.Increment(ref sequence);
                var body = Batch(batch, 500);
                using var response = await client.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var result = await response.Content.ReadFromJsonAsync<Result>();
                    Interlocked.Add(ref accepted, result!.Accepted);
                }
                else if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref shed);
                    if (response.Headers.RetryAfter?.Delta is null) retryAfterSeen = false;
                }
                else
                {
                    Interlocked.Increment(ref other);
                }
            }
        }

        async Task Prober()
        {
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                var health = await silo.Http.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                if (clock.Elapsed > healthWorst) healthWorst = clock.Elapsed;
                await Task.Delay(100);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(Producer)).Append(Prober()));
        output.WriteLine($"accepted {accepted} events, shed {shed} requests, other {other}, worst /health {healthWorst.TotalMilliseconds:0} ms, "
            + $"GC pauses in the process meanwhile {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:0} ms");

        Assert.True(shed > 0, "16 producers against 2 admitted requests should have been shed at least once");
        Assert.True(retryAfterSeen, "every 429 carries Retry-After");
        Assert.Equal(0, other);
        Assert.True(healthWorst < TimeSpan.FromSeconds(2), $"the silo stayed responsive (worst /health {healthWorst})");

        // Every acknowledged event is applied: the floor counts exactly what was accepted.
        await LoopbackSilo.EventuallyAsync(async () =>
        {
            var board = await silo.Http.GetFromJsonAsync<Board>("/api/v1/board");
            return board!.EventsTotal == accepted ? board : null;
        }, TimeSpan.FromSeconds(20), $"board eventsTotal == {accepted}");

        // Load gone: a request is taken again at once.
        var after = await silo.Http.PostAsync("/api/v1/events", new StringContent(Batch(999_999, 10), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    private static string Batch(int batch, int size)
    {
        var at = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var events = Enumerable.Range(0, size).Select(i =>
            $"{{\"eventId\":\"ov-{batch}-{i}\",\"type\":\"interaction\",\"occurredAt\":\"{at}\",\"customerId\":\"c-{i % 50}\",\"caseId\":\"case-ov-{i % 200}\",\"department\":\"Sales\"}}");
        return "[" + string.Join(",", events) + "]";
    }

    private sealed record Result(int Accepted, int Duplicates);

    private sealed record Board(long EventsTotal);
}

/// <summary>
/// Saturates the silo on purpose and times <c>/health</c> meanwhile, so it runs alone: another test class
/// starting silos in the same process on 2 cores would decide the timing, not the silo under test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SaturationCollection
{
    public const string Name = "Saturation, alone in the process";
}
