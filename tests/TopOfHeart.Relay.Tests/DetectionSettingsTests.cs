namespace TopOfHeart.Relay.Tests;

public sealed class DetectionSettingsTests
{
    [Fact]
    public void Defaults_are_the_contracts_and_valid()
    {
        var settings = new DetectionSettings();

        Assert.Equal(TimeSpan.FromMinutes(2), settings.HandoffAcceptSla);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.StallTimeout);
        Assert.Equal(3, settings.MaxHops);
        Assert.Equal(0.4, settings.SentimentDrop);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.ReorderGrace);
        Assert.Empty(settings.Slas);
        Assert.Empty(settings.Validate());
    }

    [Theory]
    [InlineData("HandoffAcceptSla", "TopOfHeart:Detection:HandoffAcceptSla")]
    [InlineData("HandoffAcceptSla=0", "TopOfHeart:Detection:HandoffAcceptSla")]
    [InlineData("StallTimeout", "TopOfHeart:Detection:StallTimeout")]
    [InlineData("MaxHops", "TopOfHeart:Detection:MaxHops")]
    [InlineData("SentimentDrop", "TopOfHeart:Detection:SentimentDrop")]
    [InlineData("ReorderGrace", "TopOfHeart:Detection:ReorderGrace")]
    [InlineData("ReorderGrace=2min", "TopOfHeart:Detection:ReorderGrace")]
    [InlineData("SentimentDrop=NaN", "TopOfHeart:Detection:SentimentDrop")]
    [InlineData("SentimentDrop=3", "TopOfHeart:Detection:SentimentDrop")]
    [InlineData("Slas.From", "TopOfHeart:Detection:Slas:0")]
    [InlineData("Slas.AcceptWithin", "TopOfHeart:Detection:Slas:0:AcceptWithin")]
    public void Each_invalid_value_gives_one_message_that_names_its_key(string broken, string key)
    {
        var settings = new DetectionSettings { Slas = [new PairSla { From = Sales, To = Billing, AcceptWithin = TimeSpan.FromSeconds(30) }] };
        switch (broken)
        {
            case "HandoffAcceptSla": settings.HandoffAcceptSla = TimeSpan.FromSeconds(-1); break;
            case "HandoffAcceptSla=0": settings.HandoffAcceptSla = TimeSpan.Zero; break;
            case "StallTimeout": settings.StallTimeout = TimeSpan.FromMinutes(-10); break;
            case "MaxHops": settings.MaxHops = 0; break;
            case "SentimentDrop": settings.SentimentDrop = 0; break;
            case "ReorderGrace": settings.ReorderGrace = TimeSpan.FromSeconds(-1); break;
            case "ReorderGrace=2min": settings.ReorderGrace = TimeSpan.FromMinutes(2); break;
            case "SentimentDrop=NaN": settings.SentimentDrop = double.NaN; break;
            case "SentimentDrop=3": settings.SentimentDrop = 3; break;
            case "Slas.From": settings.Slas[0].From = " "; break;
            case "Slas.AcceptWithin": settings.Slas[0].AcceptWithin = TimeSpan.Zero; break;
            default: throw new ArgumentOutOfRangeException(nameof(broken), broken, null);
        }

        var message = Assert.Single(settings.Validate());

        Assert.StartsWith(key + " ", message);
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        var settings = new DetectionSettings { HandoffAcceptSla = TimeSpan.Zero, MaxHops = 0, Slas = [new PairSla()] };

        var messages = settings.Validate().ToList();

        Assert.Equal(4, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("TopOfHeart:Detection:HandoffAcceptSla ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("TopOfHeart:Detection:MaxHops ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("TopOfHeart:Detection:Slas:0 ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("TopOfHeart:Detection:Slas:0:AcceptWithin ", StringComparison.Ordinal));
    }

    [Fact]
    public void SlaFor_uses_the_override_of_the_exact_pair_else_the_default()
    {
        var settings = new DetectionSettings
        {
            HandoffAcceptSla = TimeSpan.FromMinutes(5),
            Slas = [new PairSla { From = Sales, To = Billing, AcceptWithin = TimeSpan.FromSeconds(30) }],
        };

        Assert.Equal(TimeSpan.FromSeconds(30), settings.SlaFor(Sales, Billing));
        Assert.Equal(TimeSpan.FromMinutes(5), settings.SlaFor(Billing, Sales));
        Assert.Equal(TimeSpan.FromMinutes(5), settings.SlaFor(Sales, Support));
        Assert.Equal(TimeSpan.FromMinutes(5), settings.SlaFor("sales", Billing));
    }
}
