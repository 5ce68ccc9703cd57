using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.Contracts.Views;
using TopOfHeart.Grains.Hosting;

namespace TopOfHeart.Grains.Entities;

[GenerateSerializer, Alias("TopOfHeart.TouchpointState")]
public sealed class TouchpointState
{
    [Id(0)] public RecentIds Seen { get; set; } = new();
    [Id(1)] public int EventCount { get; set; }
    [Id(2)] public Dictionary<string, int> VolumeByChannel { get; set; } = new(StringComparer.Ordinal);
    [Id(3)] public double SentimentSum { get; set; }
    [Id(4)] public int SentimentReadings { get; set; }
    [Id(5)] public int RepeatedInfo { get; set; }
    [Id(6)] public RecentIds AlertIds { get; set; } = new();
    [Id(7)] public Dictionary<string, int> AlertsByKind { get; set; } = new(StringComparer.Ordinal);
    [Id(8)] public DateTimeOffset? LastEventAt { get; set; }
    [Id(9)] public int Alerts { get; set; }
}

/// <summary>A place where customers meet the company: volume, mood, how often they must repeat themselves, alerts.</summary>
public sealed class TouchpointGrain(
    IOptions<SnapshotSettings> snapshots)
    : SnapshotGrain<TouchpointState>(StorageNames.Touchpoint, StorageNames.Provider, snapshots), ITouchpointGrain
{
    private TouchpointState S => Stored;

    public Task Apply(TouchpointEvent[] events)
    {
        foreach (var e in events)
        {
            if (!S.Seen.Add(e.EventId)) continue;
            S.EventCount++;
            if (S.LastEventAt is null || e.OccurredAt > S.LastEventAt) S.LastEventAt = e.OccurredAt;
            var channel = e.Channel.ToWire();
            S.VolumeByChannel[channel] = S.VolumeByChannel.GetValueOrDefault(channel) + 1;
            if (e.Sentiment is { } sentiment)
            {
                S.SentimentSum += sentiment;
                S.SentimentReadings++;
            }

            if (e.CustomerRepeatedInfo) S.RepeatedInfo++;
        }

        MarkDirty();
        return Task.CompletedTask;
    }

    public Task CountAlerts(string[] alertIds, AlertKind[] kinds)
    {
        for (var i = 0; i < alertIds.Length; i++)
        {
            if (!S.AlertIds.Add(alertIds[i])) continue;
            S.Alerts++;
            var name = kinds[i].ToString();
            S.AlertsByKind[name] = S.AlertsByKind.GetValueOrDefault(name) + 1;
            MarkDirty();
        }

        return Task.CompletedTask;
    }

    public Task<TouchpointView?> GetView()
    {
        if (S.EventCount == 0 && S.Alerts == 0) return Task.FromResult<TouchpointView?>(null);
        return Task.FromResult<TouchpointView?>(new TouchpointView
        {
            TouchpointId = this.GetPrimaryKeyString(),
            EventCount = S.EventCount,
            VolumeByChannel = new Dictionary<string, int>(S.VolumeByChannel),
            AverageSentiment = S.SentimentReadings == 0 ? null : S.SentimentSum / S.SentimentReadings,
            SentimentReadings = S.SentimentReadings,
            RepeatedInfoCount = S.RepeatedInfo,
            RepeatedInfoRate = S.EventCount == 0 ? 0 : (double)S.RepeatedInfo / S.EventCount,
            Alerts = S.Alerts,
            AlertsByKind = new Dictionary<string, int>(S.AlertsByKind),
            LastEventAt = S.LastEventAt,
        });
    }

    protected override void CaptureState(TouchpointState state)
    {
        // The live state is the stored object itself.
    }
}
