namespace TopOfHeart.Grains.Entities;

/// <summary>
/// The last <see cref="Capacity"/> event ids a grain applied, so a retried event is not counted twice.
/// Bounded: a busy touchpoint or employee sees millions of events.
/// </summary>
/// <remarks>
/// Only the ids in arrival order are stored; the lookup set is rebuilt from them after a snapshot is read. Storing both
/// wrote every id twice: employee and touchpoint snapshots (up to 2 × 4,096 ids, written every 5 s on PostgreSQL) halve.
/// </remarks>
[GenerateSerializer, Alias("TopOfHeart.RecentIds")]
public sealed class RecentIds
{
    public const int Capacity = 4096;

    [Id(0)] private readonly Queue<string> _order = new();
    [NonSerialized] private HashSet<string>? _ids;

    public int Count => Index.Count;

    /// <summary>True when the id is new.</summary>
    public bool Add(string eventId)
    {
        if (!Index.Add(eventId)) return false;
        _order.Enqueue(eventId);
        if (_order.Count > Capacity) _ids!.Remove(_order.Dequeue());
        return true;
    }

    /// <summary>The lookup set, built from <c>_order</c> on first use after a snapshot was read.</summary>
    private HashSet<string> Index
    {
        get
        {
            if (_ids is { } ids) return ids;
            ids = new HashSet<string>(Math.Max(_order.Count, 16), StringComparer.Ordinal);
            foreach (var id in _order) ids.Add(id);
            return _ids = ids;
        }
    }
}
