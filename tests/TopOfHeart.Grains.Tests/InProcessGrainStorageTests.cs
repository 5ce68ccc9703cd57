using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Hosting;

namespace TopOfHeart.Grains.Tests;

/// <summary>The embedded snapshot store: what goes in comes back, versions are checked, and its native memory is given back.</summary>
public sealed class InProcessGrainStorageTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(s => s.AddAssembly(typeof(CustomerState).Assembly))
        .BuildServiceProvider();

    private readonly InProcessGrainStorage _store;

    public InProcessGrainStorageTests() => _store = new InProcessGrainStorage(_services.GetRequiredService<Serializer>());

    public void Dispose()
    {
        _store.Dispose();
        _services.Dispose();
    }

    private static GrainId Customer(string id) => GrainId.Create("customer", id);

    private static CustomerState StateWith(int cases, string prefix = "case")
    {
        var state = new CustomerState { EventCount = cases, Contacts = 3, FeedbackSum = 4.5, FeedbackCount = 1 };
        for (var i = 0; i < cases; i++)
        {
            state.Cases[$"{prefix}-{i}"] = i % 2 == 0;
            state.Seen.Add($"{prefix}-event-{i}");
        }

        return state;
    }

    private async Task<GrainState<CustomerState>> ReadAsync(string stateName, GrainId grain)
    {
        var read = new GrainState<CustomerState>();
        await _store.ReadStateAsync(stateName, grain, read);
        return read;
    }

    [Fact]
    public async Task A_written_state_comes_back_equal_with_its_version()
    {
        var grain = Customer("c-1");
        var written = new GrainState<CustomerState>(StateWith(40));
        await _store.WriteStateAsync("customer", grain, written);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.True(_store.Contains("customer", grain));
        Assert.Equal(1, _store.Count);
        Assert.True(_store.NativeBytes > 0);

        var read = await ReadAsync("customer", grain);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(40, read.State!.EventCount);
        Assert.Equal(3, read.State!.Contacts);
        Assert.Equal(4.5, read.State!.FeedbackSum);
        Assert.Equal(written.State!.Cases, read.State!.Cases);
        Assert.False(read.State!.Seen.Add("case-event-7"), "the ids seen come back too");
        Assert.True(read.State!.Seen.Add("case-event-40"));
    }

    [Fact]
    public async Task A_grain_never_written_reads_as_a_new_state()
    {
        var read = await ReadAsync("customer", Customer("nobody"));
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal(0, read.State!.EventCount);
        Assert.False(_store.Contains("customer", Customer("nobody")));
    }

    [Fact]
    public async Task A_write_from_a_stale_version_is_refused_and_the_kept_state_stays()
    {
        var grain = Customer("c-2");
        var first = new GrainState<CustomerState>(StateWith(2));
        await _store.WriteStateAsync("customer", grain, first);
        var second = new GrainState<CustomerState>(StateWith(5)) { ETag = first.ETag };
        await _store.WriteStateAsync("customer", grain, second);
        Assert.NotEqual(first.ETag, second.ETag);

        var stale = new GrainState<CustomerState>(StateWith(9)) { ETag = first.ETag };
        await Assert.ThrowsAsync<InconsistentStateException>(() => _store.WriteStateAsync("customer", grain, stale));
        var fresh = new GrainState<CustomerState>(StateWith(9));
        await Assert.ThrowsAsync<InconsistentStateException>(() => _store.WriteStateAsync("customer", grain, fresh));

        var read = await ReadAsync("customer", grain);
        Assert.Equal(5, read.State!.EventCount);
        Assert.Equal(second.ETag, read.ETag);
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task Overwriting_and_clearing_give_the_native_memory_back()
    {
        var grain = Customer("c-3");
        var big = new GrainState<CustomerState>(StateWith(2_000));
        await _store.WriteStateAsync("customer", grain, big);
        var bigBytes = _store.NativeBytes;

        var small = new GrainState<CustomerState>(StateWith(1)) { ETag = big.ETag };
        await _store.WriteStateAsync("customer", grain, small);
        Assert.True(_store.NativeBytes < bigBytes / 10, $"{_store.NativeBytes} bytes held after shrinking from {bigBytes}");
        Assert.Equal(1, (await ReadAsync("customer", grain)).State!.EventCount);

        await _store.ClearStateAsync("customer", grain, small);
        Assert.False(small.RecordExists);
        Assert.Null(small.ETag);
        Assert.Equal(0, _store.Count);
        Assert.Equal(0, _store.NativeBytes);
        Assert.False((await ReadAsync("customer", grain)).RecordExists);
    }

    [Fact]
    public async Task State_names_grain_types_and_long_keys_are_told_apart()
    {
        var longId = new string('x', 2_000);
        var grains = new[]
        {
            ("customer", Customer("same")),
            ("case", Customer("same")),
            ("customer", GrainId.Create("case", "same")),
            ("customer", Customer(longId)),
            ("customer", Customer(longId + "y")),
        };
        for (var i = 0; i < grains.Length; i++)
        {
            await _store.WriteStateAsync(grains[i].Item1, grains[i].Item2, new GrainState<CustomerState>(StateWith(i + 1, $"g{i}")));
        }

        Assert.Equal(grains.Length, _store.Count);
        for (var i = 0; i < grains.Length; i++)
        {
            var read = await ReadAsync(grains[i].Item1, grains[i].Item2);
            Assert.Equal(i + 1, read.State!.EventCount);
            Assert.True(read.State!.Cases.ContainsKey($"g{i}-0"));
        }
    }

    [Fact]
    public async Task Many_threads_write_and_read_their_own_grains_at_once()
    {
        const int Grains = 400;
        await Parallel.ForAsync(0, Grains, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var grain = Customer($"par-{i}");
            var state = new GrainState<CustomerState>(StateWith(1 + i % 50, $"p{i}"));
            await _store.WriteStateAsync("customer", grain, state);
            state.State!.EventCount += 1_000;
            await _store.WriteStateAsync("customer", grain, state);
        });

        Assert.Equal(Grains, _store.Count);
        await Parallel.ForAsync(0, Grains, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var read = await ReadAsync("customer", Customer($"par-{i}"));
            Assert.Equal(1 + i % 50 + 1_000, read.State!.EventCount);
            Assert.Equal(1 + i % 50, read.State!.Cases.Count);
            Assert.True(read.State!.Cases.ContainsKey($"p{i}-0"));
        });
    }

    [Fact]
    public async Task A_disposed_store_frees_everything_and_refuses_further_use()
    {
        await _store.WriteStateAsync("customer", Customer("c-4"), new GrainState<CustomerState>(StateWith(3)));
        _store.Dispose();
        Assert.Equal(0, _store.NativeBytes);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ReadAsync("customer", Customer("c-4")));
        await Assert.ThrowsAsync<ObjectDisposedException>(
            () => _store.WriteStateAsync("customer", Customer("c-5"), new GrainState<CustomerState>(StateWith(1))));
        _store.Dispose();
    }
}
