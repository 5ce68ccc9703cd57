using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace TopOfHeart.Grains.Hosting;

/// <summary>
/// Grain storage in this process's memory, kept as serialized bytes. Unlike Orleans' memory storage (a grain
/// call to a storage grain per read and write), a read is a dictionary lookup, so activating a new case or
/// customer costs no message; and a grain put away keeps only its bytes (a few hundred for a resolved case),
/// not its object graph. Lost with the process, like every embedded-mode state.
/// </summary>
public sealed class InProcessGrainStorage(Serializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string State, GrainId Grain), Row> _rows = new();
    private long _version;

    public int Count => _rows.Count;

    /// <summary>Whether a snapshot of this grain's state is kept.</summary>
    public bool Contains(string stateName, GrainId grainId) => _rows.ContainsKey((stateName, grainId));

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_rows.TryGetValue((stateName, grainId), out var row))
        {
            grainState.State = serializer.Deserialize<T>(Unpack(row.Bytes));
            grainState.ETag = row.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State ??= Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        var current = _rows.TryGetValue(key, out var row) ? row.ETag : null;
        if (current != grainState.ETag)
        {
            throw new InconsistentStateException($"{stateName} of {grainId} was written by someone else", current, grainState.ETag);
        }

        var etag = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _rows[key] = new Row(Pack(serializer.SerializeToArray(grainState.State)), etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _rows.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>Brotli at its fastest setting: a put-away case's events (ids, departments, times) shrink to about a third.</summary>
    private static byte[] Pack(byte[] raw)
    {
        var packed = new byte[4 + BrotliEncoder.GetMaxCompressedLength(raw.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(packed, raw.Length);
        if (!BrotliEncoder.TryCompress(raw, packed.AsSpan(4), out var written, quality: 1, window: 16))
            throw new InvalidOperationException("Brotli could not compress a grain's state.");
        return packed.AsSpan(0, 4 + written).ToArray();
    }

    private static byte[] Unpack(byte[] packed)
    {
        var raw = new byte[BinaryPrimitives.ReadInt32LittleEndian(packed)];
        if (!BrotliDecoder.TryDecompress(packed.AsSpan(4), raw, out var written) || written != raw.Length)
            throw new InvalidOperationException("A grain's stored state is damaged.");
        return raw;
    }

    private sealed record Row(byte[] Bytes, string ETag);
}

public static class InProcessGrainStorageExtensions
{
    /// <summary>Adds an <see cref="InProcessGrainStorage"/> under <paramref name="name"/>.</summary>
    public static ISiloBuilder AddInProcessGrainStorage(this ISiloBuilder silo, string name)
    {
        silo.Services.AddGrainStorage(name, (sp, _) => new InProcessGrainStorage(sp.GetRequiredService<Serializer>()));
        return silo;
    }
}
