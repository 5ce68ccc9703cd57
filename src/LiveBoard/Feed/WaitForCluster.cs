using TopOfHeart.Contracts.Settings;
using TopOfHeart.LiveBoard.Configuration;

namespace TopOfHeart.LiveBoard.Feed;

/// <summary>A LiveBoard started before its silo waits for it, saying where it looks, instead of failing start-up.</summary>
public sealed partial class WaitForCluster(LiveBoardSettings settings, ILogger<WaitForCluster> logger) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(2);

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var where = settings.Clustering == ClusteringKind.Localhost
            ? $"the silo gateway on 127.0.0.1:{settings.GatewayPort} (TopOfHeart:Orleans:GatewayPort)"
            : $"the cluster ({settings.Clustering} clustering)";
        LogWaiting(logger, where, exception.GetBaseException().Message);
        try
        {
            await Task.Delay(RetryEvery, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for {Where}: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string where, string reason);
}
