using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Grains.Cases;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Tests.TestKit;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Grains.Tests;

/// <summary>Resolved cases give their memory back, keep only a serialized snapshot, and come back from it unchanged.</summary>
public sealed class PutAwayTests(RelayCluster relay) : IClassFixture<RelayCluster>
{
    private static TimeSpan Minutes(double m) => TimeSpan.FromMinutes(m);

    private InProcessGrainStorage Snapshots =>
        (InProcessGrainStorage)relay.SiloServices.GetRequiredKeyedService<IGrainStorage>(StorageNames.RebuiltProvider);

    [Fact]
    public async Task A_resolved_case_is_put_away_and_comes_back_from_its_snapshot_unchanged()
    {
        var s = new Script("put-away");
        var t0 = relay.Now - Minutes(10);
        var opened = s.Opened(t0, "Sales");
        var grain = relay.Grains.GetGrain<ICaseGrain>(s.CaseId);
        await relay.IngestAsync(opened, s.Request(t0 + Minutes(1), "Sales", "Billing"), s.Accept(t0 + Minutes(2), "Billing"));
        var open = (await grain.GetView())!;
        Assert.False(Snapshots.Contains(StorageNames.Case, grain.GetGrainId()));
        var census = relay.SiloServices.GetRequiredService<GrainCensus>();
        var liveBefore = census.CasesInMemory;
        Assert.True(liveBefore >= 1, "the open case counts as held in memory");

        await relay.IngestAsync(s.Resolved(t0 + Minutes(3), "Billing"));
        await Eventually.Async(
            () => Task.FromResult<string?>(Snapshots.Contains(StorageNames.Case, grain.GetGrainId()) ? "kept" : null),
            "the resolved case's snapshot, written as it was put away");
        await Eventually.Async(
            () => Task.FromResult<string?>(census.CasesInMemory < liveBefore ? "counted out" : null),
            "the resolved case counted out of memory");

        var back = (await grain.GetView())!;
        Assert.Equal("resolved", back.Status);
        Assert.Equal(4, back.EventCount);
        Assert.Equal(open.Legs.Count, back.Legs.Count);
        Assert.Equal(open.OpenedAt, back.OpenedAt);

        // Idempotency survives: the case still knows every event it applied.
        var again = await relay.Pipeline.IngestAsync([opened], CancellationToken.None);
        Assert.Equal(EventStatus.Duplicate, again.Status[0]);
    }

    [Fact]
    public async Task An_open_case_stays_in_memory()
    {
        var s = new Script("stays");
        var t0 = relay.Now - Minutes(1);
        await relay.IngestAsync(s.Opened(t0, "Sales"), s.Request(t0, "Sales", "Billing"));
        var grain = relay.Grains.GetGrain<ICaseGrain>(s.CaseId);
        Assert.NotNull((await grain.GetView())!.BatonInFlight);
        await Task.Delay(200);
        Assert.False(Snapshots.Contains(StorageNames.Case, grain.GetGrainId()));
    }

    [Fact]
    public async Task An_idle_open_case_is_put_away_and_woken_for_its_deadline_which_fires_and_counts_once()
    {
        var s = new Script("woken");
        var t0 = relay.Now;
        var accept = s.Accept(t0, "Billing");
        await relay.IngestAsync(s.Opened(t0 - Minutes(1), "Sales"), s.Request(t0 - Minutes(1), "Sales", "Billing"), accept);
        var grain = relay.Grains.GetGrain<ICaseGrain>(s.CaseId);
        Assert.Equal(t0 + Minutes(10), (await grain.GetView())!.StallDueAt);

        // The stall is ten minutes away: nothing holds the case in memory once it is idle.
        await relay.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await Eventually.Async(
            () => Task.FromResult<string?>(Snapshots.Contains(StorageNames.Case, grain.GetGrainId()) ? "kept" : null),
            "the open case's snapshot, written as it was put away");
        Assert.True(relay.SiloServices.GetRequiredService<CaseWakeups>().Count >= 1);

        var alertId = s.AlertId(AlertKind.StalledAfterAccept, accept);
        relay.Clock.Advance(Minutes(10) + TimeSpan.FromSeconds(1));
        var alert = await relay.EventuallyAlertAsync(alertId);
        Assert.Equal(t0 + Minutes(10), alert.DueAt);

        // Woken once more (a stale wake-up, or a read): the alert is not raised again.
        relay.Clock.Advance(TimeSpan.FromSeconds(1));
        await relay.SiloServices.GetRequiredService<CaseWakeups>().WakeDueAsync();
        Assert.Single(await relay.AlertsOfCaseAsync(s.CaseId), a => a.Kind == AlertKind.StalledAfterAccept);
        Assert.Contains(alertId, (await grain.GetView())!.AlertIds);
    }

    [Fact]
    public void Idle_cases_and_customers_are_collected_after_half_a_minute_by_their_class_names()
    {
        var options = relay.SiloServices.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClassSpecificCollectionAge[typeof(CaseGrain).FullName!]);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClassSpecificCollectionAge[typeof(CustomerGrain).FullName!]);
        Assert.True(options.CollectionQuantum < TimeSpan.FromMinutes(1), "the quantum must be shorter than the ages");
        Assert.Equal(GrainServiceCollectionExtensions.DirectoryCacheSize, relay.SiloServices.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.CacheSize);
    }
}
