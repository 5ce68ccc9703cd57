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
    /// <summary>What the grains need on every silo: settings, the clock, the per-silo figure aggregator.</summary>
    public static IServiceCollection AddRelayGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DetectionSettings>(configuration.GetSection(DetectionSettings.Section));
        services.Configure<AlertSettings>(configuration.GetSection(AlertSettings.Section));
        services.Configure<SnapshotSettings>(configuration.GetSection(SnapshotSettings.Section));
        services.TryAddSingleton(TimeProvider.System);

        // Idle cases and customers are put away after a minute; look for them twice a minute. (Set here rather than with
        // [CollectionAgeLimit] on the classes: a host that keeps Orleans' one-minute quantum would refuse a one-minute age.)
        services.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionQuantum = TimeSpan.FromSeconds(30);
            o.ClassSpecificCollectionAge[typeof(CaseGrain).FullName!] = CaseGrain.IdleAge;
            o.ClassSpecificCollectionAge[typeof(CustomerGrain).FullName!] = TimeSpan.FromMinutes(1);
        });
        services.AddSingleton<BoardAlertFeed>();
        services.TryAddSingleton<IAlertFeed>(sp => sp.GetRequiredService<BoardAlertFeed>());
        services.AddHostedService(sp => sp.GetRequiredService<BoardAlertFeed>());
        services.TryAddSingleton<IEventStore, NoEventStore>();
        services.TryAddSingleton<IAlertStore, NoAlertStore>();
        services.AddSingleton<FigureAggregator>();
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
