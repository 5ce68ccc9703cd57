using Microsoft.Extensions.Configuration;

namespace TopOfHeart.Silo.Demo;

/// <summary><c>TopOfHeart:Demo</c>: the built-in simulated company floor, off unless switched on.</summary>
public sealed class DemoOptions
{
    public const string Section = "TopOfHeart:Demo";
    public const double DefaultEventsPerSecond = 25;
    public const double MaxEventsPerSecond = 5_000;
    public static readonly TimeSpan DefaultFailureEvery = TimeSpan.FromSeconds(4);

    public bool Enabled { get; set; }

    /// <summary>Pace of the healthy traffic; the failure scenarios come on top.</summary>
    public double EventsPerSecond { get; set; } = DefaultEventsPerSecond;

    /// <summary>Seeds the floor for a repeatable demo; random when not set.</summary>
    public int? Seed { get; set; }

    /// <summary>How often a relay failure is staged; all seven kinds show within seven of these.</summary>
    public TimeSpan FailureEvery { get; set; } = DefaultFailureEvery;

    public static DemoOptions FromConfiguration(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<DemoOptions>() ?? new DemoOptions();

    /// <summary>Every problem with these settings, each naming its configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (!double.IsFinite(EventsPerSecond) || EventsPerSecond <= 0 || EventsPerSecond > MaxEventsPerSecond)
            yield return $"{Section}:EventsPerSecond must be above 0 and at most {MaxEventsPerSecond} (got {EventsPerSecond}).";
        if (FailureEvery <= TimeSpan.Zero)
            yield return $"{Section}:FailureEvery must be a positive time span (got {FailureEvery}).";
    }
}
