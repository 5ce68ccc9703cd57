namespace TopOfHeart.LiveBoard.Configuration;

public enum ClusteringKind
{
    Localhost,
    Postgres,
}

/// <summary>The part of the <c>TopOfHeart</c> section a LiveBoard needs to find its cluster.</summary>
public sealed class LiveBoardSettings
{
    public const string Section = "TopOfHeart";
    public const string ConnectionStringName = "TopOfHeart";

    public ClusteringKind Clustering { get; init; } = ClusteringKind.Localhost;

    public string? ConnectionString { get; init; }

    /// <summary>In <see cref="ClusteringKind.Localhost"/> clustering, the silo's client gateway on this machine.</summary>
    public int GatewayPort { get; init; } = 30000;
}
