using System.Collections;

namespace TopOfHeart.Grains.Relay;

/// <summary>
/// An ordinal set of strings for the handful a live case holds (its event ids, owners, alert ids): an array scanned in
/// order while small, a hash set past <see cref="HashAbove"/>. Nothing is allocated until the first add. A
/// <see cref="HashSet{T}"/> per field cost about 300 bytes for five entries, times every field of every open case.
/// </summary>
public sealed class SmallStringSet : IReadOnlyCollection<string>
{
    /// <summary>Past this many items, lookups switch to a hash set (a scan of 16 short ids is cheaper than hashing).</summary>
    public const int HashAbove = 16;

    private string[]? _items;
    private int _count;
    private HashSet<string>? _hashed;

    public int Count => _hashed?.Count ?? _count;

    public bool Contains(string item)
    {
        if (_hashed is not null) return _hashed.Contains(item);
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_items![i], item, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>False when the item was already there.</summary>
    public bool Add(string item)
    {
        if (_hashed is not null) return _hashed.Add(item);
        if (Contains(item)) return false;
        if (_count == HashAbove)
        {
            _hashed = new HashSet<string>(_items!, StringComparer.Ordinal) { item };
            _items = null;
            _count = 0;
            return true;
        }

        if (_items is null) _items = new string[2];
        else if (_count == _items.Length) Array.Resize(ref _items, Math.Min(_items.Length * 2, HashAbove));
        _items[_count++] = item;
        return true;
    }

    public void UnionWith(IEnumerable<string> items)
    {
        foreach (var item in items) Add(item);
    }

    public IEnumerator<string> GetEnumerator()
    {
        if (_hashed is not null)
        {
            foreach (var item in _hashed) yield return item;
            yield break;
        }

        for (var i = 0; i < _count; i++) yield return _items![i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
