using System.Net.Http.Json;
using System.Text.Json;

namespace TopOfHeart.LoadTests.Measure;

/// <summary>What the silo's young collections during the load promoted and how long they paused it, by generation.</summary>
public sealed record YoungFigures(
    int Gen0Sampled,
    double? Gen0PromotedMedianMiB,
    double? Gen0PauseMedianMs,
    int Gen1Sampled,
    double? Gen1PromotedMedianMiB,
    double? Gen1PauseMedianMs);

/// <summary>
/// Reads the silo's latest young collection from <c>GET /health</c> (<c>gc.lastYoung</c>) twice a second through the
/// load: what it found alive and moved up a generation, and how long it stopped the silo. A long pause with a lot
/// promoted is live state (new grains) being copied; a long pause with little promoted points elsewhere. A collection
/// followed by another within the half second is not seen, so the figures are a sample, not a count.
/// </summary>
public sealed class YoungCollections : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly Dictionary<long, LastYoung> _seen = [];
    private long? _first;

    public YoungCollections(Uri silo) => _http = new HttpClient { BaseAddress = silo, Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Samples until <paramref name="cancellation"/> fires; the collection already done at the start is not counted.</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            do
            {
                await SampleAsync(cancellation);
            }
            while (await timer.WaitForNextTickAsync(cancellation));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    private async Task SampleAsync(CancellationToken cancellation)
    {
        try
        {
            if ((await _http.GetFromJsonAsync<Health>("/health", Json, cancellation))?.Gc?.LastYoung is not { } young) return;
            _first ??= young.Index;
            if (young.Index != _first) _seen.TryAdd(young.Index, young);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException
                                       || (ex is TaskCanceledException && !cancellation.IsCancellationRequested))
        {
            // A silo busy past the timeout, or starting: this sample is skipped.
        }
    }

    /// <summary>Medians per generation of what was sampled; null when the silo reported no young collection during the load.</summary>
    public YoungFigures? Summary()
    {
        if (_seen.Count == 0) return null;
        var gen0 = _seen.Values.Where(y => y.Generation == 0).ToList();
        var gen1 = _seen.Values.Where(y => y.Generation >= 1).ToList();
        return new YoungFigures(
            gen0.Count, MedianMiB(gen0), Median(gen0.Select(y => y.PauseMs)),
            gen1.Count, MedianMiB(gen1), Median(gen1.Select(y => y.PauseMs)));

        static double? MedianMiB(List<LastYoung> ys) =>
            Median(ys.Select(y => y.PromotedBytes / (1024.0 * 1024)));
    }

    /// <summary>The middle value (the mean of the two middle ones for an even count), rounded to 0.1.</summary>
    private static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return Math.Round(median, 1);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The part of <c>GET /health</c> read here (<c>gc.lastYoung</c>: null before the silo's first young collection).</summary>
    private sealed record Health(GcPart? Gc);

    private sealed record GcPart(LastYoung? LastYoung);

    private sealed record LastYoung(long Index, int Generation, long PromotedBytes, double PauseMs);
}
