using Orleans.Storage;
using TopOfHeart.Grains.Hosting;

namespace TopOfHeart.Silo.Api;

public static class HealthEndpoints
{
    /// <summary><c>GET /health</c>: 200 while this silo is an active member of its cluster; never needs a key.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", (ISiloStatusOracle membership, GrainCensus census, IServiceProvider services) =>
        {
            var stored = services.GetKeyedService<IGrainStorage>(StorageNames.RebuiltProvider) as InProcessGrainStorage;
            var status = membership.CurrentStatus;
            var gc = GC.GetGCMemoryInfo();
            var young = GC.GetGCMemoryInfo(GCKind.Ephemeral);
            var body = new
            {
                status = status == SiloStatus.Active ? "ok" : "starting",
                silo = membership.SiloAddress.ToString(),
                membership = status.ToString(),

                // What the process holds: managed heap after the last collection, what the GC has committed, and RSS.
                memory = new
                {
                    heapBytes = gc.HeapSizeBytes,
                    fragmentedBytes = gc.FragmentedBytes,
                    committedBytes = gc.TotalCommittedBytes,
                    workingSetBytes = Environment.WorkingSet,
                },

                // The collector since the silo started: collections by generation, time paused in all, and the most a young generation may take.
                gc = new
                {
                    server = System.Runtime.GCSettings.IsServerGC,
                    gen0Collections = GC.CollectionCount(0),
                    gen1Collections = GC.CollectionCount(1),
                    gen2Collections = GC.CollectionCount(2),
                    pausedMs = GC.GetTotalPauseDuration().TotalMilliseconds,
                    gen0MaxBudgetBytes = GC.GetConfigurationVariables().TryGetValue("GCGen0MaxBudget", out var budget) ? budget : null,

                    // The latest young (gen0 or gen1) collection: what it found alive and moved up, and how long it stopped the silo.
                    // Sampled over a run, it shows what the pauses are made of (null before the first one).
                    lastYoung = young.Index == 0 ? null : new
                    {
                        index = young.Index,
                        generation = young.Generation,
                        promotedBytes = young.PromotedBytes,
                        pauseMs = young.PauseDurations.ToArray().Sum(p => p.TotalMilliseconds),
                    },
                },

                // Cases and customers held live in this silo, how many activations they took so far, and the snapshots kept of those put away at least once (idle or resolved)
                // with the native memory they take (keys and packed states, outside the managed heap).
                grains = new
                {
                    casesInMemory = census.CasesInMemory,
                    customersInMemory = census.CustomersInMemory,
                    casesActivated = census.CasesActivated,
                    customersActivated = census.CustomersActivated,
                    storedSnapshots = stored?.Count,
                    storedSnapshotBytes = stored?.NativeBytes,
                },
            };
            return status == SiloStatus.Active
                ? Results.Ok(body)
                : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithName("Health");
        return routes;
    }
}
