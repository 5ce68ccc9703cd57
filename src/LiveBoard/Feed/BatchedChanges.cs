using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;

namespace TopOfHeart.LiveBoard.Feed;

/// <summary>
/// One silo batch as the batched boards take it: the alerts it raised and the alerts it changed, each in the order
/// they came, for the whole floor or for one department.
/// </summary>
/// <remarks>
/// Raises go out before updates, so a board still sees an alert's raise before its updates when both are in one batch;
/// two updates of one alert keep their order.
/// </remarks>
public sealed class BatchedChanges
{
    private readonly List<Alert> _raised = [];
    private readonly List<Alert> _updated = [];

    private BatchedChanges(string? department) => Department = department;

    /// <summary>Null: the whole floor.</summary>
    public string? Department { get; }

    public IReadOnlyList<Alert> Raised => _raised;

    public IReadOnlyList<Alert> Updated => _updated;

    /// <summary>The whole floor's part first, then each department's, in the order the departments first appear.</summary>
    public static List<BatchedChanges> Split(IEnumerable<AlertChange> changes)
    {
        var floor = new BatchedChanges(null);
        var parts = new List<BatchedChanges> { floor };
        var departments = new Dictionary<string, BatchedChanges>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var department = change.Alert.Department;
            if (!departments.TryGetValue(department, out var part))
            {
                part = new BatchedChanges(department);
                departments.Add(department, part);
                parts.Add(part);
            }

            floor.Add(change);
            part.Add(change);
        }

        return parts;
    }

    private void Add(AlertChange change) => (change.Raised ? _raised : _updated).Add(change.Alert);
}
