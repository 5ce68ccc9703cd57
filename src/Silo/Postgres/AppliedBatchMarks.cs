using Npgsql;
using NpgsqlTypes;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// Forgets applied pending batches off the request path: the marks that pile up while one delete runs go in the
/// next, so under load many requests share one round trip and one commit. A mark lost to a crash only makes the
/// recovery sweep apply that batch again, which the grains ignore (the event log is the idempotency authority).
/// </summary>
internal sealed partial class AppliedBatchMarks(NpgsqlDataSource database, ILogger logger) : IAsyncDisposable
{
    private const int MaxPerDelete = 5000;
    private readonly object _gate = new();
    private readonly List<long> _marked = [];
    private Task _flushing = Task.CompletedTask;
    private bool _running;

    public void Mark(long batchId)
    {
        lock (_gate)
        {
            _marked.Add(batchId);
            if (_running) return;
            _running = true;
            _flushing = Task.Run(FlushAsync, CancellationToken.None);
        }
    }

    /// <summary>Deletes everything marked so far; what is marked meanwhile goes in the next delete.</summary>
    private async Task FlushAsync()
    {
        while (true)
        {
            long[] ids;
            lock (_gate)
            {
                if (_marked.Count == 0)
                {
                    _running = false;
                    return;
                }

                var take = Math.Min(_marked.Count, MaxPerDelete);
                ids = _marked.GetRange(0, take).ToArray();
                _marked.RemoveRange(0, take);
            }

            try
            {
                await using var command = database.CreateCommand("DELETE FROM toh_pending_batch WHERE batch_id = ANY(@ids)");
                command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids });
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogMarkFailed(logger, ids.Length, ex);
            }
        }
    }

    /// <summary>On shutdown: the last marks are written, so a clean stop leaves nothing for the sweep.</summary>
    public async ValueTask DisposeAsync()
    {
        Task flushing;
        lock (_gate) flushing = _flushing;
        await flushing.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} applied batches could not be marked; the sweep will apply them again harmlessly")]
    private static partial void LogMarkFailed(ILogger logger, int count, Exception ex);
}
