using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.Silo.Api;

public static class AlertEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder routes)
    {
        var alerts = routes.MapGroup("/api/v1/alerts");
        alerts.MapGet("/", ListAsync).WithName("ListAlerts");
        alerts.MapPost("/ack", AcknowledgeAsync).WithName("AcknowledgeAlert");
        alerts.MapPost("/resolve", ResolveAsync).WithName("ResolveAlert");
        alerts.MapGet("/{**alertId}", GetAsync).WithName("GetAlert");
        return routes;
    }

    private static async Task<IResult> ListAsync(
        IGrainFactory grains, string? status, string? department, string? kind, string? caseId, string? customerId, string? limit)
    {
        AlertStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!AlertVocabulary.TryParseStatus(status, out var parsed))
                return BadQuery($"status '{status}' is not one of open, acknowledged, resolved.");
            statusFilter = parsed;
        }

        AlertKind? kindFilter = null;
        if (!string.IsNullOrEmpty(kind))
        {
            if (!AlertVocabulary.TryParseKind(kind, out var parsed))
                return BadQuery($"kind '{kind}' is not one of {string.Join(", ", Enum.GetNames<AlertKind>())}.");
            kindFilter = parsed;
        }

        var take = DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, out take) || take < 1 || take > MaxLimit))
            return BadQuery($"limit must be a whole number from 1 to {MaxLimit} (got '{limit}').");

        var query = new AlertQuery
        {
            Status = statusFilter,
            Kind = kindFilter,
            Department = NullIfEmpty(department),
            CaseId = NullIfEmpty(caseId),
            CustomerId = NullIfEmpty(customerId),
            Limit = take,
        };
        return TypedResults.Ok(await QueryAllBooksAsync(grains, query));
    }

    /// <summary>Every book answers with its newest matches; the merge keeps the newest overall.</summary>
    public static async Task<List<Alert>> QueryAllBooksAsync(IGrainFactory grains, AlertQuery query)
    {
        var pages = await Task.WhenAll(Enumerable.Range(0, AlertBooks.Partitions)
            .Select(p => grains.GetGrain<IAlertBookGrain>(p).Query(query)));
        var merged = pages.SelectMany(p => p).ToList();
        merged.Sort(NewestFirst.Instance);
        if (merged.Count > query.Limit) merged.RemoveRange(query.Limit, merged.Count - query.Limit);
        return merged;
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains)
    {
        var alertId = RawRouteId.After(http, "/api/v1/alerts/");
        if (alertId is null) return BadQuery("An alert id is required.");
        var alert = await grains.BookFor(alertId).Get(alertId);
        return alert is null ? NotFound(alertId) : TypedResults.Ok(alert);
    }

    private static async Task<IResult> AcknowledgeAsync(AlertAction? body, IGrainFactory grains)
    {
        if (Check(body, needsBy: true) is { } problem) return problem;
        var alert = await grains.BookFor(body!.AlertId!).Acknowledge(body.AlertId!, body.By!);
        return alert is null ? NotFound(body.AlertId!) : TypedResults.Ok(alert);
    }

    private static async Task<IResult> ResolveAsync(AlertAction? body, IGrainFactory grains)
    {
        if (Check(body, needsBy: true) is { } problem) return problem;
        var alert = await grains.BookFor(body!.AlertId!).Resolve(body.AlertId!, body.By!, body.Resolution);
        return alert is null ? NotFound(body.AlertId!) : TypedResults.Ok(alert);
    }

    private static IResult? Check(AlertAction? body, bool needsBy)
    {
        if (body is null) return BadQuery("Send a JSON body like { \"alertId\": \"…\", \"by\": \"supervisor-id\" }.");
        if (string.IsNullOrWhiteSpace(body.AlertId)) return BadQuery("alertId is required.");
        if (needsBy && string.IsNullOrWhiteSpace(body.By)) return BadQuery("by is required: who acts on the alert.");
        if (body.By!.Length > 128) return BadQuery("by must be at most 128 characters.");
        if (body.Resolution is { Length: > 1000 }) return BadQuery("resolution must be at most 1000 characters.");
        return null;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    internal static IResult BadQuery(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    private static IResult NotFound(string alertId) =>
        TypedResults.Problem($"No alert '{alertId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown alert");
}

public sealed record AlertAction(string? AlertId, string? By, string? Resolution);
