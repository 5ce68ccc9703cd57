using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TopOfHeart.Silo.Demo;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Demo.Tests;

public sealed class DemoOptionsTests
{
    [Fact]
    public void The_demo_is_off_by_default_and_registers_nothing()
    {
        var services = new ServiceCollection();

        services.AddDemoFloor(Configuration([]));

        Assert.False(DemoOptions.FromConfiguration(Configuration([])).Enabled);
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public void Options_bind_from_the_demo_section()
    {
        var options = DemoOptions.FromConfiguration(Configuration(new()
        {
            ["TopOfHeart:Demo:Enabled"] = "true",
            ["TopOfHeart:Demo:EventsPerSecond"] = "40",
            ["TopOfHeart:Demo:Seed"] = "9",
            ["TopOfHeart:Demo:FailureEvery"] = "00:00:10",
        }));

        Assert.True(options.Enabled);
        Assert.Equal(40, options.EventsPerSecond);
        Assert.Equal(9, options.Seed);
        Assert.Equal(TimeSpan.FromSeconds(10), options.FailureEvery);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Defaults_are_valid()
    {
        var options = new DemoOptions();

        Assert.Equal(25, options.EventsPerSecond);
        Assert.Null(options.Seed);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(0, "TopOfHeart:Demo:EventsPerSecond")]
    [InlineData(-3, "TopOfHeart:Demo:EventsPerSecond")]
    [InlineData(double.NaN, "TopOfHeart:Demo:EventsPerSecond")]
    [InlineData(1e9, "TopOfHeart:Demo:EventsPerSecond")]
    public void A_bad_pace_is_reported_naming_its_key(double eventsPerSecond, string key)
    {
        var problem = Assert.Single(new DemoOptions { EventsPerSecond = eventsPerSecond }.Validate());

        Assert.StartsWith(key + " must be", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_failure_interval_is_reported_naming_its_key()
    {
        var problem = Assert.Single(new DemoOptions { FailureEvery = TimeSpan.Zero }.Validate());

        Assert.StartsWith("TopOfHeart:Demo:FailureEvery must be", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Switched_on_it_registers_the_traffic_service()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IEventIngestor>(new RecordingIngestor());

        services.AddDemoFloor(Configuration(new() { ["TopOfHeart:Demo:Enabled"] = "true" }));

        using var provider = services.BuildServiceProvider();
        Assert.IsType<DemoTrafficService>(Assert.Single(provider.GetServices<IHostedService>()));
    }

    [Fact]
    public void Switched_on_but_misconfigured_it_stops_start_up_naming_the_key()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddDemoFloor(Configuration(new()
        {
            ["TopOfHeart:Demo:Enabled"] = "true",
            ["TopOfHeart:Demo:EventsPerSecond"] = "0",
        })));

        Assert.StartsWith("TopOfHeart:Demo:EventsPerSecond must be", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
