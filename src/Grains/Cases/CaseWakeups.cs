using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.Grains.Cases;

/// <summary>
/// The deadlines of cases this silo has put away. A case waiting minutes for a stall timeout does not need
/// its whole activation in memory: when it is collected it leaves its next deadline here (a few dozen bytes),
/// and at that time this service wakes it, so the deadline fires as if it had never left.
/// PostgreSQL mode keeps the same deadlines durably as well (<c>toh_wakeup</c>), for a silo that dies.
/// </summary>
public sealed partial class CaseWakeups(IGrainFactory grains, TimeProvider clock, ILogger<CaseWakeups> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly PriorityQueue<string, DateTimeOffset> _due = new();
    private readonly object _gate = new();

    public int Count
    {
        get
        {
            lock (_gate) return _due.Count;
        }
    }

    public void Register(string caseId, DateTimeOffset dueAt)
    {
        lock (_gate) _due.Enqueue(caseId, dueAt);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Period, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await WakeDueAsync();
        }
    }

    /// <summary>Wakes every case whose deadline has come; one that cannot be woken now is tried again a second later.</summary>
    public async Task WakeDueAsync()
    {
        var now = clock.GetUtcNow();
        var woken = new List<string>();
        lock (_gate)
        {
            while (_due.TryPeek(out var caseId, out var dueAt) && dueAt <= now)
            {
                _due.Dequeue();
                woken.Add(caseId);
            }
        }

        if (woken.Count == 0) return;
        await Task.WhenAll(woken.Distinct(StringComparer.Ordinal).Select(async caseId =>
        {
            try
            {
                await grains.Get<ICaseGrain>(caseId).CheckDeadlines();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogWakeFailed(logger, caseId, ex);
                Register(caseId, clock.GetUtcNow() + TimeSpan.FromSeconds(1));
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake case {CaseId} for its deadline; trying again")]
    private static partial void LogWakeFailed(ILogger logger, string caseId, Exception ex);
}
