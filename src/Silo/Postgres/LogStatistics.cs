using Npgsql;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// Keeps the planner's picture of <c>toh_event</c> current while the log grows fast from a small size. Autovacuum
/// analyses a table at most once a minute and only after it grew by a tenth; until then the planner judges a log of
/// 100,000 rows by statistics taken at 2,000, and the rebuild reads turn from index lookups (under 1 ms) into
/// sequential scans (100-200 ms each, measured in the PostgreSQL steady benchmark, where it cut ingest by three quarters).
/// So each silo analyses the log itself whenever the rows it appended since its last analysis reach the size the log had
/// then: at 5,000, 10,000, 20,000, ... appended rows, a logarithmic number of times, each a sampled read of about 100 ms.
/// </summary>
internal sealed partial class LogStatistics(NpgsqlDataSource database, ILogger logger)
{
    private const long FirstAt = 5_000;
    private long _appended;
    private long _nextAt = FirstAt;
    private int _running;

    /// <summary>Counts rows this silo appended; starts an analysis in the background when they doubled the log.</summary>
    public void Appended(int rows)
    {
        var total = Interlocked.Add(ref _appended, rows);
        if (total < Volatile.Read(ref _nextAt) || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        _ = Task.Run(() => AnalyseAsync(total), CancellationToken.None);
    }

    private async Task AnalyseAsync(long appended)
    {
        try
        {
            await using var command = database.CreateCommand("ANALYZE toh_event");
            command.CommandTimeout = 120;
            await command.ExecuteNonQueryAsync();
            await using var size = database.CreateCommand("SELECT reltuples::bigint FROM pg_class WHERE oid = 'toh_event'::regclass");
            var rows = Math.Max(0, Convert.ToInt64(await size.ExecuteScalarAsync() ?? 0L));

            // Next time the log has about doubled (other silos append too: their rows count through reltuples).
            Volatile.Write(ref _nextAt, appended + Math.Max(FirstAt, rows));
            LogAnalysed(logger, rows);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Volatile.Write(ref _nextAt, appended + FirstAt);
            LogAnalyseFailed(logger, ex);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event log analysed: about {Rows} rows")]
    private static partial void LogAnalysed(ILogger logger, long rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysing the event log failed; autovacuum will do it later")]
    private static partial void LogAnalyseFailed(ILogger logger, Exception ex);
}
