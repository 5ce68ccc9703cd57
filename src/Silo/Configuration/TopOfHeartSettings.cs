using TopOfHeart.Contracts.Settings;
namespace TopOfHeart.Silo.Configuration;

public enum StorageKind
{
    Memory,
    Postgres,
}

/// <summary>The <c>TopOfHeart</c> section and the connection string, as the contract's settings table names them.</summary>
public sealed class TopOfHeartSettings
{
    public const string Section = "TopOfHeart";
    public const string ConnectionStringName = "TopOfHeart";

    public StorageKind Storage { get; init; } = StorageKind.Memory;

    public ClusteringKind Clustering { get; init; } = ClusteringKind.Localhost;

    public string? ConnectionString { get; init; }

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    /// <summary><c>TopOfHeart:Orleans:AdvertisedAddress</c>: the address other silos reach this one at (Postgres clustering).</summary>
    public System.Net.IPAddress AdvertisedAddress { get; init; } = System.Net.IPAddress.Loopback;

    public IReadOnlyList<TopOfHeart.Contracts.Access.AccessKey> Keys { get; init; } = [];

    public PostgresPoolSettings PostgresPool { get; init; } = new();

    /// <summary>The connection string for Orleans' ADO.NET providers, its pool bounded (see <see cref="PostgresPoolSettings"/>).</summary>
    public string? OrleansConnectionString =>
        ConnectionString is null ? null : PostgresPoolSettings.Bounded(ConnectionString, PostgresPool.OrleansMaxConnections);

    public bool NeedsPostgres => Storage == StorageKind.Postgres || Clustering == ClusteringKind.Postgres;
}
