using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.TestingHost;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Alerts;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Grains.Tests.TestKit;

/// <summary>
/// One in-process Orleans silo with the product's grains and services, on one shared
/// <see cref="FakeTimeProvider"/>. One per test class; tests use their own case, customer and department names.
/// </summary>
public class RelayCluster : IAsyncLifetime
{
    private readonly short _silos;

    public RelayCluster()
        : this(1)
    {
    }

    protected RelayCluster(short silos) => _silos = silos;

    /// <summary>A Monday morning, so "today" is the same day for every deadline a test moves through.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>Every alert a book published, in order: raised once, then each change.</summary>
    public RecordingAlertFeed Feed { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IServiceProvider SiloServices => Cluster.Silos[0].ServiceProvider;

    /// <summary>Records the feed's customer deliveries; while <see cref="CustomerCallFilter.Failing"/>, every call to a customer grain fails, as calls to a silo that just died do.</summary>
    public CustomerCallFilter CustomerCalls { get; } = new();

    /// <summary>The silo's own ingest pipeline: events reach cases, customers, employees and touchpoints as in production.</summary>
    public IEventIngestor Pipeline { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(_silos);
        builder.ConfigureSilo((_, silo) => silo
            .AddInProcessGrainStorage(StorageNames.Provider)
            .AddInProcessGrainStorage(StorageNames.RebuiltProvider)
            .Configure<SiloMessagingOptions>(KeepExpiredMessages));
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(KeepExpiredMessages));
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                // One pair override, so a test can tell it from the default SLA.
                ["TopOfHeart:Detection:Slas:0:From"] = "Sales",
                ["TopOfHeart:Detection:Slas:0:To"] = "Express",
                ["TopOfHeart:Detection:Slas:0:AcceptWithin"] = "00:00:30",
            });
            host.Services.AddSingleton<IAlertFeed>(Feed);
            host.Services.AddSingleton<IIncomingGrainCallFilter>(CustomerCalls);
            host.Services.AddRelayGrains(host.Configuration);
            host.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
            host.Services.TryAddSingleton<IEventIngestor, IngestPipeline>();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Pipeline = SiloServices.GetRequiredService<IEventIngestor>();

        // Tests speak to the first silo: it must see every other as active (until then a silo counts itself alone).
        var membership = SiloServices.GetRequiredService<IClusterMembershipService>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) < _silos)
        {
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"The first silo never saw {_silos} silos active.");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Orleans drops a request that waited past its response timeout on the real clock, and its caller then hears of it
    /// only through its own timeout, which runs on the silo's <see cref="TimeProvider"/>: this fake clock, which never gets
    /// there. On a busy machine (10,000 calls at once, CPU shared with other processes) a test then waited for ever instead
    /// of failing or passing. Late requests are served instead.
    /// </summary>
    private static void KeepExpiredMessages(MessagingOptions options) => options.DropExpiredMessages = false;

    public async Task DisposeAsync()
    {
        // Killed, not stopped: a graceful stop waits on Orleans' own delays, which the fake clock never lets pass (30 s).
        foreach (var silo in Cluster.Silos.ToList()) await Cluster.KillSiloAsync(silo);
        await Cluster.DisposeAsync();
    }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>How long the silo holds a chase for an earlier accept overtaken in transit.</summary>
    public TimeSpan ReorderGrace => SiloServices.GetRequiredService<IOptions<DetectionSettings>>().Value.ReorderGrace;

    /// <summary>Moves the clock past the reorder grace of what was just ingested: the cases' timers raise the chases they held.</summary>
    public void PassReorderGrace() => Clock.Advance(ReorderGrace);

    /// <summary>Ingests events through the silo's pipeline, delivers them to customers, employees and touchpoints, and returns what became of each.</summary>
    public async Task<IngestOutcome> IngestAsync(params TouchpointEvent[] events)
    {
        var outcome = await Pipeline.IngestAsync(events, CancellationToken.None);
        await SiloServices.GetRequiredService<EntityFeed>().FlushAsync();
        var failed = Enumerable.Range(0, events.Length).Where(i => outcome.Status[i] == EventStatus.Failed).ToList();
        Assert.True(failed.Count == 0, "events failed: " + string.Join("; ", failed.Select(i => $"{events[i].EventId}: {outcome.Errors[i]}")));
        return outcome;
    }

    /// <summary>Delivers the silo's pending figure deltas to the department and floor grains now.</summary>
    public async Task FlushFiguresAsync()
    {
        await SiloServices.GetRequiredService<EntityFeed>().FlushAsync();
        await SiloServices.GetRequiredService<FigureFlushService>().FlushAsync();
    }

    public Task<Alert?> AlertAsync(string alertId) => Grains.BookFor(alertId).Get(alertId);

    /// <summary>Polls for an alert raised asynchronously (a deadline timer fired after fake time moved).</summary>
    public Task<Alert> EventuallyAlertAsync(string alertId, Func<Alert, bool>? until = null, string? what = null) =>
        Eventually.Async(async () =>
        {
            var alert = await AlertAsync(alertId);
            return alert is not null && (until?.Invoke(alert) ?? true) ? alert : null;
        }, what ?? $"alert {alertId}");

    /// <summary>All alerts of one case, across every book.</summary>
    public async Task<List<Alert>> AlertsOfCaseAsync(string caseId)
    {
        var pages = await Task.WhenAll(Enumerable.Range(0, AlertBooks.Partitions)
            .Select(p => Grains.GetGrain<IAlertBookGrain>(p).Query(new AlertQuery { CaseId = caseId, Limit = 1000 })));
        return pages.SelectMany(p => p).ToList();
    }
}

