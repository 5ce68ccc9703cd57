namespace TopOfHeart.Grains.Hosting;

/// <summary>
/// Grain storage names. Every grain type has its own state name: ADO.NET storage keys rows by
/// state name and grain key, so two types sharing one would overwrite each other.
/// </summary>
public static class StorageNames
{
    public const string Provider = "topofheart";

    /// <summary>
    /// For grains that rebuild from the event log in PostgreSQL mode (cases, customers): always in-memory
    /// storage, so activating one never costs a database read for a snapshot it does not write.
    /// </summary>
    public const string RebuiltProvider = "topofheart-rebuilt";
    public const string Case = "case";
    public const string Customer = "customer";
    public const string Employee = "employee";
    public const string Touchpoint = "touchpoint";
    public const string Department = "department";
    public const string Floor = "floor";
    public const string AlertBook = "alertbook";
}

/// <summary>How often a grain with unsaved changes writes its snapshot (<c>TopOfHeart:Snapshots:Interval</c>).</summary>
public sealed class SnapshotSettings
{
    public const string Section = "TopOfHeart:Snapshots";

    /// <summary>Null: only when the grain deactivates (embedded mode, where a process crash loses memory anyway).</summary>
    public TimeSpan? Interval { get; set; }
}
