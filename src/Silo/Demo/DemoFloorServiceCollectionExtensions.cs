using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Silo.Demo;

public static class DemoFloorServiceCollectionExtensions
{
    /// <summary>
    /// Plays the simulated company floor into the silo when <c>TopOfHeart:Demo:Enabled</c> is true;
    /// otherwise registers nothing. Needs an <see cref="IEventIngestor"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The demo is on but misconfigured; the message names the key.</exception>
    public static IServiceCollection AddDemoFloor(this IServiceCollection services, IConfiguration configuration)
    {
        var options = DemoOptions.FromConfiguration(configuration);
        if (!options.Enabled) return services;

        var problems = options.Validate().ToList();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join(Environment.NewLine, problems));

        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService(sp => new DemoTrafficService(
            sp.GetRequiredService<IEventIngestor>(),
            sp.GetRequiredService<TimeProvider>(),
            options,
            // The silo's own thresholds, so the floor's timer failures fire on time under them.
            sp.GetService<IOptions<DetectionSettings>>()?.Value
                ?? configuration.GetSection(DetectionSettings.Section).Get<DetectionSettings>()
                ?? new DetectionSettings(),
            sp.GetRequiredService<ILogger<DemoTrafficService>>()));
        return services;
    }
}
