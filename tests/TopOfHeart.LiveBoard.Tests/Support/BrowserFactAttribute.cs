namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>
/// A test that drives Debian's headless Chromium. Skipped on a developer machine without it; in CI (<c>CI=true</c>)
/// never skipped, so a missing browser fails the run with a message saying how to install it.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public BrowserFactAttribute()
    {
        if (!File.Exists(Chromium) && !InCi)
            Skip = $"{Chromium} is missing: apt-get install -y chromium (in CI this test fails instead of skipping).";
    }

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
