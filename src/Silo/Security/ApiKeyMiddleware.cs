using TopOfHeart.Contracts.Access;

namespace TopOfHeart.Silo.Security;

/// <summary>
/// <c>TopOfHeart:Auth:Keys</c> on every API route: no key or a wrong one is 401, the wrong role 403.
/// <c>/health</c> stays open. Department scope is checked where the alert is known (<see cref="Access"/>).
/// Keys are never logged: only the role and department of the caller are.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, KeyRing keys)
{
    public const string Header = "X-Api-Key";

    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path;
        if (keys.IsOpen || !path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await next(http);
            return;
        }

        var key = keys.Find(http.Request.Headers[Header].ToString());
        if (key is null)
        {
            http.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
            await Problem(http, StatusCodes.Status401Unauthorized, "Missing or unknown API key",
                $"Send a valid key in the {Header} header.");
            return;
        }

        var ingest = HttpMethods.IsPost(http.Request.Method) && path.StartsWithSegments("/api/v1/events", StringComparison.OrdinalIgnoreCase);
        var act = HttpMethods.IsPost(http.Request.Method) && path.StartsWithSegments("/api/v1/alerts", StringComparison.OrdinalIgnoreCase);
        var allowed = ingest ? key.MayIngest : act ? key.MayAct : key.MayRead;
        if (!allowed)
        {
            await Problem(http, StatusCodes.Status403Forbidden, "Not allowed for this key",
                $"A {key.Role.ToString().ToLowerInvariant()} key may not {(ingest ? "post events" : act ? "act on alerts" : "read")}.");
            return;
        }

        Access.Set(http, key);
        await next(http);
    }

    internal static Task Problem(HttpContext http, int status, string title, string detail) =>
        Results.Problem(detail, statusCode: status, title: title).ExecuteAsync(http);
}

/// <summary>The caller's key for the request, for the department checks endpoints make.</summary>
public static class Access
{
    private static readonly object Slot = new();

    public static void Set(HttpContext http, AccessKey key) => http.Items[Slot] = key;

    /// <summary>The caller's key; null when keys are not configured (open).</summary>
    public static AccessKey? Of(HttpContext http) => http.Items.TryGetValue(Slot, out var key) ? (AccessKey?)key : null;

    /// <summary>True when the caller may see or act on an alert of <paramref name="department"/>.</summary>
    public static bool Covers(HttpContext http, string? department) => Of(http)?.Covers(department) ?? true;

    /// <summary>The department a scoped supervisor is limited to; null for everyone else.</summary>
    public static string? Scope(HttpContext http) =>
        Of(http) is { Role: AccessRole.Supervisor, Department: { } department } ? department : null;
}
