using System.Security.Cryptography;
using System.Text;

namespace TopOfHeart.Contracts.Access;

/// <summary>What a key may do (<c>TopOfHeart:Auth:Keys</c>).</summary>
public enum AccessRole
{
    /// <summary>May only post events.</summary>
    Ingest,

    /// <summary>May read.</summary>
    Viewer,

    /// <summary>May read, acknowledge and resolve; only its own department's alerts when it has one.</summary>
    Supervisor,
}

/// <summary>One configured key. <see cref="ToString"/> never shows the secret.</summary>
public sealed record AccessKey(string Key, AccessRole Role, string? Department)
{
    public override string ToString() => Department is null ? $"{Role} key" : $"{Role} key of {Department}";

    public bool MayIngest => Role == AccessRole.Ingest;

    public bool MayRead => Role is AccessRole.Viewer or AccessRole.Supervisor;

    public bool MayAct => Role == AccessRole.Supervisor;

    /// <summary>A department-scoped supervisor sees and acts on its department's alerts only.</summary>
    public bool Covers(string? department) =>
        Role != AccessRole.Supervisor || Department is null || string.Equals(Department, department, StringComparison.Ordinal);
}

/// <summary>
/// The configured keys. Lookup compares the presented key with every configured one in constant time,
/// so neither a key's content nor its position leaks through timing.
/// </summary>
public sealed class KeyRing(IReadOnlyList<AccessKey> keys)
{
    private readonly (byte[] Hash, AccessKey Key)[] _keys = keys.Select(k => (Hash(k.Key), k)).ToArray();

    /// <summary>No keys configured: every call is allowed (loopback demos).</summary>
    public bool IsOpen => _keys.Length == 0;

    public AccessKey? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 1024) return null;
        var hash = Hash(presented);
        AccessKey? found = null;
        foreach (var (candidate, key) in _keys)
        {
            // Hashing first gives equal lengths; FixedTimeEquals then compares without an early exit.
            if (CryptographicOperations.FixedTimeEquals(hash, candidate)) found ??= key;
        }

        return found;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
