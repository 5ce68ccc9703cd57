using TopOfHeart.Contracts.Views;

namespace TopOfHeart.LiveBoard.Hubs;

/// <summary>Who watches this LiveBoard, and the last snapshot it sent them (handed at once to a board that connects).</summary>
public sealed class BoardAudience(BoardFollowers followers)
{
    /// <summary>The board connections open now: each follows exactly one audience from its connection to its end.</summary>
    public int Connections => followers.Count;

    public BoardSnapshot? LatestSnapshot { get; set; }
}
