using Orleans.Configuration;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Silo.Configuration;
using TopOfHeart.Silo.Ingestion;

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

            switch (settings.Clustering)
            {
                case ClusteringKind.Localhost:
                    silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort);
                    break;
                default:
                    throw new NotSupportedException("TopOfHeart:Clustering=Postgres is not wired yet.");
            }

            switch (settings.Storage)
            {
                case StorageKind.Memory:
                    silo.AddMemoryGrainStorage(StorageNames.Provider);
                    break;
                default:
                    throw new NotSupportedException("TopOfHeart:Storage=Postgres is not wired yet.");
            }
        });

        builder.Services.AddRelayGrains(builder.Configuration);
        builder.Services.AddSingleton<IEventIngestor, IngestPipeline>();
        return builder;
    }
}
