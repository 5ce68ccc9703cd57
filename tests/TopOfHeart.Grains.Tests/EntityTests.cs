using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Tests.TestKit;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Grains.Tests;

/// <summary>The live state of customers, employees and touchpoints, and the distinct events every entity counts.</summary>
public sealed class EntityTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    private static TimeSpan Minutes(double m) => TimeSpan.FromMinutes(m);

    [Fact]
    public async Task Customer_keeps_first_and_last_sentiment_by_occurredAt_and_whether_they_left_happier()
    {
        var t0 = relay.Now - Minutes(10);
        var happier = new Script("happier");
        var sadder = new Script("sadder");
        var once = new Script("once");

        // The latest readings arrive first: first and last follow occurredAt, not arrival.
        await relay.IngestAsync(
            happier.Interaction(t0 + Minutes(1), "Sales") with { Sentiment = 0.1 },
            happier.Interaction(t0 + Minutes(2), "Sales") with { Sentiment = 0.6 },
            sadder.Interaction(t0, "Sales") with { Sentiment = 0.8 },
            sadder.Interaction(t0 + Minutes(1), "Sales") with { Sentiment = -0.2 },
            once.Interaction(t0, "Sales") with { Sentiment = 0.3 });
        await relay.IngestAsync(happier.Interaction(t0, "Sales") with { Sentiment = -0.5 });

        var h = (await relay.Grains.GetGrain<ICustomerGrain>(happier.CustomerId).GetView())!;
        Assert.Equal((-0.5, 0.6, true), (h.FirstSentiment, h.LastSentiment, h.LeftHappier));
        var s = (await relay.Grains.GetGrain<ICustomerGrain>(sadder.CustomerId).GetView())!;
        Assert.Equal((0.8, -0.2, false), (s.FirstSentiment, s.LastSentiment, s.LeftHappier));
        var o = (await relay.Grains.GetGrain<ICustomerGrain>(once.CustomerId).GetView())!;
        Assert.Equal((0.3, 0.3, null), (o.FirstSentiment, o.LastSentiment, o.LeftHappier));
        Assert.Equal([happier.CaseId], h.Cases);
    }

    [Fact]
    public async Task Employee_counts_interactions_batons_accepted_and_refused_time_to_accept_and_feedback()
    {
        var employee = Script.Unique("employee");
        var t0 = relay.Now - Minutes(10);
        var served = new Script("served");
        var refused = new Script("refused-by-employee");
        await relay.IngestAsync(
            served.Opened(t0, "Sales"),
            served.Request(t0, "Sales", "Billing"),
            served.Accept(t0 + TimeSpan.FromSeconds(45), "Billing") with { EmployeeId = employee },
            served.Interaction(t0 + Minutes(1), "Billing") with { EmployeeId = employee, Sentiment = 0.5 },
            served.Interaction(t0 + Minutes(2), "Billing") with { EmployeeId = employee, Sentiment = 0.1 },
            served.Feedback(t0 + Minutes(3), 8) with { EmployeeId = employee },
            refused.Opened(t0, "Sales"),
            refused.Request(t0, "Sales", "Billing"),
            refused.Reject(t0 + Minutes(1), "Billing", "wrong queue") with { EmployeeId = employee },
            refused.Feedback(t0 + Minutes(2), 6) with { EmployeeId = employee });

        var view = (await relay.Grains.GetGrain<IEmployeeGrain>(employee).GetView())!;

        Assert.Equal(6, view.EventCount);
        Assert.Equal(2, view.Interactions);
        Assert.Equal(1, view.BatonsAccepted);
        Assert.Equal(1, view.BatonsRefused);
        Assert.InRange(view.MedianTimeToAcceptSeconds!.Value, 45 * 0.95, 45 * 1.05);
        Assert.Equal(2, view.FeedbackCount);
        Assert.Equal(7.0, view.AverageFeedback!.Value, 6);
        Assert.Equal(2, view.SentimentReadings);
        Assert.Equal(0.3, view.AverageSentiment!.Value, 6);
        Assert.Equal(["Billing"], view.Departments);
        Assert.Equal(2, view.CustomersServed);
    }

    [Fact]
    public async Task Touchpoint_counts_volume_by_channel_the_repeated_info_rate_and_the_alerts_raised_there()
    {
        var touchpoint = Script.Unique("store-12/counter");
        var t0 = relay.Now - Minutes(10);
        var refused = new Script("refused-at-counter");
        var repeated = new Script("repeated-at-counter");
        var reject = refused.Reject(t0 + Minutes(1), "Billing") with { TouchpointId = touchpoint, Channel = Channel.Chat };
        await relay.IngestAsync(
            refused.Opened(t0, "Sales") with { TouchpointId = touchpoint },
            refused.Request(t0, "Sales", "Billing") with { TouchpointId = touchpoint },
            reject,
            repeated.Opened(t0, "Sales") with { TouchpointId = touchpoint, Channel = Channel.Store, CustomerRepeatedInfo = true, Sentiment = -0.4 });

        var view = (await relay.Grains.GetGrain<ITouchpointGrain>(touchpoint).GetView())!;

        Assert.Equal(4, view.EventCount);
        Assert.Equal(new Dictionary<string, int> { ["phone"] = 2, ["chat"] = 1, ["store"] = 1 }, view.VolumeByChannel);
        Assert.Equal(1, view.RepeatedInfoCount);
        Assert.Equal(0.25, view.RepeatedInfoRate, 6);
        Assert.Equal(1, view.Alerts);
        Assert.Equal(new Dictionary<string, int> { [nameof(AlertKind.HandoffRejected)] = 1 }, view.AlertsByKind);
        Assert.Equal(touchpoint, (await relay.AlertAsync(refused.AlertId(AlertKind.HandoffRejected, reject)))!.TouchpointId);
        Assert.Equal(-0.4, view.AverageSentiment!.Value, 6);
    }

    [Fact]
    public async Task Every_entity_counts_each_distinct_event_once_however_often_it_arrives()
    {
        var sales = Script.Department("Sales");
        var billing = Script.Department("Billing");
        var employee = Script.Unique("counting-employee");
        var touchpoint = Script.Unique("phone/counting-queue");
        var t0 = relay.Now - Minutes(5);
        var s = new Script("counted");
        TouchpointEvent At(TouchpointEvent e) => e with { EmployeeId = employee, TouchpointId = touchpoint };
        var opened = At(s.Opened(t0, sales));
        var interaction = At(s.Interaction(t0 + Minutes(1), sales));
        var request = At(s.Request(t0 + Minutes(2), sales, billing));
        var accept = At(s.Accept(t0 + Minutes(3), billing));
        var contact = s.ContactWithoutCase(t0 + Minutes(4)) with { TouchpointId = touchpoint };

        var first = await relay.IngestAsync(opened, interaction, request);
        var second = await relay.IngestAsync(interaction, request, accept, contact, accept);
        var third = await relay.IngestAsync(contact, accept, request, interaction, opened);
        await relay.FlushFiguresAsync();

        Assert.All(first.Status, status => Assert.Equal(EventStatus.Accepted, status));
        Assert.Equal(
            [EventStatus.Duplicate, EventStatus.Duplicate, EventStatus.Accepted, EventStatus.Accepted, EventStatus.Duplicate],
            second.Status);
        Assert.All(third.Status, status => Assert.Equal(EventStatus.Duplicate, status));

        // The contact names no case, but the customer hands it to the open case, which applies it too.
        Assert.Equal(5, (await relay.Grains.GetGrain<ICaseGrain>(s.CaseId).GetView())!.EventCount);
        Assert.Equal(5, (await relay.Grains.GetGrain<ICustomerGrain>(s.CustomerId).GetView())!.EventCount);
        Assert.Equal(4, (await relay.Grains.GetGrain<IEmployeeGrain>(employee).GetView())!.EventCount);
        Assert.Equal(5, (await relay.Grains.GetGrain<ITouchpointGrain>(touchpoint).GetView())!.EventCount);
        Assert.Equal(3, (await relay.Grains.GetGrain<IDepartmentGrain>(sales).GetView())!.EventCount);
        Assert.Equal(1, (await relay.Grains.GetGrain<IDepartmentGrain>(billing).GetView())!.EventCount);
    }

    [Fact]
    public async Task Unknown_entities_have_no_view()
    {
        var id = Script.Unique("never-seen");
        Assert.Null(await relay.Grains.GetGrain<ICaseGrain>(id).GetView());
        Assert.Null(await relay.Grains.GetGrain<ICustomerGrain>(id).GetView());
        Assert.Null(await relay.Grains.GetGrain<IEmployeeGrain>(id).GetView());
        Assert.Null(await relay.Grains.GetGrain<ITouchpointGrain>(id).GetView());
    }
}
