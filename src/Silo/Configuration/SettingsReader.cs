using Microsoft.Extensions.Configuration;
using TopOfHeart.Contracts.Access;
using TopOfHeart.Contracts.Settings;
using TopOfHeart.Grains.Alerts;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Silo.Configuration;

/// <summary>
/// Reads and checks every setting before anything starts, so a mistake stops start-up with one line
/// naming its key instead of a stack trace from deep inside Orleans.
/// </summary>
public static class SettingsReader
{
    public static (TopOfHeartSettings Settings, List<string> Problems) Read(IConfiguration configuration)
    {
        var problems = new List<string>();
        var section = configuration.GetSection(TopOfHeartSettings.Section);

        var storage = SettingValues.Enum(section, "Storage", StorageKind.Memory, problems);
        var clustering = SettingValues.Enum(section, "Clustering", ClusteringKind.Localhost, problems);
        var connectionString = configuration.GetConnectionString(TopOfHeartSettings.ConnectionStringName);
        if ((storage == StorageKind.Postgres || clustering == ClusteringKind.Postgres) && string.IsNullOrWhiteSpace(connectionString))
        {
            problems.Add("ConnectionStrings:TopOfHeart is required when TopOfHeart:Storage or TopOfHeart:Clustering is Postgres.");
        }

        var siloPort = SettingValues.Port(section, "Orleans:SiloPort", 11111, problems);
        var gatewayPort = SettingValues.Port(section, "Orleans:GatewayPort", 30000, problems);
        if (siloPort == gatewayPort)
            problems.Add($"TopOfHeart:Orleans:SiloPort and TopOfHeart:Orleans:GatewayPort must differ (both {siloPort}).");

        var advertised = System.Net.IPAddress.Loopback;
        var advertisedText = section["Orleans:AdvertisedAddress"];
        if (!string.IsNullOrWhiteSpace(advertisedText))
        {
            try
            {
                advertised = System.Net.IPAddress.TryParse(advertisedText, out var ip)
                    ? ip
                    : System.Net.Dns.GetHostAddresses(advertisedText).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException)
            {
                problems.Add($"TopOfHeart:Orleans:AdvertisedAddress '{advertisedText}' is neither an IP address nor a host name that resolves here.");
            }
        }

        var detection = Bind<DetectionSettings>(configuration, DetectionSettings.Section, problems);
        problems.AddRange(detection?.Validate() ?? []);
        var alerts = Bind<AlertSettings>(configuration, AlertSettings.Section, problems);
        problems.AddRange(alerts?.Validate() ?? []);
        var snapshots = Bind<Grains.Hosting.SnapshotSettings>(configuration, Grains.Hosting.SnapshotSettings.Section, problems);
        if (snapshots?.Interval is { } interval && interval <= TimeSpan.Zero)
            problems.Add($"{Grains.Hosting.SnapshotSettings.Section}:Interval must be a positive time span (got {interval}).");

        var recovery = Bind<RecoverySettings>(configuration, RecoverySettings.Section, problems);
        problems.AddRange(recovery?.Validate() ?? []);
        problems.AddRange(MembershipSettings.Validate(configuration));

        var pool = Bind<PostgresPoolSettings>(configuration, PostgresPoolSettings.Section, problems);
        problems.AddRange(pool?.Validate() ?? []);

        var ingest = Bind<Ingestion.IngestSettings>(configuration, Ingestion.IngestSettings.Section, problems);
        problems.AddRange(ingest?.Validate() ?? []);

        var demo = Bind<Demo.DemoOptions>(configuration, Demo.DemoOptions.Section, problems);
        if (demo is { Enabled: true }) problems.AddRange(demo.Validate());

        var keys = KeyRingConfiguration.Read(section.GetSection("Auth:Keys"), problems);

        return (new TopOfHeartSettings
        {
            Storage = storage,
            Clustering = clustering,
            ConnectionString = connectionString,
            SiloPort = siloPort,
            GatewayPort = gatewayPort,
            AdvertisedAddress = advertised,
            Keys = keys,
            PostgresPool = pool ?? new PostgresPoolSettings(),
        }, problems);
    }

    private static T? Bind<T>(IConfiguration configuration, string path, List<string> problems)
        where T : class, new()
    {
        try
        {
            return configuration.GetSection(path).Get<T>(o => o.ErrorOnUnknownConfiguration = false) ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key it could not convert, e.g. "...value at 'TopOfHeart:Detection:StallTimeout' to type 'System.TimeSpan'".
            problems.Add(ex.Message);
            return null;
        }
    }
}
