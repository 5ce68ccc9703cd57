using TopOfHeart.Contracts.Events;
using TopOfHeart.Contracts.Views;

namespace TopOfHeart.Contracts.Grains;

/// <summary>One customer request and its relay of departments. Key: the case id.</summary>
[Alias("TopOfHeart.ICaseGrain")]
public interface ICaseGrain : IGrainWithStringKey
{
    /// <summary>Applies events of this case; tells per event whether it was new or a duplicate.</summary>
    [Alias("Apply")]
    Task<CaseApplyResult> Apply(TouchpointEvent[] events);

    /// <summary>
    /// Like <see cref="Apply"/>, for a case the durable event log held nothing of before these events: if this call
    /// brings the case into memory, it starts empty instead of reading the log back.
    /// </summary>
    [Alias("ApplyFirst")]
    Task<CaseApplyResult> ApplyFirst(TouchpointEvent[] events);

    [Alias("GetView")]
    Task<CaseView?> GetView();

    /// <summary>Raises the timer alerts whose deadline has passed. Called by the case's own timer.</summary>
    [Alias("CheckDeadlines")]
    Task CheckDeadlines();
}

[GenerateSerializer, Immutable, Alias("TopOfHeart.CaseApplyResult")]
public sealed record CaseApplyResult
{
    /// <summary>Per input event: true when applied now, false when it had been applied before.</summary>
    [Id(0)] public required bool[] Applied { get; init; }

    /// <summary>Per input event: the time the receiver took to accept, for accepts that matched a request.</summary>
    [Id(1)] public TimeSpan?[]? TimeToAccept { get; init; }
}
