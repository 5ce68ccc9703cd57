using TopOfHeart.LiveBoard.Configuration;
using TopOfHeart.LiveBoard.Feed;
using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard;

/// <summary>Builds the LiveBoard web application: what <c>Program</c> runs, and what the tests start on loopback.</summary>
public static class LiveBoardApp
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
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // A wall board runs for weeks: after a deploy, the next reload must get the new page.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapHub<BoardHub>(BoardHub.Path);
        app.MapGet("/health", (BoardSubscription subscription, BoardAudience audience) =>
        {
            var body = new { status = subscription.Subscribed ? "ok" : "waiting for the cluster", boards = audience.Connections };
            return subscription.Subscribed ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithName("Health");
        return (app, []);
    }
}
