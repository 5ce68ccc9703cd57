using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Tests.TestKit;

namespace TopOfHeart.Grains.Tests;

/// <summary>The entity feed in a cluster of two silos.</summary>
public sealed class EntityFeedClusterTests(TwoSiloRelayCluster relay) : IClassFixture<TwoSiloRelayCluster>
{
    /// <summary>
    /// With another silo, a contact naming no case may land there: a customer hears of a new case within a period,
    /// and the rest of the story once it has been quiet.
    /// </summary>
    [Fact]
    public async Task With_another_silo_a_case_opening_reaches_its_customer_at_once_and_the_rest_once_it_is_quiet()
    {
        var customer = await EntityFeedTests.FeedAStory(relay, "quiet2");
        // The opening goes on its own, before the rest is due (a fresh cluster's first cross-silo call can take a second).
        var due = DateTime.UtcNow + EntityFeed.CustomerQuiet;
        while (relay.CustomerCalls.DeliveriesTo(customer).Count == 0 && DateTime.UtcNow < due) await Task.Delay(20);
        Assert.Equal([EventType.CaseOpened], Assert.Single(relay.CustomerCalls.DeliveriesTo(customer)));

        await Task.Delay(EntityFeed.CustomerQuiet + (EntityFeed.Period * 4));
        Assert.Equal([[EventType.CaseOpened], [EventType.Interaction]], relay.CustomerCalls.DeliveriesTo(customer));
    }
}
