namespace TopOfHeart.Grains.Entities;

/// <summary>
/// The last <see cref="Capacity"/> event ids a grain applied, so a retried event is not counted twice.
/// Bounded: a busy touchpoint or employee sees millions of events.
/// </summary>
/// <remarks>
/// Ids are kept as 64-bit hashes (<see cref="IdHash"/>: a false "seen" among 4,096 ids has a probability of
/// about 5 in 10^13), in arrival order; the lookup set is rebuilt from them after a snapshot is read. Storing the id
/// strings, in the queue and again in the set, made a busy touchpoint's snapshot 180 KB and an employee's larger,
/// written every 5 s on PostgreSQL; now 4,096 ids take 32 KB, in memory too.
/// </remarks>
[GenerateSerializer, Alias("TopOfHeart.RecentIds")]
public sealed class RecentIds
{
    public const int Capacity = 4096;

    /// <summary>Snapshots written before ids were hashed; read once, then hashed into <see cref="_order"/>.</summary>
    [Id(0)] private Queue<string>? _legacyOrder;

    [Id(2)] private Queue<ulong> _order = new();
    [NonSerialized] private HashSet<ulong>? _ids;

    public int Count => Index.Count;

    /// <summary>True when the id is new.</summary>
    public bool Add(string eventId)
    {
        var hash = IdHash.Of(eventId);
        if (!Index.Add(hash)) return false;
        _order.Enqueue(hash);
        if (_order.Count > Capacity) _ids!.Remove(_order.Dequeue());
        return true;
    }

    /// <summary>The lookup set, built on first use after a snapshot was read.</summary>
    private HashSet<ulong> Index
    {
        get
        {
            if (_ids is { } ids) return ids;
            _order ??= new Queue<ulong>();
            if (_legacyOrder is { } legacy)
            {
                foreach (var id in legacy) _order.Enqueue(IdHash.Of(id));
                _legacyOrder = null;
            }

            ids = new HashSet<ulong>(Math.Max(_order.Count, 16));
            foreach (var hash in _order) ids.Add(hash);
            return _ids = ids;
        }
    }
}
