using Microsoft.Extensions.Configuration;

namespace TopOfHeart.Contracts.Settings;

/// <summary>Where a process finds its cluster (<c>TopOfHeart:Clustering</c>), for silos and LiveBoards alike.</summary>
public enum ClusteringKind
{
    Localhost,
    Postgres,
}

/// <summary>
/// The checks the silo and the LiveBoard share when they read their settings: one format, one message per
/// mistake, naming its key, so a bad value stops start-up with a line that says what to fix.
/// </summary>
public static class SettingValues
{
    /// <summary>The enum value named at <paramref name="key"/> (any case), or <paramref name="fallback"/> when unset.</summary>
    public static T Enum<T>(IConfigurationSection section, string key, T fallback, List<string> problems)
        where T : struct, System.Enum
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (System.Enum.TryParse<T>(text.Trim(), ignoreCase: true, out var value) && System.Enum.IsDefined(value)) return value;
        problems.Add($"{section.Path}:{key} must be {string.Join(" or ", System.Enum.GetNames<T>())} (got '{text}').");
        return fallback;
    }

    /// <summary>The TCP port at <paramref name="key"/>, or <paramref name="fallback"/> when unset.</summary>
    public static int Port(IConfigurationSection section, string key, int fallback, List<string> problems)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (int.TryParse(text, out var port) && port is > 0 and < 65536) return port;
        problems.Add($"{section.Path}:{key} must be a port number from 1 to 65535 (got '{text}').");
        return fallback;
    }
}
