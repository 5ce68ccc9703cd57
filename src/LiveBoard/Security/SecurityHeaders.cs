using System.Text.RegularExpressions;

namespace TopOfHeart.LiveBoard.Security;

/// <summary>
/// Headers on every response: the page runs only its own script and style files (no inline script or style), talks
/// only to its own origin (HTTP and WebSocket), and is never framed, sniffed, or named in a Referer.
/// </summary>
public static partial class SecurityHeaders
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = $"{Policy}; connect-src {ConnectSources(http.Request)}";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        return next(http);
    });

    /// <summary>
    /// <c>'self'</c>, plus the page's own host over ws/wss for browsers whose <c>'self'</c> does not yet cover
    /// WebSockets. The host is echoed only when it is a plain host[:port].
    /// </summary>
    private static string ConnectSources(HttpRequest request)
    {
        var host = request.Host.Value;
        return !string.IsNullOrEmpty(host) && PlainHost().IsMatch(host) ? $"'self' ws://{host} wss://{host}" : "'self'";
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")]
    private static partial Regex PlainHost();
}
