namespace TopOfHeart.Grains.Relay;

/// <summary><c>TopOfHeart:Detection</c>: the thresholds of the relay rules.</summary>
public sealed class DetectionSettings
{
    public const string Section = "TopOfHeart:Detection";

    /// <summary>A critical alert held longer than this is no longer "the instant a handoff fails".</summary>
    public static readonly TimeSpan MaxReorderGrace = TimeSpan.FromMinutes(1);

    public TimeSpan HandoffAcceptSla { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Per department pair overrides of <see cref="HandoffAcceptSla"/>.</summary>
    public List<PairSla> Slas { get; set; } = [];

    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxHops { get; set; } = 3;

    public double SentimentDrop { get; set; } = 0.4;

    /// <summary>
    /// How long a chase (an alert that rests on an accept not having arrived) is held, from the contact's arrival on the
    /// server clock, so an earlier accept overtaken in transit can still cancel it. Zero raises at once.
    /// </summary>
    public TimeSpan ReorderGrace { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan SlaFor(string? from, string to)
    {
        foreach (var pair in Slas)
        {
            if (string.Equals(pair.To, to, StringComparison.Ordinal)
                && string.Equals(pair.From, from, StringComparison.Ordinal))
            {
                return pair.AcceptWithin;
            }
        }

        return HandoffAcceptSla;
    }

    /// <summary>Every problem with these settings, each naming its configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (HandoffAcceptSla <= TimeSpan.Zero)
            yield return $"{Section}:HandoffAcceptSla must be a positive time span (got {HandoffAcceptSla}).";
        if (StallTimeout <= TimeSpan.Zero)
            yield return $"{Section}:StallTimeout must be a positive time span (got {StallTimeout}).";
        if (MaxHops < 1)
            yield return $"{Section}:MaxHops must be at least 1 (got {MaxHops}).";
        if (ReorderGrace < TimeSpan.Zero || ReorderGrace > MaxReorderGrace)
            yield return $"{Section}:ReorderGrace must be between 0 and {MaxReorderGrace} (got {ReorderGrace}).";
        if (double.IsNaN(SentimentDrop) || SentimentDrop <= 0 || SentimentDrop > 2)
            yield return $"{Section}:SentimentDrop must be above 0 and at most 2 (got {SentimentDrop}).";
        for (var i = 0; i < Slas.Count; i++)
        {
            var pair = Slas[i];
            if (string.IsNullOrWhiteSpace(pair.From) || string.IsNullOrWhiteSpace(pair.To))
                yield return $"{Section}:Slas:{i} needs both From and To.";
            if (pair.AcceptWithin <= TimeSpan.Zero)
                yield return $"{Section}:Slas:{i}:AcceptWithin must be a positive time span (got {pair.AcceptWithin}).";
        }
    }
}

public sealed class PairSla
{
    public string From { get; set; } = "";
    public string To { get; set; } = "";
    public TimeSpan AcceptWithin { get; set; }
}
