using TopOfHeart.Contracts.Access;
using TopOfHeart.Contracts.Settings;

namespace TopOfHeart.LiveBoard.Configuration;

/// <summary>The part of the <c>TopOfHeart</c> section a LiveBoard needs: where its cluster is, and who may watch.</summary>
public sealed class LiveBoardSettings
{
    public const string Section = "TopOfHeart";
    public const string ConnectionStringName = "TopOfHeart";
    public const int DefaultMaxConnectionsPerKey = 50;

    public ClusteringKind Clustering { get; init; } = ClusteringKind.Localhost;

    public string? ConnectionString { get; init; }

    /// <summary>In <see cref="ClusteringKind.Localhost"/> clustering, the silo's client gateway on this machine.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary><c>TopOfHeart:Auth:Keys</c>; empty: the board is open (loopback demos).</summary>
    public IReadOnlyList<AccessKey> Keys { get; init; } = [];

    /// <summary><c>TopOfHeart:LiveBoard:MaxConnectionsPerKey</c>: concurrent hub connections one key may hold.</summary>
    public int MaxConnectionsPerKey { get; init; } = DefaultMaxConnectionsPerKey;
}
