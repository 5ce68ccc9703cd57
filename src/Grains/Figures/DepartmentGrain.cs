using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Figures;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.Grains.Hosting;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Grains.Figures;

[GenerateSerializer, Alias("TopOfHeart.DepartmentState")]
public sealed class DepartmentState
{
    [Id(0)] public FigureBook Figures { get; set; } = new();
}

/// <summary>A department's figures, fed by each silo's <see cref="FigureFlushService"/>, never per event.</summary>
public sealed class DepartmentGrain(
    IOptions<SnapshotSettings> snapshots,
    TimeProvider clock)
    : SnapshotGrain<DepartmentState>(StorageNames.Department, StorageNames.Provider, snapshots), IDepartmentGrain
{
    public Task Merge(FigureDelta[] deltas)
    {
        Stored.Figures.Merge(deltas);
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<DepartmentView?> GetView()
    {
        var name = this.GetPrimaryKeyString();
        var view = Stored.Figures.Department(name, CaseRelay.DayNumber(clock.GetUtcNow()));
        var seen = view.EventCount + view.HandoffsSent + view.HandoffsReceived + view.OpenCases + view.OpenAlerts > 0;
        return Task.FromResult(seen ? view : null);
    }

    protected override void CaptureState(DepartmentState state)
    {
        // The live state is the stored object itself.
    }
}
