using Microsoft.Extensions.DependencyInjection;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Testing;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>
/// One real silo (real clock) and one LiveBoard for the hub tests; each test keeps to its own departments and
/// cases, so they share the cluster without seeing each other's alerts.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private LoopbackSilo? _silo;
    private LoopbackLiveBoard? _board;

    public LoopbackSilo Silo => _silo ?? throw new InvalidOperationException("Not started.");

    /// <summary>Makes the floor grain's snapshot answer late, as a busy or collecting silo would.</summary>
    public SlowFloor SlowFloor { get; } = new();

    internal LoopbackLiveBoard Board => _board ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _silo = await LoopbackSilo.StartAsync(fakeClock: false, services: s => s.AddSingleton<IIncomingGrainCallFilter>(SlowFloor));
        _board = await LoopbackLiveBoard.StartAsync(_silo);
    }

    public async Task DisposeAsync()
    {
        if (_board is not null) await _board.DisposeAsync();
        if (_silo is not null) await _silo.DisposeAsync();
    }

    /// <summary>Posts events and checks every one was accepted.</summary>
    public static async Task PostAsync(LoopbackSilo silo, params object[] events)
    {
        using var response = await silo.PostEventsAsync(events);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"ingest answered {(int)response.StatusCode}: {body}");
        Assert.Contains($"\"accepted\":{events.Length}", body, StringComparison.Ordinal);
    }
}

/// <summary>
/// Runs alone, after the parallel collections: its tests time deliveries ("a snapshot at least once a second"),
/// which a Chromium or PostgreSQL starting in the same process on a 2-core machine would otherwise decide.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "LiveBoard on a real silo";
}

/// <summary>Delays <see cref="IFloorGrain.GetSnapshot"/> by <see cref="By"/> (zero: not at all).</summary>
public sealed class SlowFloor : IIncomingGrainCallFilter
{
    public TimeSpan By { get; set; }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (By > TimeSpan.Zero && context.InterfaceMethod?.Name == nameof(IFloorGrain.GetSnapshot)) await Task.Delay(By);
        await context.Invoke();
    }
}
