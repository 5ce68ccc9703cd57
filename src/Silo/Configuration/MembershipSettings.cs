using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace TopOfHeart.Silo.Configuration;

/// <summary>
/// <c>TopOfHeart:Orleans:Membership</c>, bound onto Orleans' <see cref="ClusterMembershipOptions"/> (probe timeouts,
/// missed-probe limits, …): how fast the cluster notices a dead silo.
/// </summary>
public static class MembershipSettings
{
    public const string Section = "TopOfHeart:Orleans:Membership";

    /// <summary>Each key must be one of Orleans' settings (a typo would otherwise be ignored), each number or time span positive.</summary>
    public static IEnumerable<string> Validate(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        ClusterMembershipOptions options;
        try
        {
            options = section.Get<ClusterMembershipOptions>() ?? new ClusterMembershipOptions();
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key it could not convert.
            return [ex.Message];
        }

        var settable = typeof(ClusterMembershipOptions).GetProperties()
            .Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var entry in section.GetChildren())
        {
            if (!settable.TryGetValue(entry.Key, out var property))
                problems.Add($"{entry.Path} is not one of Orleans' cluster membership settings (ClusterMembershipOptions).");
            else if (property.GetValue(options) is TimeSpan { Ticks: <= 0 } or int and < 1)
                problems.Add($"{entry.Path} must be positive (got '{entry.Value}').");
        }

        return problems;
    }
}
