using TopOfHeart.Silo;
using TopOfHeart.Silo.Api;
using TopOfHeart.Silo.Configuration;

var builder = WebApplication.CreateBuilder(args);

var (settings, problems) = SettingsReader.Read(builder.Configuration);
if (problems.Count > 0)
{
    foreach (var problem in problems) Console.Error.WriteLine($"Top of Heart cannot start: {problem}");
    return 2;
}

if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5080");

builder.AddTopOfHeartSilo(settings);

var app = builder.Build();
app.MapHealthEndpoints();
app.MapEventEndpoints();
app.MapAlertEndpoints();
app.MapEntityEndpoints();

try
{
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    Console.Error.WriteLine($"Top of Heart stopped: {ex.GetBaseException().Message}");
    return 1;
}

/// <summary>The silo's entry point; public for the HTTP tests' host.</summary>
public partial class Program;
