using Microsoft.Extensions.DependencyInjection;
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
        // A silo that does not see its peer yet counts itself alone (and releases what it held once it does).
        var membership = relay.SiloServices.GetRequiredService<IClusterMembershipService>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first silo never saw the second as active");
            await Task.Delay(50);
        }

        var customer = await EntityFeedTests.FeedAStory(relay, "quiet2");
        await Task.Delay(EntityFeed.Period * 4);
        Assert.Equal([EventType.CaseOpened], Assert.Single(relay.CustomerCalls.DeliveriesTo(customer)));

        await Task.Delay(EntityFeed.CustomerQuiet + (EntityFeed.Period * 4));
        Assert.Equal([[EventType.CaseOpened], [EventType.Interaction]], relay.CustomerCalls.DeliveriesTo(customer));
    }
}
