using TopOfHeart.Contracts.Access;
using TopOfHeart.Silo.Api;
using TopOfHeart.Silo.Configuration;
using TopOfHeart.Silo.Ingestion;
using TopOfHeart.Silo.Security;

namespace TopOfHeart.Silo;

/// <summary>Builds the silo's web application: what <c>Program</c> runs, and what the HTTP tests start on loopback.</summary>
public static class SiloApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <param name="args">Command line (ASP.NET Core configuration syntax).</param>
    /// <param name="overrideServices">Test hook: runs after the product's registrations, e.g. to swap the <see cref="TimeProvider"/>.</param>
    /// <returns>The app, or the configuration problems that stop start-up, each naming its key.</returns>
    public static (WebApplication? App, IReadOnlyList<string> Problems) Create(string[] args, Action<WebApplicationBuilder>? overrideServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var (settings, problems) = SettingsReader.Read(builder.Configuration);
        if (problems.Count > 0) return (null, problems);

        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);

        builder.AddTopOfHeartSilo(settings);
        builder.Services.AddSingleton(new KeyRing(settings.Keys));
        builder.Services.AddSingleton(builder.Configuration.GetSection(IngestSettings.Section).Get<IngestSettings>() ?? new IngestSettings());
        builder.Services.AddSingleton<IngestGate>();
        overrideServices?.Invoke(builder);

        var app = builder.Build();
        if (settings.Keys.Count == 0) WarnIfExposed(app);
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapHealthEndpoints();
        app.MapEventEndpoints();
        app.MapAlertEndpoints();
        app.MapEntityEndpoints();
        return (app, []);
    }

    /// <summary>No keys is for loopback demos: listening anywhere else without keys is loudly reported.</summary>
    private static void WarnIfExposed(WebApplication app)
    {
        var urls = app.Configuration["urls"] ?? DefaultUrl;
        var exposed = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(url => !IsLoopback(url)).ToList();
        if (exposed.Count == 0) return;
        app.Logger.LogWarning(
            "SECURITY: no TopOfHeart:Auth:Keys are configured, yet the API listens on {Urls}: anyone who can reach it may post events and act on alerts. Configure keys or bind to 127.0.0.1.",
            string.Join(", ", exposed));
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            return false;
        return uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }
}
