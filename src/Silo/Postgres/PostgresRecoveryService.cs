using Microsoft.Extensions.Options;
using Npgsql;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Silo.Configuration;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// The backstops that make a dead process lose nothing it acknowledged, run on every silo:
/// <list type="bullet">
/// <item>batches a crash left unapplied (still in <c>toh_pending_batch</c> after <see cref="RecoverySettings.BatchGrace"/>) are applied again;</item>
/// <item>deadline wake-ups that have passed by <see cref="RecoverySettings.WakeupGrace"/> ask their case to check its deadlines,
/// which activates it on a live silo if its own died. A case that had fired already does nothing.</item>
/// </list>
/// Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so silos share the work without doing it twice.
/// </summary>
public sealed partial class PostgresRecoveryService(
    NpgsqlDataSource database,
    PostgresEventStore events,
    IngestPipeline pipeline,
    IGrainFactory grains,
    TimeProvider clock,
    IOptions<RecoverySettings> settings,
    ILogger<PostgresRecoveryService> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private const int WakeupsPerRound = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Period, stoppingToken);
                await ReapplyBatchesAsync(stoppingToken);
                while (await WakeCasesAsync(stoppingToken) == WakeupsPerRound)
                {
                    // A backlog (e.g. after an outage): keep going.
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRoundFailed(logger, ex);
            }
        }
    }

    public async Task<int> ReapplyBatchesAsync(CancellationToken cancellationToken)
    {
        var reapplied = 0;
        while (true)
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var claim = new NpgsqlCommand(
                "SELECT batch_id, event_ids FROM toh_pending_batch WHERE created_at <= @before ORDER BY batch_id LIMIT 1 FOR UPDATE SKIP LOCKED",
                connection, transaction);
            claim.Parameters.AddWithValue("before", (clock.GetUtcNow() - settings.Value.BatchGrace).UtcDateTime);
            long batchId;
            string[] ids;
            await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken)) return reapplied;
                batchId = reader.GetInt64(0);
                ids = reader.GetFieldValue<string[]>(1);
            }

            var batch = await events.ReadByIdsAsync(connection, transaction, ids, cancellationToken);
            if (!await pipeline.ApplyToGrainsAsync(batch, cancellationToken))
            {
                LogBatchStillFailing(logger, batchId);
                return reapplied;
            }

            await using var done = new NpgsqlCommand("DELETE FROM toh_pending_batch WHERE batch_id = @id", connection, transaction);
            done.Parameters.AddWithValue("id", batchId);
            await done.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogBatchReapplied(logger, batchId, batch.Count);
            reapplied++;
        }
    }

    public async Task<int> WakeCasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var claim = new NpgsqlCommand(
            "DELETE FROM toh_wakeup WHERE (case_id, due_at) IN " +
            "(SELECT case_id, due_at FROM toh_wakeup WHERE due_at <= @before ORDER BY due_at LIMIT @limit FOR UPDATE SKIP LOCKED) " +
            "RETURNING case_id", connection, transaction);
        claim.Parameters.AddWithValue("before", (clock.GetUtcNow() - settings.Value.WakeupGrace).UtcDateTime);
        claim.Parameters.AddWithValue("limit", WakeupsPerRound);
        var cases = new List<string>();
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) cases.Add(reader.GetString(0));
        }

        if (cases.Count == 0) return 0;

        // If any case cannot be reached now, the transaction rolls back and every claimed wake-up comes back.
        await Task.WhenAll(cases.Distinct(StringComparer.Ordinal).Select(c => grains.Get<ICaseGrain>(c).CheckDeadlines()));
        await transaction.CommitAsync(cancellationToken);
        return cases.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery round failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending batch {BatchId} still cannot be applied; retrying")]
    private static partial void LogBatchStillFailing(ILogger logger, long batchId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-applied pending batch {BatchId} ({Count} events) left by a crash")]
    private static partial void LogBatchReapplied(ILogger logger, long batchId, int count);
}
