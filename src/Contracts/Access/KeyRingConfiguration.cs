using Microsoft.Extensions.Configuration;

namespace TopOfHeart.Contracts.Access;

/// <summary>Reads <c>TopOfHeart:Auth:Keys</c>, the same way in the silo and the LiveBoard.</summary>
public static class KeyRingConfiguration
{
    public const string Section = "TopOfHeart:Auth:Keys";

    /// <summary>The keys; every problem goes to <paramref name="problems"/> as one line naming its key.</summary>
    public static List<AccessKey> Read(IConfigurationSection keysSection, List<string> problems)
    {
        var keys = new List<AccessKey>();
        foreach (var entry in keysSection.GetChildren())
        {
            var path = entry.Path;
            var key = entry["Key"];
            var roleText = entry["Role"];
            var department = entry["Department"];
            if (string.IsNullOrWhiteSpace(key) || key.Length < 16)
            {
                problems.Add($"{path}:Key must be at least 16 characters.");
                continue;
            }

            if (!Enum.TryParse<AccessRole>(roleText, ignoreCase: true, out var role) || !Enum.IsDefined(role))
            {
                problems.Add($"{path}:Role must be ingest, viewer or supervisor (got '{roleText}').");
                continue;
            }

            if (!string.IsNullOrEmpty(department) && role != AccessRole.Supervisor)
            {
                problems.Add($"{path}:Department applies only to the supervisor role.");
                continue;
            }

            if (keys.Any(k => k.Key == key))
            {
                problems.Add($"{path}:Key is used twice.");
                continue;
            }

            keys.Add(new AccessKey(key, role, string.IsNullOrEmpty(department) ? null : department));
        }

        return keys;
    }
}
