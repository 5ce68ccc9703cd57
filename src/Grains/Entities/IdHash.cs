namespace TopOfHeart.Grains.Entities;

/// <summary>
/// A 64-bit FNV-1a hash of a string's UTF-16 code units: the same on every process and every run (unlike
/// <see cref="string.GetHashCode()"/>), so it can be stored. Used where only "seen before?" matters: two of a million ids
/// collide with a probability of about 3 in 100 million.
/// </summary>
public static class IdHash
{
    public static ulong Of(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        return hash;
    }
}
