namespace TopOfHeart.Contracts.Grains;

/// <summary>Which book keeps an alert: a stable hash of its id, the same in every process.</summary>
public static class AlertBooks
{
    public const int Partitions = 16;

    public static int PartitionOf(string alertId)
    {
        // FNV-1a: string.GetHashCode is randomised per process.
        var hash = 2166136261u;
        foreach (var c in alertId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Partitions);
    }

    public static IAlertBookGrain BookFor(this IGrainFactory grains, string alertId) =>
        grains.GetGrain<IAlertBookGrain>(PartitionOf(alertId));
}
