using Microsoft.Extensions.DependencyInjection;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Tests.TestKit;

namespace TopOfHeart.Grains.Tests;

/// <summary>The per-silo feed that carries events to customers, employees and touchpoints, when its calls fail.</summary>
public sealed class EntityFeedTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    /// <summary>
    /// When a silo dies, every delivery to the grains it held fails at about the same moment, and their failures are
    /// handled on several threads at once. Every failed event must be kept for the next flush, none lost and the feed
    /// (a background service whose crash stops the silo) still running.
    /// </summary>
    [Fact]
    public async Task Deliveries_that_all_fail_at_once_are_all_kept_and_arrive_on_a_later_flush()
    {
        const int customers = 10_000;
        var feed = relay.SiloServices.GetRequiredService<EntityFeed>();
        var events = Enumerable.Range(0, customers).Select(i => new Script($"burst{i}").Interaction(relay.Now, "Sales")).ToList();

        relay.CustomerCalls.Failing = true;
        try
        {
            _ = feed.Add(events, new TimeSpan?[customers]);
            await feed.FlushAsync();
        }
        finally
        {
            relay.CustomerCalls.Failing = false;
        }

        await feed.FlushAsync();
        var views = await Task.WhenAll(events.Select(e => relay.Grains.GetGrain<ICustomerGrain>(e.CustomerId).GetView()));
        var missing = events.Where((e, i) => views[i]?.EventCount != 1).Select(e => e.CustomerId).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {customers} customers never got their event: {string.Join(", ", missing.Take(5))}");
    }

    /// <summary>
    /// On a lone silo a customer's case events, its case's opening too, wait until the customer has been quiet and go
    /// in one call: a contact naming no case can only land on this silo, and takes them along there.
    /// </summary>
    [Fact]
    public async Task On_a_lone_silo_a_customers_story_reaches_it_in_one_call_once_it_is_quiet()
    {
        var customer = await FeedAStory(relay, "quiet1");
        await Task.Delay(EntityFeed.Period * 4);
        Assert.Empty(relay.CustomerCalls.DeliveriesTo(customer));

        await Task.Delay(EntityFeed.CustomerQuiet + (EntityFeed.Period * 4));
        var delivery = Assert.Single(relay.CustomerCalls.DeliveriesTo(customer));
        Assert.Equal([EventType.CaseOpened, EventType.Interaction], delivery);
    }

    /// <summary>
    /// A customer whose held events a direct call took, and who is held again later, waits out its quiet time from its
    /// new event: what the feed noted of its first hold is stale and must not release the second early.
    /// </summary>
    [Fact]
    public async Task A_customer_held_again_after_a_direct_call_waits_its_quiet_time_from_its_new_event()
    {
        var feed = relay.SiloServices.GetRequiredService<EntityFeed>();
        await feed.FlushAsync();
        var story = new Script("again1");
        var first = story.Interaction(relay.Now, "Sales");
        _ = feed.Add([first], new TimeSpan?[1]);
        Assert.Equal([first], feed.TakeCustomer(first.CustomerId));

        await Task.Delay(EntityFeed.CustomerQuiet * 0.75);
        _ = feed.Add([story.Interaction(relay.Now, "Sales")], new TimeSpan?[1]);

        // The first hold's note is past the quiet time now, and the feed's own flushes have looked at it; the new event is not.
        await Task.Delay(EntityFeed.CustomerQuiet * 0.5);
        Assert.Empty(relay.CustomerCalls.DeliveriesTo(first.CustomerId));

        await Task.Delay(EntityFeed.CustomerQuiet * 0.5 + (EntityFeed.Period * 4));
        Assert.Equal([EventType.Interaction], Assert.Single(relay.CustomerCalls.DeliveriesTo(first.CustomerId)));
    }

    /// <summary>A customer that never goes quiet still hears of its events once they have been held for the longest hold.</summary>
    [Fact]
    public async Task A_customer_that_never_goes_quiet_gets_its_events_after_the_longest_hold()
    {
        var feed = relay.SiloServices.GetRequiredService<EntityFeed>();
        await feed.FlushAsync();
        var story = new Script("busy1");
        var customer = story.Interaction(relay.Now, "Sales").CustomerId;
        var started = DateTime.UtcNow;
        while (relay.CustomerCalls.DeliveriesTo(customer).Count == 0 && DateTime.UtcNow - started < EntityFeed.CustomerMaxHold * 2)
        {
            _ = feed.Add([story.Interaction(relay.Now, "Sales")], new TimeSpan?[1]);
            await Task.Delay(EntityFeed.CustomerQuiet / 4);
        }

        var waited = DateTime.UtcNow - started;
        Assert.NotEmpty(relay.CustomerCalls.DeliveriesTo(customer));
        Assert.InRange(waited, EntityFeed.CustomerMaxHold - TimeSpan.FromSeconds(1), EntityFeed.CustomerMaxHold + TimeSpan.FromSeconds(3));
    }

    /// <summary>Gives the first silo's feed a case's opening and one more event of it; returns their customer's id.</summary>
    internal static async Task<string> FeedAStory(RelayCluster cluster, string name)
    {
        var feed = cluster.SiloServices.GetRequiredService<EntityFeed>();
        await feed.FlushAsync(); // the feed has looked at the cluster's membership
        var story = new Script(name);
        var events = new[] { story.Opened(cluster.Now, "Sales"), story.Interaction(cluster.Now, "Sales") };
        _ = feed.Add(events, new TimeSpan?[events.Length]);
        return events[0].CustomerId;
    }

    /// <summary>A customer that only hears from the feed is put away after the delivery, not held for its idle age.</summary>
    [Fact]
    public async Task Customers_that_only_the_feed_calls_are_put_away_after_their_delivery()
    {
        const int customers = 300;
        var feed = relay.SiloServices.GetRequiredService<EntityFeed>();
        var census = relay.SiloServices.GetRequiredService<GrainCensus>();
        var before = census.CustomersInMemory;
        var events = Enumerable.Range(0, customers).Select(i => new Script($"fed{i}").Interaction(relay.Now, "Sales")).ToList();

        _ = feed.Add(events, new TimeSpan?[customers]);
        await feed.FlushAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (census.CustomersInMemory > before && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(census.CustomersInMemory <= before, $"{census.CustomersInMemory - before} of {customers} fed customers still in memory");
    }
}
