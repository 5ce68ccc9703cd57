using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Entities;

namespace TopOfHeart.Silo.Api;

/// <summary>The live state each grain keeps, read straight from it.</summary>
public static class EntityEndpoints
{
    public static IEndpointRouteBuilder MapEntityEndpoints(this IEndpointRouteBuilder routes)
    {
        Map(routes, "cases", "case", (g, id) => g.GetGrain<ICaseGrain>(id).GetView());
        Map(routes, "customers", "customer", (g, id) => g.GetGrain<ICustomerGrain>(id).GetView(), fedLater: true);
        Map(routes, "employees", "employee", (g, id) => g.GetGrain<IEmployeeGrain>(id).GetView(), fedLater: true);
        Map(routes, "touchpoints", "touchpoint", (g, id) => g.GetGrain<ITouchpointGrain>(id).GetView(), fedLater: true);
        Map(routes, "departments", "department", (g, id) => g.GetGrain<IDepartmentGrain>(id).GetView());
        routes.MapGet("/api/v1/board", (IGrainFactory grains) => grains.GetGrain<IFloorGrain>(0).GetSnapshot()).WithName("GetBoard");
        return routes;
    }

    /// <param name="fedLater">The grain gets its events through this silo's <see cref="EntityFeed"/>: deliver what waits first,
    /// so a client reads what this silo accepted from it.</param>
    private static void Map<TView>(
        IEndpointRouteBuilder routes, string plural, string singular, Func<IGrainFactory, string, Task<TView?>> read, bool fedLater = false)
        where TView : class
    {
        var prefix = $"/api/v1/{plural}/";
        routes.MapGet(prefix + "{**id}", async (HttpContext http, IGrainFactory grains, EntityFeed feed) =>
        {
            var id = RawRouteId.After(http, prefix);
            if (id is null || id.Length > 128) return AlertEndpoints.BadQuery($"A {singular} id of 1 to 128 characters is required.");
            if (fedLater) await feed.FlushAsync();
            var view = await read(grains, id);
            return view is null
                ? TypedResults.Problem($"No {singular} '{id}' has been seen.", statusCode: StatusCodes.Status404NotFound, title: $"Unknown {singular}")
                : TypedResults.Ok(view);
        }).WithName($"Get{char.ToUpperInvariant(singular[0])}{singular[1..]}");
    }
}
