namespace TopOfHeart.Silo.Api;

public static class HealthEndpoints
{
    /// <summary><c>GET /health</c>: 200 while this silo is an active member of its cluster; never needs a key.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", (ISiloStatusOracle membership) =>
        {
            var status = membership.CurrentStatus;
            var body = new { status = status == SiloStatus.Active ? "ok" : "starting", silo = membership.SiloAddress.ToString(), membership = status.ToString() };
            return status == SiloStatus.Active
                ? Results.Ok(body)
                : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithName("Health");
        return routes;
    }
}
