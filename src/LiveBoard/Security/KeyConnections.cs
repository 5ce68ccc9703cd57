namespace TopOfHeart.LiveBoard.Security;

/// <summary>Open hub connections per key, bounded by <c>TopOfHeart:LiveBoard:MaxConnectionsPerKey</c>.</summary>
public sealed class KeyConnections(int max)
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    public int Max => max;

    public int Count(string keyId)
    {
        lock (_open) return _open.GetValueOrDefault(keyId);
    }

    public bool TryAcquire(string keyId)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(keyId);
            if (open >= max) return false;
            _open[keyId] = open + 1;
            return true;
        }
    }

    public void Release(string keyId)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(keyId) - 1;
            if (open <= 0) _open.Remove(keyId);
            else _open[keyId] = open;
        }
    }

    public string Refusal => $"refused: this key already has {max} open board connections (TopOfHeart:LiveBoard:MaxConnectionsPerKey).";
}
