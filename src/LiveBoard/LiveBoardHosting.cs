using TopOfHeart.LiveBoard.Configuration;
using TopOfHeart.LiveBoard.Feed;
using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard;

public static class LiveBoardHosting
{
    // Must match the silo's (src/Silo/SiloHosting.cs).
    public const string ClusterId = "topofheart";
    public const string ServiceId = "topofheart";

    /// <summary>The Orleans client, the hub, and the feeds that bring the cluster's alerts and numbers to it.</summary>
    /// <returns>A problem naming its setting when the configured clustering cannot be used; null when all is set.</returns>
    public static string? AddTopOfHeartLiveBoard(this WebApplicationBuilder builder, LiveBoardSettings settings)
    {
        Action<IClientBuilder>? useMembership = settings.Clustering switch
        {
            ClusteringKind.Localhost => client => client.UseLocalhostClustering(settings.GatewayPort, ServiceId, ClusterId),
            // TODO(lead): Postgres clustering for the client, the one place to wire it:
            //   client => client.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = settings.ConnectionString; })
            // (PackageReference Microsoft.Orleans.Clustering.AdoNet + Npgsql), then drop this null.
            _ => null,
        };
        if (useMembership is null)
            return $"TopOfHeart:Clustering={settings.Clustering} is not available in the LiveBoard yet; use Localhost.";

        var connection = new ClusterConnection();
        builder.UseOrleansClient(client =>
        {
            useMembership(client);
            client.AddClusterConnectionStatusObserver(connection);
            client.UseConnectionRetryFilter<WaitForCluster>();
        });

        builder.Services.AddSingleton(settings);
        builder.Services.AddSignalR();
        builder.Services.AddSingleton(connection);
        builder.Services.AddSingleton<BoardAudience>();

        // After the Orleans client, so it is connected when these start and still connected when they stop.
        builder.Services.AddSingleton<AlertFanOut>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertFanOut>());
        builder.Services.AddSingleton<BoardSubscription>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BoardSubscription>());
        builder.Services.AddHostedService<BoardSnapshots>();
        return null;
    }
}
