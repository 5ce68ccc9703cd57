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
        var (customer, fed) = await FeedAStory(relay, "quiet1");
        var deliveries = await DeliveriesAsync(relay, customer, 1);

        // Once, with the whole story, and not before the customer had been quiet for its quiet time.
        var (types, at) = Assert.Single(deliveries);
        Assert.Equal([EventType.CaseOpened, EventType.Interaction], types);
        AssertNotBefore(fed + (long)EntityFeed.CustomerQuiet.TotalMilliseconds, at, "the held story");
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

        // Held again once the first hold's note is past due by the time the new event is: the feed's own flushes look at
        // that note while the new event waits.
        await Task.Delay(EntityFeed.CustomerQuiet * 0.75);
        var heldAgain = Environment.TickCount64;
        _ = feed.Add([story.Interaction(relay.Now, "Sales")], new TimeSpan?[1]);

        var (types, at) = Assert.Single(await DeliveriesAsync(relay, first.CustomerId, 1));
        Assert.Equal([EventType.Interaction], types);
        AssertNotBefore(heldAgain + (long)EntityFeed.CustomerQuiet.TotalMilliseconds, at, "the event held again");
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

    /// <summary>
    /// Waits, in real time, until a customer has had <paramref name="count"/> feed deliveries (a generous bound: on a
    /// busy machine the feed's ticks come late) and a moment more for any it should not get; returns them all.
    /// </summary>
    internal static async Task<IReadOnlyList<(EventType[] Types, long At)>> DeliveriesAsync(RelayCluster cluster, string customer, int count)
    {
        var deadline = DateTime.UtcNow + EntityFeed.CustomerMaxHold + TimeSpan.FromSeconds(20);
        while (cluster.CustomerCalls.DeliveriesTo(customer).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{customer} had {cluster.CustomerCalls.DeliveriesTo(customer).Count} of {count} deliveries in time");
            await Task.Delay(20);
        }

        await Task.Delay(EntityFeed.Period * 4);
        return cluster.CustomerCalls.DeliveriesTo(customer);
    }

    /// <summary>A delivery at <paramref name="at"/> came no earlier than <paramref name="earliest"/> (both <see cref="Environment.TickCount64"/>).</summary>
    internal static void AssertNotBefore(long earliest, long at, string what) =>
        Assert.True(at >= earliest, $"{what} was delivered {earliest - at} ms before its time");

    /// <summary>
    /// Gives the first silo's feed a case's opening and one more event of it; returns their customer's id and the moment
    /// just before the feed got them (<see cref="Environment.TickCount64"/>, the feed's clock for its hold times).
    /// </summary>
    internal static async Task<(string Customer, long Fed)> FeedAStory(RelayCluster cluster, string name)
    {
        var feed = cluster.SiloServices.GetRequiredService<EntityFeed>();
        await feed.FlushAsync(); // the feed has looked at the cluster's membership
        var story = new Script(name);
        var events = new[] { story.Opened(cluster.Now, "Sales"), story.Interaction(cluster.Now, "Sales") };
        var fed = Environment.TickCount64;
        _ = feed.Add(events, new TimeSpan?[events.Length]);
        return (events[0].CustomerId, fed);
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
