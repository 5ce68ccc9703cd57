namespace TopOfHeart.LiveBoard.Hubs;

/// <summary>The server-to-client messages of the contract's <c>/hubs/board</c>.</summary>
public static class BoardMessages
{
    public const string AlertRaised = "alertRaised";
    public const string AlertUpdated = "alertUpdated";
    public const string Board = "board";
}

/// <summary>
/// SignalR groups: every connection is in exactly one, the whole floor or one department, so an alert sent to
/// both its groups reaches each interested connection once.
/// </summary>
public static class BoardGroups
{
    public const string Floor = "floor";

    public static string For(string? department) => string.IsNullOrEmpty(department) ? Floor : "department:" + department;
}
