using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using TopOfHeart.LiveBoard.Configuration;
using TopOfHeart.LiveBoard.Feed;
using TopOfHeart.LiveBoard.Hubs;
using TopOfHeart.LiveBoard.Security;

namespace TopOfHeart.LiveBoard;

/// <summary>Builds the LiveBoard web application: what <c>Program</c> runs, and what the tests start on loopback.</summary>
public static partial class LiveBoardApp
{
    public const string DefaultUrl = "http://127.0.0.1:5090";

    /// <param name="args">Command line (ASP.NET Core configuration syntax).</param>
    /// <param name="overrides">Test hook: runs after the product's registrations.</param>
    /// <returns>The app, or the configuration problems that stop start-up, each naming its key.</returns>
    public static (WebApplication? App, IReadOnlyList<string> Problems) Create(string[] args, Action<WebApplicationBuilder>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // The page is copied beside the binary, so it is found from any working directory.
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        var (settings, problems) = SettingsReader.Read(builder.Configuration);
        if (problems.Count > 0) return (null, problems);

        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);

        if (builder.AddTopOfHeartLiveBoard(settings) is { } problem) return (null, [problem]);
        overrides?.Invoke(builder);

        var app = builder.Build();
        var keyed = settings.Keys.Count > 0;
        if (!keyed) app.Lifetime.ApplicationStarted.Register(() => WarnIfExposed(app));

        app.UseSecurityHeaders();
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // A wall board runs for weeks: after a deploy, the next reload must get the new page.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseConnectionBound();

        var hub = app.MapHub<BoardHub>(BoardHub.Path);
        if (keyed) hub.RequireAuthorization(ApiKeyAuthenticationHandler.BoardPolicy);

        // Tells the page whether to ask for a key; never needs one.
        app.MapGet("/config.json", () => Results.Json(new { authRequired = keyed }, statusCode: StatusCodes.Status200OK))
            .WithName("PageConfig");

        // The page checks a typed key here before connecting: 401 unknown, 403 not for the board, else its scope.
        var whoami = app.MapGet("/whoami", (HttpContext http) =>
        {
            var caller = BoardCaller.Of(http.User, keyed);
            return Results.Json(new { role = caller.Role is { } role ? BoardCaller.RoleName(role) : null, department = caller.Scope });
        }).WithName("WhoAmI");
        if (keyed) whoami.RequireAuthorization(ApiKeyAuthenticationHandler.BoardPolicy);

        app.MapGet("/health", (BoardSubscription subscription, BoardAudience audience) =>
        {
            var body = new { status = subscription.Subscribed ? "ok" : "waiting for the cluster", boards = audience.Connections };
            return subscription.Subscribed ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithName("Health");
        return (app, []);
    }

    /// <summary>
    /// A key at its bound is refused at negotiate with 429 and a reason (the hub refuses it again on connect, for
    /// clients that skip negotiation).
    /// </summary>
    private static void UseConnectionBound(this WebApplication app)
    {
        var connections = app.Services.GetRequiredService<KeyConnections>();
        var keyed = app.Services.GetRequiredService<LiveBoardSettings>().Keys.Count > 0;
        if (!keyed) return;
        app.Use((http, next) =>
        {
            if (http.Request.Path.StartsWithSegments(BoardHub.Path + "/negotiate", StringComparison.OrdinalIgnoreCase)
                && BoardCaller.Of(http.User, keyed).KeyId is { } keyId
                && connections.Count(keyId) >= connections.Max)
            {
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                return http.Response.WriteAsync(connections.Refusal);
            }

            return next(http);
        });
    }

    /// <summary>No keys is for loopback demos: listening anywhere else without keys is loudly reported, once.</summary>
    private static void WarnIfExposed(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => !IsLoopback(a)).ToList();
        if (exposed.Count > 0) LogExposed(app.Logger, string.Join(", ", exposed));
    }

    internal static bool IsLoopback(string url)
    {
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri)) return false;
        return uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "SECURITY: no TopOfHeart:Auth:Keys are configured, yet the LiveBoard listens on {Addresses}: anyone who can reach it sees every alert and may acknowledge them. Configure keys or bind to 127.0.0.1.")]
    private static partial void LogExposed(ILogger logger, string addresses);
}
