using Microsoft.Extensions.Configuration;
using TopOfHeart.Silo.Configuration;

namespace TopOfHeart.Durability.Tests;

/// <summary>The recovery and membership settings these tests shorten are read and checked like every other setting.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("TopOfHeart:Recovery:BatchGrace", "-00:00:01", "TopOfHeart:Recovery:BatchGrace must be a positive time span")]
    [InlineData("TopOfHeart:Recovery:WakeupGrace", "-00:00:01", "TopOfHeart:Recovery:WakeupGrace must not be negative")]
    [InlineData("TopOfHeart:Recovery:BatchGrace", "soon", "TopOfHeart:Recovery:BatchGrace")]
    [InlineData("TopOfHeart:Orleans:Membership:ProbeTimeout", "00:00:00", "TopOfHeart:Orleans:Membership:ProbeTimeout must be positive")]
    [InlineData("TopOfHeart:Orleans:Membership:NumMissedProbesLimit", "0", "TopOfHeart:Orleans:Membership:NumMissedProbesLimit must be positive")]
    [InlineData("TopOfHeart:Orleans:Membership:ProbTimeout", "00:00:01", "TopOfHeart:Orleans:Membership:ProbTimeout is not one of Orleans' cluster membership settings")]
    [InlineData("TopOfHeart:Orleans:Membership:ProbeTimeout", "fast", "TopOfHeart:Orleans:Membership:ProbeTimeout")]
    public void A_bad_recovery_or_membership_setting_stops_start_up_with_one_line_naming_its_key(string key, string value, string expected)
    {
        var (_, problems) = SettingsReader.Read(Configuration((key, value)));

        var problem = Assert.Single(problems);
        Assert.Contains(expected, problem);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Short_recovery_and_membership_settings_are_accepted()
    {
        var (_, problems) = SettingsReader.Read(Configuration(
            ("TopOfHeart:Recovery:BatchGrace", "00:00:02"),
            ("TopOfHeart:Recovery:WakeupGrace", "00:00:00"),
            ("TopOfHeart:Orleans:Membership:ProbeTimeout", "00:00:01"),
            ("TopOfHeart:Orleans:Membership:NumMissedProbesLimit", "2"),
            ("TopOfHeart:Orleans:Membership:TableRefreshTimeout", "00:00:01")));

        Assert.Empty(problems);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
}
