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
        var (customer, fed) = await EntityFeedTests.FeedAStory(relay, "quiet2");
        var deliveries = await EntityFeedTests.DeliveriesAsync(relay, customer, 2);

        // The opening goes on its own (not held with the rest, or it would have come in one delivery with it), the rest
        // once the customer has been quiet.
        Assert.Equal([[EventType.CaseOpened], [EventType.Interaction]], deliveries.Select(d => d.Types));
        EntityFeedTests.AssertNotBefore(fed + (long)EntityFeed.CustomerQuiet.TotalMilliseconds, deliveries[1].At, "the rest of the story");
    }
}
