using Microsoft.Extensions.Logging;
using Npgsql;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// Brings a PostgreSQL database up to the product's schema: applies the <c>sql/*.sql</c> files in
/// file-name order, each one that is new or whose text changed since it was last applied, and
/// records every applied file with its checksum in <c>schema_migration</c>.
/// </summary>
/// <remarks>
/// Everything runs in one transaction under a transaction-scoped advisory lock, so silos starting
/// at the same moment apply the scripts one after the other, and a failing script leaves the
/// database as it was. Scripts must therefore be idempotent and transactional (no
/// <c>CREATE INDEX CONCURRENTLY</c>, no <c>VACUUM</c>).
/// </remarks>
public sealed partial class SchemaMigrator(string connectionString, ILogger logger)
{
    /// <summary>Arbitrary, fixed key of the advisory lock that serialises migrations ("TOH-SQL").</summary>
    private const long AdvisoryLockKey = 0x544F482D53514C;

    private const int CommandTimeoutSeconds = 300;

    /// <summary>Where the build puts the scripts: <c>sql/</c> next to the application.</summary>
    public static string DefaultScriptDirectory => Path.Combine(AppContext.BaseDirectory, "sql");

    /// <summary>Applies the scripts of <see cref="DefaultScriptDirectory"/>.</summary>
    /// <returns>The names of the files applied this time (empty when the schema was up to date).</returns>
    public Task<IReadOnlyList<string>> ApplyAsync(CancellationToken cancellationToken = default) =>
        ApplyAsync(DefaultScriptDirectory, cancellationToken);

    /// <summary>Applies the scripts of <paramref name="scriptDirectory"/>.</summary>
    /// <returns>The names of the files applied this time (empty when the schema was up to date).</returns>
    public async Task<IReadOnlyList<string>> ApplyAsync(string scriptDirectory, CancellationToken cancellationToken = default)
    {
        var scripts = SchemaScript.LoadAll(scriptDirectory);

        await using var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            throw new InvalidOperationException(
                $"Connecting to PostgreSQL to apply the sql/ scripts failed: {exception.Message}", exception);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS schema_migration
            (
                file_name  text        NOT NULL PRIMARY KEY,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken);
        var recorded = await ReadRecordedChecksumsAsync(connection, transaction, cancellationToken);

        var applied = new List<string>();
        foreach (var script in scripts)
        {
            if (recorded.TryGetValue(script.Name, out var checksum) && checksum == script.Checksum)
            {
                continue;
            }

            try
            {
                await ExecuteAsync(connection, transaction, script.Text, cancellationToken);
            }
            catch (NpgsqlException exception)
            {
                throw new InvalidOperationException(
                    $"Applying sql/{script.Name} failed: {Describe(exception)}", exception);
            }

            await RecordAsync(connection, transaction, script, cancellationToken);
            applied.Add(script.Name);
            LogApplied(logger, script.Name, recorded.ContainsKey(script.Name) ? "changed" : "new");
        }

        await transaction.CommitAsync(cancellationToken);
        LogUpToDate(logger, scripts.Count, applied.Count);
        return applied;
    }

    private static async Task<Dictionary<string, string>> ReadRecordedChecksumsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT file_name, checksum FROM schema_migration", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            recorded[reader.GetString(0)] = reader.GetString(1);
        }

        return recorded;
    }

    private static async Task RecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaScript script, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO schema_migration (file_name, checksum) VALUES (@name, @checksum)
            ON CONFLICT (file_name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()
            """, connection, transaction);
        command.Parameters.AddWithValue("name", script.Name);
        command.Parameters.AddWithValue("checksum", script.Checksum);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = CommandTimeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Describe(NpgsqlException exception) => exception switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}"
            + (postgres.Where is { Length: > 0 } where ? $" ({where})" : ""),
        _ => exception.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied sql/{Script} ({Reason})")]
    private static partial void LogApplied(ILogger logger, string script, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema up to date: {Total} SQL scripts, {Applied} applied now")]
    private static partial void LogUpToDate(ILogger logger, int total, int applied);
}
