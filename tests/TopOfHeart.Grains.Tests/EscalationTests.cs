using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Tests.TestKit;

namespace TopOfHeart.Grains.Tests;

/// <summary>An unacknowledged critical or high alert escalates after EscalateAfter (5 min), and again after each further period.</summary>
public sealed class EscalationTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    private static readonly TimeSpan EscalateAfter = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan OneTick = TimeSpan.FromTicks(1);

    private Alert NewAlert(AlertKind kind)
    {
        var caseId = Script.Unique("escalation");
        var trigger = Script.Unique("ev");
        return new Alert
        {
            AlertId = AlertVocabulary.AlertId(kind, caseId, trigger),
            Kind = kind,
            Severity = AlertVocabulary.SeverityOf(kind),
            CaseId = caseId,
            CustomerId = "customer-escalation",
            Department = "Billing",
            FromDepartment = "Sales",
            ToDepartment = "Billing",
            TriggerEventId = trigger,
            RaisedAt = relay.Now,
            UpdatedAt = relay.Now,
            Message = $"{kind} for the escalation test",
        };
    }

    private async Task RaiseAsync(params Alert[] alerts)
    {
        foreach (var alert in alerts) Assert.Single(await relay.Grains.BookFor(alert.AlertId).Raise([alert]));
    }

    private async Task<int> LevelAsync(Alert alert) => (await relay.AlertAsync(alert.AlertId))!.EscalationLevel;

    private Task CheckAllBooksAsync() =>
        Task.WhenAll(Enumerable.Range(0, AlertBooks.Partitions).Select(p => relay.Grains.GetGrain<IAlertBookGrain>(p).CheckEscalations()));

    [Fact]
    public async Task Unacknowledged_high_and_critical_alerts_escalate_to_level_1_after_EscalateAfter_and_level_2_after_another_period()
    {
        var high = NewAlert(AlertKind.DroppedBaton);
        var critical = NewAlert(AlertKind.CustomerChasing);
        await RaiseAsync(high, critical);

        relay.Clock.Advance(EscalateAfter - OneTick);
        await CheckAllBooksAsync();
        Assert.Equal(0, await LevelAsync(high));
        Assert.Equal(0, await LevelAsync(critical));

        relay.Clock.Advance(OneTick);
        var firstHigh = await relay.EventuallyAlertAsync(high.AlertId, a => a.EscalationLevel == 1, "high alert at level 1");
        await relay.EventuallyAlertAsync(critical.AlertId, a => a.EscalationLevel == 1, "critical alert at level 1");
        Assert.Equal(AlertStatus.Open, firstHigh.Status);
        Assert.Equal(relay.Now, firstHigh.EscalatedAt);

        relay.Clock.Advance(EscalateAfter - OneTick);
        await CheckAllBooksAsync();
        Assert.Equal(1, await LevelAsync(high));

        relay.Clock.Advance(OneTick);
        await relay.EventuallyAlertAsync(high.AlertId, a => a.EscalationLevel == 2, "high alert at level 2");
        await relay.EventuallyAlertAsync(critical.AlertId, a => a.EscalationLevel == 2, "critical alert at level 2");
    }

    [Fact]
    public async Task Acknowledged_alerts_and_medium_alerts_never_escalate()
    {
        var acknowledged = NewAlert(AlertKind.DroppedBaton);
        var medium = NewAlert(AlertKind.HandoffRejected);
        var witness = NewAlert(AlertKind.PingPong);
        await RaiseAsync(acknowledged, medium, witness);
        Assert.NotNull(await relay.Grains.BookFor(acknowledged.AlertId).Acknowledge(acknowledged.AlertId, "supervisor-1"));

        relay.Clock.Advance(EscalateAfter * 3);
        // The unacknowledged high alert shows the timers ran; the other two must not have moved.
        await relay.EventuallyAlertAsync(witness.AlertId, a => a.EscalationLevel >= 1, "the high witness escalated");
        await CheckAllBooksAsync();

        Assert.Equal(0, await LevelAsync(acknowledged));
        Assert.Equal(0, await LevelAsync(medium));
        Assert.Equal(AlertStatus.Acknowledged, (await relay.AlertAsync(acknowledged.AlertId))!.Status);
    }

    [Fact]
    public async Task A_dropped_baton_raised_by_a_case_escalates_when_nobody_acknowledges_it()
    {
        var s = new Script("case-escalation");
        var request = s.Request(relay.Now, "Sales", "Billing");
        await relay.IngestAsync(s.Opened(relay.Now, "Sales"), request);
        var alertId = s.AlertId(AlertKind.DroppedBaton, request);

        relay.Clock.Advance(TimeSpan.FromMinutes(2));
        var raised = await relay.EventuallyAlertAsync(alertId);
        relay.Clock.Advance(EscalateAfter);

        var escalated = await relay.EventuallyAlertAsync(alertId, a => a.EscalationLevel == 1, "dropped baton at level 1");
        Assert.Equal(raised.RaisedAt + EscalateAfter, escalated.EscalatedAt);
    }
}
