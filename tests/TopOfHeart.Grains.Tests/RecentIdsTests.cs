using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TopOfHeart.Grains.Entities;

namespace TopOfHeart.Grains.Tests;

public sealed class RecentIdsTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void A_snapshot_keeps_each_id_as_8_bytes_and_still_refuses_the_ids_it_holds()
    {
        var seen = new RecentIds();
        for (var i = 0; i < RecentIds.Capacity + 100; i++) Assert.True(seen.Add($"lt-run-17-event-{i:D6}"));

        var bytes = Serializer.SerializeToArray(seen)!;
        var back = Serializer.Deserialize<RecentIds>(bytes)!;

        // 4,096 hashes: about 40 KB (the id strings, kept twice, made 190 KB).
        Assert.InRange(bytes.Length, RecentIds.Capacity * 8, RecentIds.Capacity * 11);
        Assert.Equal(RecentIds.Capacity, back.Count);
        Assert.False(back.Add($"lt-run-17-event-{RecentIds.Capacity + 99:D6}"));
        Assert.False(back.Add("lt-run-17-event-000100"));

        // The oldest ids were let go before the snapshot; the bound still holds after it.
        Assert.True(back.Add("lt-run-17-event-000099"));
        Assert.Equal(RecentIds.Capacity, back.Count);
        Assert.True(back.Add("lt-run-17-event-000100"));
    }

    [Fact]
    public void A_snapshot_written_with_id_strings_is_read_and_its_ids_are_still_refused()
    {
        var legacy = new LegacyRecentIds { Order = new Queue<string>(["a-1", "a-2", "a-3"]) };
        var back = Serializer.Deserialize<RecentIds>(Serializer.SerializeToArray(legacy)!)!;

        Assert.Equal(3, back.Count);
        Assert.False(back.Add("a-2"));
        Assert.True(back.Add("a-4"));
        Assert.Equal(4, back.Count);
    }

    [Fact]
    public void An_employee_snapshot_with_customer_strings_counts_them_once_with_new_ones()
    {
        var legacy = new EmployeeState { Customers = new HashSet<string>(["c-1", "c-2"], StringComparer.Ordinal) };
        var back = Serializer.Deserialize<EmployeeState>(Serializer.SerializeToArray(legacy)!)!;

        back.Served().Add(IdHash.Of("c-2"));
        back.Served().Add(IdHash.Of("c-3"));

        Assert.Equal(3, back.Served().Count);
        Assert.Null(back.Customers);
    }
}

/// <summary>The shape <see cref="RecentIds"/> was stored in before ids were hashed (field 0: the ids in order).</summary>
[GenerateSerializer]
public sealed class LegacyRecentIds
{
    [Id(0)] public Queue<string> Order { get; set; } = new();
}
