using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Silo.Security;

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
        HttpContext http, IGrainFactory grains, string? status, string? department, string? kind, string? caseId, string? customerId, string? limit)
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

        // A department-scoped supervisor reads its own department's alerts only.
        if (Access.Scope(http) is { } scope)
        {
            if (!string.IsNullOrEmpty(department) && department != scope) return Forbidden(scope);
            department = scope;
        }

        var query = new AlertQuery
        {
            Status = statusFilter,
            Kind = kindFilter,
            Department = NullIfEmpty(department),
            CaseId = NullIfEmpty(caseId),
            CustomerId = NullIfEmpty(customerId),
            Limit = take,
        };
        return TypedResults.Ok(await grains.QueryAllBooksAsync(query));
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains)
    {
        var alertId = RawRouteId.After(http, "/api/v1/alerts/");
        if (alertId is null) return BadQuery("An alert id is required.");
        var alert = await grains.BookFor(alertId).Get(alertId);
        if (alert is null) return NotFound(alertId);
        return Access.Covers(http, alert.Department) ? TypedResults.Ok(alert) : Forbidden(Access.Scope(http)!);
    }

    private static Task<IResult> AcknowledgeAsync(HttpContext http, IGrainFactory grains) =>
        ActAsync(http, grains, (book, body) => book.Acknowledge(body.AlertId!, body.By!));

    private static Task<IResult> ResolveAsync(HttpContext http, IGrainFactory grains) =>
        ActAsync(http, grains, (book, body) => book.Resolve(body.AlertId!, body.By!, body.Resolution));

    private static async Task<IResult> ActAsync(HttpContext http, IGrainFactory grains, Func<IAlertBookGrain, AlertAction, Task<Alert?>> act)
    {
        AlertAction? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<AlertAction>(http.RequestAborted);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return BadQuery("The body must be JSON like { \"alertId\": \"…\", \"by\": \"supervisor-id\" }.");
        }

        if (Check(body) is { } problem) return problem;
        var book = grains.BookFor(body!.AlertId!);
        if (Access.Scope(http) is { } scope)
        {
            var current = await book.Get(body.AlertId!);
            if (current is null) return NotFound(body.AlertId!);
            if (!Access.Covers(http, current.Department)) return Forbidden(scope);
        }

        var alert = await act(book, body);
        return alert is null ? NotFound(body.AlertId!) : TypedResults.Ok(alert);
    }

    private static IResult? Check(AlertAction? body)
    {
        if (body is null) return BadQuery("Send a JSON body like { \"alertId\": \"…\", \"by\": \"supervisor-id\" }.");
        if (string.IsNullOrWhiteSpace(body.AlertId)) return BadQuery("alertId is required.");
        if (string.IsNullOrWhiteSpace(body.By)) return BadQuery("by is required: who acts on the alert.");
        if (body.By!.Length > 128) return BadQuery("by must be at most 128 characters.");
        if (body.Resolution is { Length: > 1000 }) return BadQuery("resolution must be at most 1000 characters.");
        return null;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    internal static IResult BadQuery(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    private static IResult Forbidden(string scope) =>
        TypedResults.Problem($"This key is scoped to the {scope} department's alerts.", statusCode: StatusCodes.Status403Forbidden, title: "Another department's alert");

    private static IResult NotFound(string alertId) =>
        TypedResults.Problem($"No alert '{alertId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown alert");
}

public sealed record AlertAction(string? AlertId, string? By, string? Resolution);
