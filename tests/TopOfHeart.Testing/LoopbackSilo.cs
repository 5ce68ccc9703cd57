using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using TopOfHeart.Silo;

namespace TopOfHeart.Testing;

/// <summary>
/// The real silo (Kestrel + Orleans, exactly as <c>Program</c> builds it) on free 127.0.0.1 ports, optionally
/// with a <see cref="FakeTimeProvider"/> so tests move time instead of sleeping.
/// </summary>
public sealed class LoopbackSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackSilo(WebApplication app, Uri baseAddress, int siloPort, int gatewayPort, FakeTimeProvider? clock)
    {
        _app = app;
        BaseAddress = baseAddress;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        Clock = clock;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>Set when started with a fake clock.</summary>
    public FakeTimeProvider? Clock { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="settings">Extra configuration, e.g. <c>["TopOfHeart:Detection:HandoffAcceptSla"] = "00:00:30"</c>.</param>
    /// <param name="fakeClock">A fake clock starting now (UTC); null for the real one.</param>
    /// <param name="services">More services for the silo, e.g. a grain call filter.</param>
    public static async Task<LoopbackSilo> StartAsync(
        IDictionary<string, string?>? settings = null, bool fakeClock = true, Action<IServiceCollection>? services = null)
    {
        var siloPort = FreePorts.Next();
        var gatewayPort = FreePorts.Next();
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--TopOfHeart:Orleans:SiloPort={siloPort}",
            $"--TopOfHeart:Orleans:GatewayPort={gatewayPort}",
            "--Logging:LogLevel:Default=Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) args.Add($"--{key}={value}");

        var clock = fakeClock ? new FakeTimeProvider(DateTimeOffset.UtcNow) : null;
        var (app, problems) = SiloApp.Create([.. args], builder =>
        {
            if (clock is not null)
            {
                builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));

                // Orleans drops a request that waited past its response timeout on the real clock; its caller hears of
                // it only through its own timeout, on this fake clock, which never gets there: a busy machine made a
                // test wait for ever instead of failing or passing. Late requests are served instead.
                builder.Services.Configure<SiloMessagingOptions>(o => o.DropExpiredMessages = false);
            }

            services?.Invoke(builder.Services);
        });
        if (app is null) throw new InvalidOperationException("Silo settings refused: " + string.Join("; ", problems));

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var silo = new LoopbackSilo(app, new Uri(address), siloPort, gatewayPort, clock);
        await silo.WaitHealthyAsync();
        return silo;
    }

    private async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if ((await Http.GetAsync("/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline) throw new TimeoutException("The silo did not become healthy within 30 s.");
            await Task.Delay(50);
        }
    }

    /// <summary>Posts events as a JSON array (anonymous objects serialise camelCase).</summary>
    public Task<HttpResponseMessage> PostEventsAsync(params object[] events) => Http.PostAsJsonAsync("/api/v1/events", events);

    /// <summary>
    /// Polls until <paramref name="probe"/> returns a value (work the silo does asynchronously, e.g. after a
    /// timer). Polling a condition, not sleeping for a deadline: fake time has already passed it.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan? within = null, string? what = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"Not observed within the time allowed: {what ?? "condition"}.");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
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
