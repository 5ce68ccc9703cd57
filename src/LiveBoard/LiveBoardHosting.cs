using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using TopOfHeart.Contracts.Access;
using TopOfHeart.Contracts.Settings;
using TopOfHeart.LiveBoard.Configuration;
using TopOfHeart.LiveBoard.Feed;
using TopOfHeart.LiveBoard.Hubs;
using TopOfHeart.LiveBoard.Security;

namespace TopOfHeart.LiveBoard;

public static class LiveBoardHosting
{
    // Must match the silo's (src/Silo/SiloHosting.cs).
    public const string ClusterId = "topofheart";
    public const string ServiceId = "topofheart";

    /// <summary>The ADO.NET invariant Orleans resolves to <c>Npgsql.NpgsqlFactory</c> (as the silo's).</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>SignalR's default, stated: the hub's methods take a few short strings.</summary>
    public const long MaxReceiveMessageSize = 32 * 1024;

    /// <summary>The Orleans client, the hub, and the feeds that bring the cluster's alerts and numbers to it.</summary>
    /// <returns>A problem naming its setting when the configured clustering cannot be used; null when all is set.</returns>
    public static string? AddTopOfHeartLiveBoard(this WebApplicationBuilder builder, LiveBoardSettings settings)
    {
        Action<IClientBuilder> useMembership;
        switch (settings.Clustering)
        {
            case ClusteringKind.Localhost:
                useMembership = client => client.UseLocalhostClustering(settings.GatewayPort, ServiceId, ClusterId);
                break;
            case ClusteringKind.Postgres when !string.IsNullOrWhiteSpace(settings.ConnectionString):
                // The silo's schema migrator (sql/) has created the membership tables; the client only reads them.
                useMembership = client => client
                    .Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = ClusterId;
                        o.ServiceId = ServiceId;
                    })
                    .UseAdoNetClustering(o =>
                    {
                        o.Invariant = PostgresInvariant;
                        o.ConnectionString = settings.ConnectionString;
                    });
                break;
            default:
                return $"ConnectionStrings:TopOfHeart is required when TopOfHeart:Clustering is {settings.Clustering}.";
        }

        var connection = new ClusterConnection();
        builder.UseOrleansClient(client =>
        {
            useMembership(client);
            client.AddClusterConnectionStatusObserver(connection);
            client.UseConnectionRetryFilter<WaitForCluster>();
        });

        builder.Services.AddSingleton(settings);
        builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = MaxReceiveMessageSize);
        builder.Services.AddSingleton(connection);
        builder.Services.AddSingleton<BoardAudience>();
        builder.Services.AddSingleton<BoardFollowers>();
        builder.AddBoardAccess(settings);

        // After the Orleans client, so it is connected when these start and still connected when they stop.
        builder.Services.AddSingleton<AlertFanOut>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertFanOut>());
        builder.Services.AddSingleton<BoardSubscription>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BoardSubscription>());
        builder.Services.AddHostedService<BoardSnapshots>();
        return null;
    }

    /// <summary>Keys (the <c>ApiKey</c> scheme and the board policy), the per-key connection bound, and key-safe logging.</summary>
    private static void AddBoardAccess(this WebApplicationBuilder builder, LiveBoardSettings settings)
    {
        var services = builder.Services;
        services.AddSingleton(new KeyRing(settings.Keys));
        services.AddSingleton(new KeyIds(settings.Keys));
        services.AddSingleton(new KeyConnections(settings.MaxConnectionsPerKey));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(ApiKeyAuthenticationHandler.BoardPolicy, policy => policy
            .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(BoardCaller.RoleName(AccessRole.Viewer), BoardCaller.RoleName(AccessRole.Supervisor)));

        // Request logging writes the URL, and SignalR's WebSocket URL carries the key: mask it whatever the log levels.
        var factory = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (factory?.ImplementationType is { } implementation)
        {
            services.RemoveAll<ILoggerFactory>();
            services.TryAdd(ServiceDescriptor.Singleton(implementation, implementation));
            services.AddSingleton<ILoggerFactory>(sp => new RedactingLoggerFactory((ILoggerFactory)sp.GetRequiredService(implementation)));
        }
    }
}
