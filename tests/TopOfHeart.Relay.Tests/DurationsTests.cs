namespace TopOfHeart.Relay.Tests;

public sealed class DurationsTests
{
    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(45, "45 s")]
    [InlineData(30.4, "30 s")]
    [InlineData(60, "1 min")]
    [InlineData(120, "2 min")]
    [InlineData(150, "2 min 30 s")]
    [InlineData(3599, "59 min 59 s")]
    [InlineData(3600, "1 h")]
    [InlineData(5400, "1 h 30 min")]
    [InlineData(90000, "25 h")]
    public void Humanize_says_a_span_the_way_the_floor_does(double seconds, string expected)
    {
        Assert.Equal(expected, Durations.Humanize(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Humanize_never_says_a_negative_span()
    {
        Assert.Equal("0 s", Durations.Humanize(TimeSpan.FromSeconds(-5)));
    }
}
