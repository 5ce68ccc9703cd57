namespace TopOfHeart.LiveBoard.Hubs;

/// <summary>The server-to-client messages of the contract's <c>/hubs/board</c>, and the batched pair a board opts into.</summary>
public static class BoardMessages
{
    public const string AlertRaised = "alertRaised";
    public const string AlertUpdated = "alertUpdated";
    public const string Board = "board";

    /// <summary>
    /// To a board that called <c>SubscribeInBatches</c>: the alerts a silo batch raised, in order, as one message
    /// (never empty), so a burst costs one write and one render per batch rather than one per alert.
    /// </summary>
    public const string AlertsRaised = "alertsRaised";

    /// <summary>The batched <see cref="AlertUpdated"/>: sent after the same batch's <see cref="AlertsRaised"/>.</summary>
    public const string AlertsUpdated = "alertsUpdated";
}

/// <summary>
/// The audiences a board connection follows (<see cref="BoardFollowers"/>): every connection follows exactly one, the
/// whole floor or one department, each either per alert or in batches. An alert sent to the followers of its two per-alert
/// audiences, and in a batch to those of its two batched audiences, therefore reaches each interested connection once, in
/// the form that connection asked for.
/// </summary>
public static class BoardGroups
{
    public const string Floor = "floor";

    /// <param name="batched">The group of the connections that called <c>SubscribeInBatches</c>: <c>batches:</c> and the name.</param>
    public static string For(string? department, bool batched = false)
    {
        var group = string.IsNullOrEmpty(department) ? Floor : "department:" + department;
        return batched ? "batches:" + group : group;
    }
}
