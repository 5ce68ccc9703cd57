namespace TopOfHeart.Silo.Api;

public static class HealthEndpoints
{
    /// <summary><c>GET /health</c>: 200 while this silo is an active member of its cluster; never needs a key.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", (ISiloStatusOracle membership) =>
        {
            var status = membership.CurrentStatus;
            var gc = GC.GetGCMemoryInfo();
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
            };
            return status == SiloStatus.Active
                ? Results.Ok(body)
                : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithName("Health");
        return routes;
    }
}
