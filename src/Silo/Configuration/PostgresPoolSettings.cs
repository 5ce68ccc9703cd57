using Npgsql;

namespace TopOfHeart.Silo.Configuration;

/// <summary>
/// <c>TopOfHeart:Postgres</c>: how many server connections one silo may hold. Npgsql's default pool of 100 per
/// connection string, twice over (the event log's and Orleans' providers'), is more than a default server's
/// <c>max_connections</c> of 100 allows, and a load burst then fails with 53300 "too many clients".
/// Past the bound, work waits for a free connection instead.
/// </summary>
public sealed class PostgresPoolSettings
{
    public const string Section = "TopOfHeart:Postgres";

    /// <summary>The event log, alerts and recovery sweep (the silo's own data source).</summary>
    public int MaxConnections { get; set; } = 16;

    /// <summary>Orleans' ADO.NET providers: grain snapshots, reminders, membership.</summary>
    public int OrleansMaxConnections { get; set; } = 12;

    public IEnumerable<string> Validate()
    {
        if (MaxConnections is < 2 or > 1000)
            yield return $"{Section}:MaxConnections must be from 2 to 1000 (got {MaxConnections}).";
        if (OrleansMaxConnections is < 1 or > 1000)
            yield return $"{Section}:OrleansMaxConnections must be from 1 to 1000 (got {OrleansMaxConnections}).";
    }

    /// <summary>The connection string with its pool bounded; a <c>Maximum Pool Size</c> written in it is kept as the user's choice.</summary>
    public static string Bounded(string connectionString, int maxConnections)
    {
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string key in written.Keys)
        {
            if (key.Replace(" ", "", StringComparison.Ordinal) is var k
                && (k.Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase) || k.Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase)))
                return connectionString;
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxConnections }.ConnectionString;
    }
}
