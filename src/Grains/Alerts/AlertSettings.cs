namespace TopOfHeart.Grains.Alerts;

/// <summary><c>TopOfHeart:Alerts</c>.</summary>
public sealed class AlertSettings
{
    public const string Section = "TopOfHeart:Alerts";

    /// <summary>An unacknowledged critical or high alert escalates after this, and again after each further period.</summary>
    public TimeSpan EscalateAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Escalation stops at this level.</summary>
    public int MaxEscalationLevel { get; set; } = 3;

    /// <summary>Resolved alerts are kept this long, then forgotten.</summary>
    public TimeSpan ResolvedRetention { get; set; } = TimeSpan.FromDays(3);

    public IEnumerable<string> Validate()
    {
        if (EscalateAfter <= TimeSpan.Zero)
            yield return $"{Section}:EscalateAfter must be a positive time span (got {EscalateAfter}).";
        if (MaxEscalationLevel < 1)
            yield return $"{Section}:MaxEscalationLevel must be at least 1 (got {MaxEscalationLevel}).";
        if (ResolvedRetention <= TimeSpan.Zero)
            yield return $"{Section}:ResolvedRetention must be a positive time span (got {ResolvedRetention}).";
    }
}
