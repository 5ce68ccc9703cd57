using Microsoft.Extensions.Configuration;
using TopOfHeart.Contracts.Access;
using TopOfHeart.Contracts.Settings;

namespace TopOfHeart.LiveBoard.Configuration;

/// <summary>Reads and checks the LiveBoard's settings so a mistake stops start-up with one line naming its key.</summary>
public static class SettingsReader
{
    public static (LiveBoardSettings Settings, List<string> Problems) Read(IConfiguration configuration)
    {
        var problems = new List<string>();
        var section = configuration.GetSection(LiveBoardSettings.Section);

        var clustering = SettingValues.Enum(section, "Clustering", ClusteringKind.Localhost, problems);

        var connectionString = configuration.GetConnectionString(LiveBoardSettings.ConnectionStringName);
        if (clustering == ClusteringKind.Postgres && string.IsNullOrWhiteSpace(connectionString))
            problems.Add("ConnectionStrings:TopOfHeart is required when TopOfHeart:Clustering is Postgres.");

        var gatewayPort = SettingValues.Port(section, "Orleans:GatewayPort", 30000, problems);

        // The same readers as the silo's: one format, one set of messages.
        var keys = KeyRingConfiguration.Read(configuration.GetSection(KeyRingConfiguration.Section), problems);

        var maxConnections = LiveBoardSettings.DefaultMaxConnectionsPerKey;
        var maxText = section["LiveBoard:MaxConnectionsPerKey"];
        if (!string.IsNullOrWhiteSpace(maxText) && !(int.TryParse(maxText, out maxConnections) && maxConnections is > 0 and <= 100_000))
        {
            problems.Add($"TopOfHeart:LiveBoard:MaxConnectionsPerKey must be a whole number from 1 to 100000 (got '{maxText}').");
            maxConnections = LiveBoardSettings.DefaultMaxConnectionsPerKey;
        }

        return (new LiveBoardSettings
        {
            Clustering = clustering,
            ConnectionString = connectionString,
            GatewayPort = gatewayPort,
            Keys = keys,
            MaxConnectionsPerKey = maxConnections,
        }, problems);
    }
}
