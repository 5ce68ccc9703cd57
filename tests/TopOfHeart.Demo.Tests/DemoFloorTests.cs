using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Relay;
using TopOfHeart.Silo.Demo;
using Xunit.Abstractions;

namespace TopOfHeart.Demo.Tests;

public sealed class DemoFloorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RunLength = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    [InlineData(2025)]
    public void Every_alert_kind_fires_within_the_first_minute_under_default_settings(int seed)
    {
        var replay = FloorReplay.Run(RunLength, seed);

        var first = FirstFired(replay);
        output.WriteLine($"seed {seed}: {replay.Beats.Count} events, {replay.Alerts.Count} alerts in {RunLength.TotalSeconds} s");
        output.WriteLine("| kind | first fires at (s) |");
        output.WriteLine("|---|---|");
        foreach (var (kind, at) in first.OrderBy(p => p.Value)) output.WriteLine($"| {kind} | {(at - FloorReplay.Start).TotalSeconds:0.00} |");

        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            Assert.True(first.TryGetValue(kind, out var at), $"{kind} never fired");
            Assert.True(at - FloorReplay.Start <= Minute, $"{kind} first fired {(at - FloorReplay.Start).TotalSeconds} s in");
        }
    }

    [Fact]
    public void Every_alert_kind_fires_by_its_designed_bound_for_any_seed()
    {
        // 2 s to the first scenario, six more 4 s apart, the failing moment within 3 s, timers 10 s after the start.
        var bound = TimeSpan.FromSeconds(2 + (6 * 4)) + DemoFloor.TimerLead + FloorReplay.Tick;
        for (var seed = 100; seed < 120; seed++)
        {
            var first = FirstFired(FloorReplay.Run(TimeSpan.FromSeconds(40), seed));
            foreach (var kind in Enum.GetValues<AlertKind>())
            {
                Assert.True(first.TryGetValue(kind, out var at) && at - FloorReplay.Start <= bound, $"seed {seed}: {kind} not by {bound.TotalSeconds} s");
            }
        }
    }

    [Fact]
    public void Late_pickups_resolve_dropped_baton_and_chasing_alerts_by_themselves()
    {
        var replay = FloorReplay.Run(TimeSpan.FromMinutes(4), seed: 7);
        var resolved = replay.Resolved.ToHashSet(StringComparer.Ordinal);

        Assert.Contains(replay.Alerts, a => a.Alert.Kind == AlertKind.DroppedBaton && resolved.Contains(a.Alert.AlertId));
        Assert.Contains(replay.Alerts, a => a.Alert.Kind == AlertKind.DroppedBaton && !resolved.Contains(a.Alert.AlertId));
        Assert.All(replay.Alerts.Where(a => a.Alert.Kind == AlertKind.CustomerChasing && a.Tick < replay.Beats[^1].Tick - TimeSpan.FromMinutes(1)),
            a => Assert.Contains(a.Alert.AlertId, resolved));
    }

    [Fact]
    public void Every_alert_kind_fires_within_the_first_minute_under_tighter_settings_too()
    {
        var settings = new DetectionSettings
        {
            HandoffAcceptSla = TimeSpan.FromSeconds(45),
            Slas = [new PairSla { From = "Sales", To = "Billing", AcceptWithin = TimeSpan.FromSeconds(20) }],
            StallTimeout = TimeSpan.FromMinutes(3),
            MaxHops = 2,
            SentimentDrop = 0.3,
        };

        var replay = FloorReplay.Run(RunLength, seed: 11, settings);

        var first = FirstFired(replay);
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            Assert.True(first.TryGetValue(kind, out var at) && at - FloorReplay.Start <= Minute, $"{kind} did not fire within a minute");
        }

        AssertEachStoryRaisesOnlyItsOwnKind(replay);
    }

    [Fact]
    public void Failure_stories_raise_their_own_kind_and_healthy_relays_raise_nothing()
    {
        var replay = FloorReplay.Run(RunLength, seed: 7);

        AssertEachStoryRaisesOnlyItsOwnKind(replay);
        var healthy = replay.StoryOfCase.Count(p => p.Value == "healthy");
        var failing = replay.StoryOfCase.Count - healthy;
        output.WriteLine($"{healthy} healthy cases, {failing} failing");
        Assert.True(healthy > 8 * failing, $"failures should be a small share of the floor ({failing} of {replay.StoryOfCase.Count})");
    }

    [Fact]
    public void Customers_chase_both_naming_their_case_and_without_a_case_id()
    {
        var replay = FloorReplay.Run(RunLength, seed: 7);
        var triggers = replay.Beats.ToDictionary(b => b.Event.EventId, b => b.Event);

        var chases = replay.Alerts.Where(a => a.Alert.Kind == AlertKind.CustomerChasing).ToList();

        Assert.Contains(chases, a => triggers[a.Alert.TriggerEventId].CaseId is not null);
        Assert.Contains(chases, a => triggers[a.Alert.TriggerEventId].CaseId is null);
    }

    [Fact]
    public void No_event_occurs_more_than_five_minutes_after_the_tick_that_sends_it()
    {
        var replay = FloorReplay.Run(RunLength);

        Assert.All(replay.Beats, b => Assert.True(b.Event.OccurredAt <= b.Tick + TimeSpan.FromMinutes(5), b.Event.EventId));
        // Stronger: the floor never sends an event ahead of its time at all.
        Assert.All(replay.Beats, b => Assert.True(b.Event.OccurredAt <= b.Tick, b.Event.EventId));
    }

    [Fact]
    public void Event_ids_are_unique_and_each_case_belongs_to_one_customer()
    {
        var replay = FloorReplay.Run(RunLength);

        var ids = replay.Beats.Select(b => b.Event.EventId).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.StartsWith("demo-test-", id, StringComparison.Ordinal));

        foreach (var c in replay.Beats.Where(b => b.Event.CaseId is not null).GroupBy(b => b.Event.CaseId))
        {
            Assert.Single(c.Select(b => b.Event.CustomerId).Distinct());
            Assert.Single(c, b => b.Event.Type == EventType.CaseOpened);
        }
    }

    [Fact]
    public void The_same_seed_plays_the_same_floor()
    {
        var a = FloorReplay.Run(TimeSpan.FromSeconds(30), seed: 5).Beats.Select(b => b.Event).ToList();
        var b = FloorReplay.Run(TimeSpan.FromSeconds(30), seed: 5).Beats.Select(b => b.Event).ToList();
        var other = FloorReplay.Run(TimeSpan.FromSeconds(30), seed: 6).Beats.Select(b => b.Event).ToList();

        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void Events_keep_to_the_contract()
    {
        var replay = FloorReplay.Run(RunLength);

        Assert.All(replay.Beats.Select(b => b.Event), e =>
        {
            Assert.InRange(e.EventId.Length, 1, 128);
            Assert.InRange(e.CustomerId.Length, 1, 128);
            Assert.NotEqual(Channel.Unknown, e.Channel);
            if (e.Sentiment is { } mood) Assert.InRange(mood, -1, 1);
            if (e.Score is { } score)
            {
                Assert.Equal(EventType.Feedback, e.Type);
                Assert.InRange(score, 0, 10);
            }

            if (e.Type is not (EventType.Interaction or EventType.CustomerContact or EventType.Feedback)) Assert.NotNull(e.CaseId);
            if (e.Type != EventType.CustomerContact) Assert.NotNull(e.Department);
            if (e.Type == EventType.HandoffRequested)
            {
                Assert.NotNull(e.ToDepartment);
                Assert.NotEqual(e.Department, e.ToDepartment);
            }
        });
    }

    [Fact]
    public void Healthy_batons_are_picked_up_within_seconds()
    {
        var replay = FloorReplay.Run(RunLength);
        var healthy = replay.Beats.Where(b => b.Story == "healthy").Select(b => b.Event).ToList();
        var requested = healthy.Where(e => e.Type == EventType.HandoffRequested).ToDictionary(e => (e.CaseId, e.ToDepartment));

        var waits = healthy
            .Where(e => e.Type == EventType.HandoffAccepted)
            .Select(e => (e.OccurredAt - requested[(e.CaseId, e.Department)].OccurredAt).TotalSeconds)
            .ToList();

        Assert.NotEmpty(waits);
        Assert.All(waits, w => Assert.InRange(w, 0, 15));
    }

    [Fact]
    public void The_floor_keeps_its_pace()
    {
        var replay = FloorReplay.Run(RunLength);

        var perSecond = replay.Beats
            .Where(b => b.Tick >= FloorReplay.Start + TimeSpan.FromSeconds(5))
            .GroupBy(b => (long)(b.Tick - FloorReplay.Start).TotalSeconds)
            .Select(g => g.Count())
            .ToList();
        var mean = perSecond.Average();
        output.WriteLine($"events per second: mean {mean:0.0}, min {perSecond.Min()}, max {perSecond.Max()}");

        Assert.InRange(mean, 22, 40);
    }

    [Fact]
    public void Feedback_recognises_the_employees_who_delight_customers()
    {
        var replay = FloorReplay.Run(TimeSpan.FromMinutes(5), seed: 3);
        var flair = FloorRoster.Default.Departments.SelectMany(d => d.Employees).ToDictionary(e => e.Id, e => e.Flair);

        var scores = replay.Beats
            .Select(b => b.Event)
            .Where(e => e.Type == EventType.Feedback)
            .GroupBy(e => flair[e.EmployeeId!])
            .ToDictionary(g => g.Key, g => g.Average(e => e.Score!.Value));
        foreach (var (kind, average) in scores) output.WriteLine($"{kind}: {average:0.0}");

        Assert.True(scores[Flair.Delights] >= 8.5, $"delighters average {scores[Flair.Delights]:0.0}");
        Assert.True(scores[Flair.Delights] > scores[Flair.Steady] + 1);
        Assert.True(scores[Flair.Steady] > scores[Flair.Struggles]);
    }

    private static Dictionary<AlertKind, DateTimeOffset> FirstFired(FloorReplay replay) =>
        replay.Alerts.GroupBy(a => a.Alert.Kind).ToDictionary(g => g.Key, g => g.Min(a => a.Tick));

    private static void AssertEachStoryRaisesOnlyItsOwnKind(FloorReplay replay)
    {
        var kindsOfCase = replay.Alerts.GroupBy(a => a.Alert.CaseId).ToDictionary(g => g.Key, g => g.Select(a => a.Alert.Kind).Distinct().ToList());
        foreach (var (caseId, story) in replay.StoryOfCase)
        {
            var kinds = kindsOfCase.GetValueOrDefault(caseId) ?? [];
            if (story == "healthy") Assert.True(kinds.Count == 0, $"healthy {caseId} raised {string.Join(", ", kinds)}");
            else Assert.True(kinds.All(k => k.ToString() == story), $"{story} {caseId} raised {string.Join(", ", kinds)}");
        }
    }
}
