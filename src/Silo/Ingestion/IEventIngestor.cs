using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Silo.Ingestion;

/// <summary>Takes validated events into the grains. The HTTP endpoint and the demo floor both use it.</summary>
public interface IEventIngestor
{
    Task<IngestOutcome> IngestAsync(IReadOnlyList<TouchpointEvent> events, CancellationToken cancellationToken);
}

/// <summary>Per input event, what became of it.</summary>
public sealed class IngestOutcome
{
    public IngestOutcome(int count)
    {
        Status = new EventStatus[count];
        Errors = new string?[count];
    }

    public EventStatus[] Status { get; }

    /// <summary>Why an event was refused, where <see cref="Status"/> says <see cref="EventStatus.Failed"/>.</summary>
    public string?[] Errors { get; }

    public int Accepted => Status.Count(s => s == EventStatus.Accepted);

    public int Duplicates => Status.Count(s => s == EventStatus.Duplicate);
}

public enum EventStatus : byte
{
    Pending = 0,
    Accepted,
    Duplicate,
    /// <summary>Valid, but the server could not apply it now (e.g. a grain call failed); the client may retry.</summary>
    Failed,
}
