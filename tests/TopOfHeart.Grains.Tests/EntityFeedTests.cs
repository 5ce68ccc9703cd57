using Microsoft.Extensions.DependencyInjection;
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
    /// A customer hears of a new case within a period (so a contact naming no case finds it); the story's other events
    /// wait until the customer has been quiet, and go in one call.
    /// </summary>
    [Fact]
    public async Task A_case_opening_reaches_its_customer_at_once_and_the_rest_of_the_story_once_it_is_quiet()
    {
        var feed = relay.SiloServices.GetRequiredService<EntityFeed>();
        var story = new Script("quiet1");
        var events = new[] { story.Opened(relay.Now, "Sales"), story.Interaction(relay.Now, "Sales") };
        _ = feed.Add(events, new TimeSpan?[events.Length]);

        var customer = relay.Grains.GetGrain<ICustomerGrain>(events[0].CustomerId);
        await Task.Delay(EntityFeed.Period * 4);
        Assert.Equal(1, (await customer.GetView())?.EventCount);

        await Task.Delay(EntityFeed.CustomerQuiet + (EntityFeed.Period * 4));
        Assert.Equal(2, (await customer.GetView())?.EventCount);
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
