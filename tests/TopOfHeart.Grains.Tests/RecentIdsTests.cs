using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TopOfHeart.Grains.Entities;

namespace TopOfHeart.Grains.Tests;

public sealed class RecentIdsTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void A_snapshot_keeps_each_id_once_and_still_refuses_the_ids_it_holds()
    {
        var seen = new RecentIds();
        for (var i = 0; i < RecentIds.Capacity + 100; i++) Assert.True(seen.Add($"event-{i:D6}"));

        var bytes = Serializer.SerializeToArray(seen)!;
        var back = Serializer.Deserialize<RecentIds>(bytes)!;

        // 4,096 ids of 12 characters: about 50 KB once; storing the lookup set too made it about 100 KB.
        Assert.InRange(bytes.Length, RecentIds.Capacity * 12, RecentIds.Capacity * 16);
        Assert.Equal(RecentIds.Capacity, back.Count);
        Assert.False(back.Add($"event-{RecentIds.Capacity + 99:D6}"));
        Assert.False(back.Add("event-000100"));

        // The oldest ids were let go before the snapshot; the bound still holds after it.
        Assert.True(back.Add("event-000099"));
        Assert.Equal(RecentIds.Capacity, back.Count);
        Assert.True(back.Add("event-000100"));
    }
}
