using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using TopOfHeart.Testing;

namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>The real LiveBoard (Kestrel, SignalR, Orleans client, as <c>Program</c> builds it) on a loopback port, joined to a silo.</summary>
internal sealed class LoopbackLiveBoard : IAsyncDisposable
{
    /// <summary>A silo re-reads the board registry at most this often, so a new board hears alerts from then on.</summary>
    public static readonly TimeSpan SiloNoticesBoardWithin = TimeSpan.FromMilliseconds(1200);

    private readonly WebApplication _app;

    private LoopbackLiveBoard(WebApplication app, int port)
    {
        _app = app;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public Uri Hub => new(BaseAddress, "hubs/board");

    /// <summary>The board's own services, e.g. its <c>AlertFanOut</c>, to hand it a silo batch of a known make-up.</summary>
    public IServiceProvider Services => _app.Services;

    /// <param name="port">A fixed port (to restart a board where browsers look for it); a free one when null.</param>
    /// <param name="settings">Extra configuration, e.g. the same <c>TopOfHeart:Auth:Keys</c> as the silo's.</param>
    /// <param name="logs">An extra logger provider (to capture what the board logs).</param>
    /// <param name="gateway">False when the board finds the cluster another way (Postgres clustering).</param>
    public static async Task<LoopbackLiveBoard> StartAsync(
        LoopbackSilo silo, int? port = null, IDictionary<string, string?>? settings = null, ILoggerProvider? logs = null, bool gateway = true)
    {
        var boardPort = port ?? FreePorts.Next();
        var args = new List<string> { $"--urls=http://127.0.0.1:{boardPort}", "--Logging:LogLevel:Default=Warning" };
        if (gateway) args.Add($"--TopOfHeart:Orleans:GatewayPort={silo.GatewayPort}");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) args.Add($"--{key}={value}");
        var (app, problems) = LiveBoardApp.Create([.. args], builder =>
        {
            if (logs is not null) builder.Logging.AddProvider(logs);
        });
        if (app is null) throw new InvalidOperationException("LiveBoard settings refused: " + string.Join("; ", problems));

        await app.StartAsync();
        var board = new LoopbackLiveBoard(app, boardPort);
        await board.WaitHealthyAsync();
        await Task.Delay(SiloNoticesBoardWithin);
        return board;
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline) throw new TimeoutException("The LiveBoard did not become healthy within 30 s.");
            await Task.Delay(50);
        }
    }

    /// <summary>Gone without a goodbye, as a killed process: no hosted service stops, so nothing unsubscribes.</summary>
    public ValueTask CrashAsync() => _app.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(stopping.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
