using TopOfHeart.Contracts.Alerts;

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
        grains.Get<IAlertBookGrain>(PartitionOf(alertId));

    /// <summary>Asks every book for its newest matches and merges them: the newest overall, at most <see cref="AlertQuery.Limit"/>.</summary>
    public static async Task<List<Alert>> QueryAllBooksAsync(this IGrainFactory grains, AlertQuery query)
    {
        var pages = await Task.WhenAll(Enumerable.Range(0, Partitions)
            .Select(p => grains.Get<IAlertBookGrain>(p).Query(query)));
        var merged = pages.SelectMany(p => p).ToList();
        merged.Sort(NewestFirst.Instance);
        if (merged.Count > query.Limit) merged.RemoveRange(query.Limit, merged.Count - query.Limit);
        return merged;
    }
}
