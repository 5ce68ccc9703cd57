using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.LoadTests.Traffic;

/// <summary>An alert the relay core says the server owes.</summary>
public sealed record ExpectedAlert(
    string AlertId,
    AlertKind Kind,
    string Department,
    string CaseId,
    string TriggerEventId,
    DateTimeOffset? DueAt,
    string Story);

/// <summary>
/// The expected answers: every case's events go through the product's own <see cref="CaseRelay"/> with the same
/// detection settings the silo runs with, in the order and at the time they were sent. The relay runs once the
/// story is told (a short-lived object, not one per case under way: the generator's heap stays small); a finished
/// case whose relay has no deadline left is settled and forgotten, a planted timer failure waits for
/// <see cref="Settle"/>.
/// </summary>
public sealed class RelayOracle(DetectionSettings settings)
{
    private readonly Dictionary<string, ExpectedAlert> _expected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Story> _waiting = new(StringComparer.Ordinal);
    private readonly List<string> _selfCheck = [];
    private readonly RelayEffects _effects = new();

    public DetectionSettings Settings => settings;

    public IReadOnlyDictionary<string, ExpectedAlert> Expected => _expected;

    /// <summary>Stories whose alerts differ from what the generator planted: a bug in the generator, not the server.</summary>
    public IReadOnlyList<string> SelfCheckFailures => _selfCheck;

    public int Waiting => _waiting.Count;

    /// <summary>The story has sent its last event: its case's events, each with when it was sent, go through the relay core.</summary>
    public void Finish(Story story, IEnumerable<(TouchpointEvent Event, DateTimeOffset SentAt)> sent, DateTimeOffset now)
    {
        if (story.CaseId is null) return;
        var relay = story.Oracle = new CaseRelay(story.CaseId, settings);
        _effects.Clear();
        foreach (var (e, at) in sent) relay.Apply(e, at, _effects);
        relay.CheckDeadlines(now, _effects);
        Collect(story);
        if (relay.NextDeadline is null) Close(story);
        else _waiting[story.CaseId!] = story;
    }

    /// <summary>Fires every deadline due by <paramref name="now"/> in the stories still waiting, and closes those with none left.</summary>
    public void Settle(DateTimeOffset now)
    {
        foreach (var story in _waiting.Values.ToList())
        {
            _effects.Clear();
            story.Oracle!.CheckDeadlines(now, _effects);
            Collect(story);
            if (story.Oracle.NextDeadline is null)
            {
                _waiting.Remove(story.CaseId!);
                Close(story);
            }
        }
    }

    /// <summary>The latest deadline still to pass among the waiting stories.</summary>
    public DateTimeOffset? LastPendingDeadline() =>
        _waiting.Values.Select(s => s.Oracle!.NextDeadline).Max();

    private void Collect(Story story)
    {
        foreach (var alert in _effects.Raised)
        {
            _expected[alert.AlertId] = new ExpectedAlert(alert.AlertId, alert.Kind, alert.Department, alert.CaseId,
                alert.TriggerEventId, alert.DueAt, story.Kind);
        }
    }

    private void Close(Story story)
    {
        var raised = story.Oracle!.RaisedAlertIds;
        if (story.Planted is { } kind)
        {
            var expectedPrefix = kind + ":";
            if (raised.Count != 1 || !raised.First().StartsWith(expectedPrefix, StringComparison.Ordinal))
                AddSelfCheck($"planted {kind} case {story.CaseId} raised [{string.Join(", ", raised)}] in the relay core");
        }
        else if (raised.Count != 0)
        {
            AddSelfCheck($"healthy case {story.CaseId} raised [{string.Join(", ", raised)}] in the relay core");
        }

        // Keep memory flat over long runs: the relay is no longer needed.
        story.Oracle = null;
    }

    private void AddSelfCheck(string problem)
    {
        if (_selfCheck.Count < 50) _selfCheck.Add(problem);
    }
}