/// <summary>A grain call filter on customer grains: records each feed delivery and, while switched on, fails every call.</summary>
public sealed class CustomerCallFilter : IIncomingGrainCallFilter
{
    private readonly ConcurrentQueue<(string Customer, EventType[] Types, long At)> _deliveries = new();

    public volatile bool Failing;

    /// <summary>
    /// The event types of each feed delivery (<see cref="ICustomerGrain.Deliver"/>) to a customer, in order, with when it
    /// reached the grain, on <see cref="Environment.TickCount64"/> (the feed's own clock for its hold times).
    /// </summary>
    public IReadOnlyList<(EventType[] Types, long At)> DeliveriesTo(string customerId) =>
        [.. _deliveries.Where(d => d.Customer == customerId).Select(d => (d.Types, d.At))];

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType != typeof(ICustomerGrain)) return context.Invoke();
        if (Failing) throw new InvalidOperationException("customer calls are failing (test)");
        if (context.InterfaceMethod.Name == nameof(ICustomerGrain.Deliver) && context.Request.GetArgument(0) is TouchpointEvent[] events)
        {
            _deliveries.Enqueue((context.TargetId.Key.ToString()!, events.Select(e => e.Type).ToArray(), Environment.TickCount64));
        }

        return context.Invoke();
    }
}

/// <summary>Stands in for the wall board feed: remembers every publication so a test can count raises.</summary>
public sealed class RecordingAlertFeed : IAlertFeed
{
    private readonly ConcurrentQueue<(Alert Alert, bool Raised)> _published = new();

    public void Publish(Alert alert, bool raised) => _published.Enqueue((alert, raised));

    public int TimesRaised(string alertId) => _published.Count(p => p.Raised && p.Alert.AlertId == alertId);
}

public static class Eventually
{
    /// <summary>
    /// Polls until <paramref name="probe"/> returns a value: for work the silo does asynchronously after fake time
    /// has already passed a deadline. Never a wait for the deadline itself.
    /// </summary>
    public static async Task<T> Async<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"Not observed in time: {what}.");
            await Task.Delay(20);
        }
    }
}

/// <summary>The same, with two silos: what a silo does differently when it is not alone.</summary>
public sealed class TwoSiloRelayCluster() : RelayCluster(2);
