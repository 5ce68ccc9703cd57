using System.Net;
using Npgsql;
using Orleans.Configuration;
using TopOfHeart.Contracts.Settings;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Storage;
using TopOfHeart.Silo.Configuration;
using TopOfHeart.Silo.Demo;
using TopOfHeart.Silo.Ingestion;
using TopOfHeart.Silo.Postgres;

namespace TopOfHeart.Silo;

public static class SiloHosting
{
    public const string ClusterId = "topofheart";
    public const string ServiceId = "topofheart";

    /// <summary>Orleans (clustering and storage as configured), the grains' services, and the ingestion pipeline.</summary>
    public static WebApplicationBuilder AddTopOfHeartSilo(this WebApplicationBuilder builder, TopOfHeartSettings settings)
    {
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });

            // How fast a dead silo is noticed (checked by SettingsReader).
            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(MembershipSettings.Section));

            // Orleans' providers share one bounded pool (their connection string), apart from the event log's own.
            var orleansDatabase = settings.OrleansConnectionString;
            if (settings.NeedsPostgres) silo.AddPostgresSchema(orleansDatabase!);

            if (settings.Clustering == ClusteringKind.Localhost)
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort);
            }
            else
            {
                silo.UsePostgresClustering(orleansDatabase!);
                silo.Configure<EndpointOptions>(o =>
                {
                    o.SiloPort = settings.SiloPort;
                    o.GatewayPort = settings.GatewayPort;
                    o.AdvertisedIPAddress = settings.AdvertisedAddress;
                    o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, settings.SiloPort);
                    o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, settings.GatewayPort);
                });
            }

            // Cases and customers rebuild from the event log in PostgreSQL mode; in memory mode this keeps them.
            silo.AddInProcessGrainStorage(StorageNames.RebuiltProvider);
            if (settings.Storage == StorageKind.Postgres)
            {
                silo.AddPostgresGrainStorage(StorageNames.Provider, orleansDatabase!);
                silo.UsePostgresReminders(orleansDatabase!);
            }
            else
            {
                silo.AddInProcessGrainStorage(StorageNames.Provider);
                silo.UseInMemoryReminderService();
            }
        });

        var services = builder.Services;
        if (settings.Storage == StorageKind.Postgres)
        {
            services.AddSingleton(_ => PostgresEventStore.CreateDataSource(settings.ConnectionString!, settings.PostgresPool.MaxConnections));
            services.AddSingleton<PostgresEventStore>();
            services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<PostgresEventStore>());
            services.AddSingleton<IAlertStore, PostgresAlertStore>();
            services.Configure<RecoverySettings>(builder.Configuration.GetSection(RecoverySettings.Section));
            services.AddHostedService<PostgresRecoveryService>();

            // Grains that keep snapshots (employees, touchpoints, departments, the floor) write them every few seconds.
            services.PostConfigure<SnapshotSettings>(o => o.Interval ??= TimeSpan.FromSeconds(5));
        }

        services.AddRelayGrains(builder.Configuration);
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<IEventIngestor>(sp => sp.GetRequiredService<IngestPipeline>());
        services.AddDemoFloor(builder.Configuration);
        return builder;
    }
}
