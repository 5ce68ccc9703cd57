using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using TopOfHeart.Grains.Alerts;
using TopOfHeart.Grains.Board;
using TopOfHeart.Grains.Cases;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Grains.Hosting;

public static class GrainServiceCollectionExtensions
{
    /// <summary>Grain addresses each silo keeps cached (Orleans' default is 1,000,000).</summary>
    public const int DirectoryCacheSize = 100_000;

    /// <summary>What the grains need on every silo: settings, the clock, the per-silo figure aggregator.</summary>
    public static IServiceCollection AddRelayGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DetectionSettings>(configuration.GetSection(DetectionSettings.Section));
        services.Configure<AlertSettings>(configuration.GetSection(AlertSettings.Section));
        services.Configure<SnapshotSettings>(configuration.GetSection(SnapshotSettings.Section));
        services.TryAddSingleton(TimeProvider.System);

        // Idle cases and customers are put away after half a minute (what a silo holds is the traffic of the last minute
        // or so, not of the last several); look for them every 15 s. (Set here rather than with [CollectionAgeLimit] on the
        // classes: a host that keeps Orleans' one-minute quantum would refuse a shorter age.)
        services.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionQuantum = TimeSpan.FromSeconds(15);
            o.ClassSpecificCollectionAge[typeof(CaseGrain).FullName!] = CaseGrain.IdleAge;
            o.ClassSpecificCollectionAge[typeof(CustomerGrain).FullName!] = CustomerGrain.IdleAge;
        });

        // Orleans caches a million grain addresses by default: 300 bytes each, most of them for cases and customers
        // long put away (116 MiB of the heap with 200,000 cases told). A case is addressed for a minute or so.
        services.Configure<GrainDirectoryOptions>(o => o.CacheSize = DirectoryCacheSize);
        services.AddSingleton<BoardAlertFeed>();
        services.TryAddSingleton<IAlertFeed>(sp => sp.GetRequiredService<BoardAlertFeed>());
        services.AddHostedService(sp => sp.GetRequiredService<BoardAlertFeed>());
        services.TryAddSingleton<IEventStore, NoEventStore>();
        services.TryAddSingleton<IAlertStore, NoAlertStore>();
        services.AddSingleton<FigureAggregator>();
        services.AddSingleton<GrainCensus>();
        services.AddSingleton<FigureFlushService>();
        services.AddHostedService(sp => sp.GetRequiredService<FigureFlushService>());
        services.AddSingleton<AlertRaiser>();
        services.AddSingleton<CaseWakeups>();
        services.AddHostedService(sp => sp.GetRequiredService<CaseWakeups>());
        services.AddSingleton<EntityFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<EntityFeed>());
        return services;
    }
}
