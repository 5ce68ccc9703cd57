namespace TopOfHeart.Relay.Tests;

public sealed class SentimentDropTests
{
    /// <summary>Sales reads <paramref name="before"/>, hands to Billing, Billing accepts, then feedback reads <paramref name="after"/>.</summary>
    private static RelayEffects ReadingsAcrossAHandoff(double before, double after, DetectionSettings? settings = null)
    {
        var probe = new RelayProbe(settings);
        probe.Apply(
            Opened("open", Min(0), Sales),
            Interaction("ix-before", Min(0.5), Sales) with { Sentiment = before },
            Request("req", Min(1), Sales, Billing),
            Accept("acc", Min(2), Billing));
        return probe.Apply(Feedback("fb", Min(3)) with { Sentiment = after });
    }

    [Theory]
    [InlineData(0.8, 0.4)]
    [InlineData(0.5, 0.1)]
    [InlineData(0.7, 0.3)] // 0.7 - 0.3 is 0.39999999999999997 in doubles: still exactly the threshold
    [InlineData(0.6, 0.2)]
    [InlineData(0.3, -0.1)]
    [InlineData(0.2, -0.2)]
    [InlineData(1.0, -1.0)]
    public void A_fall_of_at_least_the_threshold_raises_sentiment_drop(double before, double after)
    {
        ReadingsAcrossAHandoff(before, after).Single(AlertKind.SentimentDrop);
    }

    [Theory]
    [InlineData(0.8, 0.41)]
    [InlineData(0.3, -0.0999)]
    [InlineData(0.5, 0.5)]
    [InlineData(-0.2, 0.6)]
    public void A_smaller_fall_or_a_rise_raises_nothing(double before, double after)
    {
        ReadingsAcrossAHandoff(before, after).HasNo(AlertKind.SentimentDrop);
    }

    [Fact]
    public void The_threshold_comes_from_the_settings()
    {
        var strict = new DetectionSettings { SentimentDrop = 0.2 };

        ReadingsAcrossAHandoff(0.5, 0.3, strict).Single(AlertKind.SentimentDrop);
    }

    [Fact]
    public void Sentiment_drop_is_the_new_owners_medium_alert_triggered_by_the_reading()
    {
        var alert = ReadingsAcrossAHandoff(0.6, -0.2).Single(AlertKind.SentimentDrop);

        Assert.Equal("SentimentDrop:case-17:fb", alert.AlertId);
        Assert.Equal(Severity.Medium, alert.Severity);
        Assert.Equal(Billing, alert.Department);
        Assert.Equal(Sales, alert.FromDepartment);
        Assert.Equal(Billing, alert.ToDepartment);
        Assert.Null(alert.DueAt);
        Assert.Equal(["req", "fb"], alert.Evidence);
    }

    [Fact]
    public void Only_the_first_reading_after_the_accept_is_compared()
    {
        var probe = new RelayProbe();
        probe.Apply(
            Opened("open", Min(0), Sales) with { Sentiment = 0.8 },
            Request("req", Min(1), Sales, Billing),
            Accept("acc", Min(2), Billing),
            Interaction("ix1", Min(3), Billing) with { Sentiment = 0.7 });

        var effects = probe.Apply(Interaction("ix2", Min(4), Billing) with { Sentiment = -1.0 });

        effects.HasNo(AlertKind.SentimentDrop);
    }

    [Fact]
    public void A_refused_handoff_is_not_followed_by_a_sentiment_drop()
    {
        var probe = new RelayProbe();
        probe.Apply(
            Opened("open", Min(0), Sales) with { Sentiment = 0.8 },
            Request("req", Min(1), Sales, Billing),
            Reject("rej", Min(2), Billing));

        var effects = probe.Apply(Interaction("ix", Min(3), Sales) with { Sentiment = -0.5 });

        effects.HasNo(AlertKind.SentimentDrop);
    }
}
