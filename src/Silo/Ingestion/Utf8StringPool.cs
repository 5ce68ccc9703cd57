using System.Text;

namespace TopOfHeart.Silo.Ingestion;

/// <summary>
/// A fixed-size, lock-free cache of strings read from UTF-8: ids that recur — a case's id and its customer's on
/// each of its events, departments, employees, touchpoints — become one string kept by every event that names
/// it, instead of one string per event. A slot keeps the last string whose bytes hashed to it; a collision just
/// replaces it, so memory stays bounded (a few MB) with no eviction bookkeeping.
/// </summary>
internal sealed class Utf8StringPool
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Entry?[] _slots;
    private readonly int _maxLength;

    /// <param name="slotsLog2">The pool has 2^slotsLog2 slots.</param>
    /// <param name="maxLength">Longer values (in bytes) are not pooled.</param>
    public Utf8StringPool(int slotsLog2, int maxLength)
    {
        _slots = new Entry?[1 << slotsLog2];
        _maxLength = maxLength;
    }

    /// <summary>The string for these UTF-8 bytes.</summary>
    /// <exception cref="DecoderFallbackException">The bytes are not valid UTF-8.</exception>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > _maxLength) return Strict.GetString(utf8);
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref _slots[hash.ToHashCode() & (_slots.Length - 1)];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && utf8.SequenceEqual(entry.Utf8)) return entry.Value;

        var value = Strict.GetString(utf8);
        Volatile.Write(ref slot, new Entry(utf8.ToArray(), value));
        return value;
    }

    private sealed record Entry(byte[] Utf8, string Value);
}
