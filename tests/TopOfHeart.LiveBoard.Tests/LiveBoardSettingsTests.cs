using Microsoft.Extensions.Configuration;
using TopOfHeart.Contracts.Access;
using TopOfHeart.LiveBoard.Configuration;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>A mistake in the LiveBoard's settings is one line naming its key, never a stack trace.</summary>
public sealed class LiveBoardSettingsTests
{
    [Theory]
    [InlineData("TopOfHeart:LiveBoard:MaxConnectionsPerKey", "0", "TopOfHeart:LiveBoard:MaxConnectionsPerKey must be")]
    [InlineData("TopOfHeart:LiveBoard:MaxConnectionsPerKey", "many", "TopOfHeart:LiveBoard:MaxConnectionsPerKey must be")]
    [InlineData("TopOfHeart:Clustering", "Postgres", "ConnectionStrings:TopOfHeart is required")]
    [InlineData("TopOfHeart:Auth:Keys:0:Key", "short", "TopOfHeart:Auth:Keys:0:Key must be at least 16 characters")]
    public void A_bad_setting_is_one_line_naming_its_key(string key, string value, string expected)
    {
        var (_, problems) = Read(new() { [key] = value });
        var problem = Assert.Single(problems);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Keys_and_the_connection_bound_are_read_and_the_key_never_shows_in_a_problem()
    {
        const string secret = "0123456789abcdef-secret";
        var (settings, problems) = Read(new()
        {
            ["TopOfHeart:Auth:Keys:0:Key"] = secret,
            ["TopOfHeart:Auth:Keys:0:Role"] = "supervisor",
            ["TopOfHeart:Auth:Keys:0:Department"] = "Billing",
            ["TopOfHeart:Auth:Keys:1:Key"] = secret,
            ["TopOfHeart:Auth:Keys:1:Role"] = "viewer",
            ["TopOfHeart:LiveBoard:MaxConnectionsPerKey"] = "7",
        });
        Assert.Equal("TopOfHeart:Auth:Keys:1:Key is used twice.", Assert.Single(problems));
        Assert.DoesNotContain(secret, problems[0], StringComparison.Ordinal);
        Assert.Equal(new AccessKey(secret, AccessRole.Supervisor, "Billing"), Assert.Single(settings.Keys));
        Assert.Equal(7, settings.MaxConnectionsPerKey);
        Assert.Equal(LiveBoardSettings.DefaultMaxConnectionsPerKey, Read([]).Settings.MaxConnectionsPerKey);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5090", true)]
    [InlineData("http://localhost:5090", true)]
    [InlineData("http://[::1]:5090", true)]
    [InlineData("http://0.0.0.0:5090", false)]
    [InlineData("http://*:5090", false)]
    [InlineData("http://+:5090", false)]
    [InlineData("http://10.1.2.3:5090", false)]
    public void Only_loopback_addresses_count_as_safe_without_keys(string url, bool loopback) =>
        Assert.Equal(loopback, LiveBoardApp.IsLoopback(url));

    private static (LiveBoardSettings Settings, List<string> Problems) Read(Dictionary<string, string?> values) =>
        SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
