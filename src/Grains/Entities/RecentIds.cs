namespace TopOfHeart.Grains.Entities;

/// <summary>
/// The last <see cref="Capacity"/> event ids a grain applied, so a retried event is not counted twice.
/// Bounded: a busy touchpoint or employee sees millions of events.
/// </summary>
[GenerateSerializer, Alias("TopOfHeart.RecentIds")]
public sealed class RecentIds
{
    public const int Capacity = 4096;

    [Id(0)] private readonly Queue<string> _order = new();
    [Id(1)] private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public int Count => _ids.Count;

    /// <summary>True when the id is new.</summary>
    public bool Add(string eventId)
    {
        if (!_ids.Add(eventId)) return false;
        _order.Enqueue(eventId);
        if (_order.Count > Capacity) _ids.Remove(_order.Dequeue());
        return true;
    }
}
