using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Tests.TestKit;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Grains.Tests;

/// <summary>A customer who gets in touch while a baton of theirs is in flight is chasing it.</summary>
public sealed class CustomerChasingTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    [Fact]
    public async Task Contact_without_a_case_chases_every_case_of_that_customer_with_a_baton_in_flight_and_no_other()
    {
        var customer = Script.Unique("chasing-customer");
        var t0 = relay.Now - TimeSpan.FromSeconds(30);
        var inFlightToBilling = new Script("chased-billing", customer);
        var inFlightToSupport = new Script("chased-support", customer);
        var noBaton = new Script("owned-only", customer);
        var accepted = new Script("accepted", customer);
        var resolved = new Script("resolved", customer);
        var otherCustomer = new Script("someone-else");
        await relay.IngestAsync(
            inFlightToBilling.Opened(t0, "Sales"), inFlightToBilling.Request(t0, "Sales", "Billing"),
            inFlightToSupport.Opened(t0, "Sales"), inFlightToSupport.Request(t0, "Sales", "Support"),
            noBaton.Opened(t0, "Sales"),
            accepted.Opened(t0, "Sales"), accepted.Request(t0, "Sales", "Billing"), accepted.Accept(t0, "Billing"),
            resolved.Opened(t0, "Sales"), resolved.Request(t0, "Sales", "Billing"), resolved.Resolved(t0, "Sales"),
            otherCustomer.Opened(t0, "Sales"), otherCustomer.Request(t0, "Sales", "Billing"));

        var contact = inFlightToBilling.ContactWithoutCase(relay.Now);
        var outcome = await relay.IngestAsync(contact);

        Assert.Equal(EventStatus.Accepted, outcome.Status[0]);
        relay.PassReorderGrace();
        var toBilling = await relay.EventuallyAlertAsync(inFlightToBilling.AlertId(AlertKind.CustomerChasing, contact));
        var toSupport = await relay.EventuallyAlertAsync(inFlightToSupport.AlertId(AlertKind.CustomerChasing, contact));
        Assert.Equal((AlertKind.CustomerChasing, Severity.Critical, "Billing", customer, contact.EventId),
            (toBilling.Kind, toBilling.Severity, toBilling.Department, toBilling.CustomerId, toBilling.TriggerEventId));
        Assert.Equal("Support", toSupport.Department);
        foreach (var quiet in new[] { noBaton, accepted, resolved, otherCustomer })
        {
            Assert.DoesNotContain(await relay.AlertsOfCaseAsync(quiet.CaseId), a => a.Kind == AlertKind.CustomerChasing);
        }

        // The customer counts the contact once, though two cases heard of it.
        var view = (await relay.Grains.GetGrain<ICustomerGrain>(customer).GetView())!;
        Assert.Equal(1, view.Contacts);
    }

    [Fact]
    public async Task A_repeated_contact_without_a_case_is_a_duplicate_and_chases_nothing_again()
    {
        var s = new Script("chased-twice");
        var t0 = relay.Now - TimeSpan.FromSeconds(30);
        await relay.IngestAsync(s.Opened(t0, "Sales"), s.Request(t0, "Sales", "Billing"));
        var contact = s.ContactWithoutCase(relay.Now);
        await relay.IngestAsync(contact);
        relay.PassReorderGrace();
        await relay.EventuallyAlertAsync(s.AlertId(AlertKind.CustomerChasing, contact));

        var again = await relay.IngestAsync(contact);
        relay.PassReorderGrace();

        Assert.Equal(EventStatus.Duplicate, again.Status[0]);
        Assert.Equal(1, relay.Feed.TimesRaised(s.AlertId(AlertKind.CustomerChasing, contact)));
    }

    [Fact]
    public async Task Contact_naming_a_case_chases_only_that_case()
    {
        var customer = Script.Unique("named-case-customer");
        var named = new Script("named", customer);
        var other = new Script("not-named", customer);
        var t0 = relay.Now - TimeSpan.FromSeconds(30);
        await relay.IngestAsync(
            named.Opened(t0, "Sales"), named.Request(t0, "Sales", "Billing"),
            other.Opened(t0, "Sales"), other.Request(t0, "Sales", "Billing"));

        var contact = named.Contact(relay.Now);
        await relay.IngestAsync(contact);
        relay.PassReorderGrace();

        await relay.EventuallyAlertAsync(named.AlertId(AlertKind.CustomerChasing, contact));
        Assert.Empty(await relay.AlertsOfCaseAsync(other.CaseId));
    }

    [Fact]
    public async Task An_earlier_accept_that_arrives_after_the_contact_within_the_reorder_grace_raises_no_chase()
    {
        var overtaken = new Script("overtaken-accept");
        var chased = new Script("chased-control");
        var t0 = relay.Now - TimeSpan.FromSeconds(30);
        await relay.IngestAsync(
            overtaken.Opened(t0, "Sales"), overtaken.Request(t0, "Sales", "Billing"),
            chased.Opened(t0, "Sales"), chased.Request(t0, "Sales", "Billing"));

        // Billing accepted a second before the customer called, but the accept's request was overtaken by the call's.
        var call = overtaken.Contact(relay.Now);
        var accept = overtaken.Accept(relay.Now - TimeSpan.FromSeconds(1), "Billing");
        var controlCall = chased.Contact(relay.Now);
        await relay.IngestAsync(call, controlCall);
        relay.Clock.Advance(relay.ReorderGrace / 2);
        await relay.IngestAsync(accept);
        relay.Clock.Advance(relay.ReorderGrace / 2);

        // The same timer round raises the control case's chase: by then the overtaken case has had its check too.
        await relay.EventuallyAlertAsync(chased.AlertId(AlertKind.CustomerChasing, controlCall));
        var view = (await relay.Grains.GetGrain<ICaseGrain>(overtaken.CaseId).GetView())!;
        Assert.Empty(view.AlertIds);
        Assert.Empty(await relay.AlertsOfCaseAsync(overtaken.CaseId));
        Assert.Equal(0, relay.Feed.TimesRaised(overtaken.AlertId(AlertKind.CustomerChasing, call)));
    }

    [Fact]
    public async Task An_earlier_accept_reported_after_the_reorder_grace_withdraws_the_chase()
    {
        var s = new Script("withdrawn-chase");
        var t0 = relay.Now - TimeSpan.FromSeconds(30);
        await relay.IngestAsync(s.Opened(t0, "Sales"), s.Request(t0, "Sales", "Billing"));
        var call = s.Contact(relay.Now);
        await relay.IngestAsync(call);
        relay.PassReorderGrace();
        var chasingId = s.AlertId(AlertKind.CustomerChasing, call);
        Assert.Equal(AlertStatus.Open, (await relay.EventuallyAlertAsync(chasingId)).Status);

        relay.Clock.Advance(TimeSpan.FromSeconds(5));
        await relay.IngestAsync(s.Accept(call.OccurredAt - TimeSpan.FromSeconds(1), "Billing"));

        var alert = await relay.EventuallyAlertAsync(chasingId, a => a.Status == AlertStatus.Resolved);
        Assert.Equal(AlertVocabulary.Withdrawn, alert.Resolution);
        Assert.Equal(relay.Now, alert.ResolvedAt);
    }
}
