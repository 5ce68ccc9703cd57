using TopOfHeart.Silo.Api;
using TopOfHeart.Silo.Configuration;

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
        overrideServices?.Invoke(builder);

        var app = builder.Build();
        app.MapHealthEndpoints();
        app.MapEventEndpoints();
        app.MapAlertEndpoints();
        app.MapEntityEndpoints();
        return (app, []);
    }
}
