namespace TopOfHeart.Silo.Configuration;

/// <summary><c>TopOfHeart:Recovery</c>: when the PostgreSQL recovery sweep steps in for a process that died.</summary>
public sealed class RecoverySettings
{
    public const string Section = "TopOfHeart:Recovery";

    /// <summary>A batch still pending this long after it was logged is taken to be left by a crash and applied again.</summary>
    public TimeSpan BatchGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A deadline this long past is checked by the sweep, in case the silo that armed its timer died.</summary>
    public TimeSpan WakeupGrace { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<string> Validate()
    {
        if (BatchGrace <= TimeSpan.Zero)
            yield return $"{Section}:BatchGrace must be a positive time span (got {BatchGrace}).";
        if (WakeupGrace < TimeSpan.Zero)
            yield return $"{Section}:WakeupGrace must not be negative (got {WakeupGrace}).";
    }
}
