using Microsoft.Extensions.DependencyInjection;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Entities;
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
}
