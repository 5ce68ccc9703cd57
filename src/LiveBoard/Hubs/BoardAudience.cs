using TopOfHeart.Contracts.Views;

namespace TopOfHeart.LiveBoard.Hubs;

/// <summary>Who watches this LiveBoard, and the last snapshot it sent them (handed at once to a board that connects).</summary>
public sealed class BoardAudience
{
    private int _connections;

    public int Connections => Volatile.Read(ref _connections);

    public BoardSnapshot? LatestSnapshot { get; set; }

    public void Joined() => Interlocked.Increment(ref _connections);

    public void Left() => Interlocked.Decrement(ref _connections);
}
