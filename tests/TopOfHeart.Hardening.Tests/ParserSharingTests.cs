using System.Text;
using TopOfHeart.Silo.Ingestion;
using Xunit;

namespace TopOfHeart.Hardening.Tests;

/// <summary>
/// Values that recur across events (ids, handoff reasons) come out of the parser as one shared string per value:
/// a live case keeps its events, and a string per event and field was a measurable part of its memory.
/// </summary>
public sealed class ParserSharingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Handoff(string eventId, string caseId, string reason) =>
        $$"""{"eventId":"{{eventId}}","type":"handoff.requested","occurredAt":"2026-12-01T11:59:00Z","customerId":"cust-1","caseId":"{{caseId}}","department":"Sales","toDepartment":"Billing","reason":"{{reason}}"}""";

    private static List<Contracts.Events.TouchpointEvent> Parse(params string[] events)
    {
        var batch = EventParser.Parse(Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]"), ndjson: false, Now);
        Assert.Empty(batch.Rejected);
        return batch.Valid.Select(v => v.Event).ToList();
    }

    [Fact]
    public void Handoffs_giving_the_same_reason_share_one_string_across_requests()
    {
        var first = Parse(Handoff("share-1", "case-share-1", "set up direct debit for the new contract"));
        var second = Parse(
            Handoff("share-2", "case-share-2", "set up direct debit for the new contract"),
            Handoff("share-3", "case-share-3", "ship a replacement device"));

        Assert.Same(first[0].Reason, second[0].Reason);
        Assert.Equal("ship a replacement device", second[1].Reason);
        Assert.Same(first[0].CustomerId, second[1].CustomerId);
        Assert.Same(first[0].ToDepartment, second[0].ToDepartment);
    }

    [Fact]
    public void A_reason_longer_than_any_id_is_read_whole_without_sharing()
    {
        var reason = new string('r', EventParser.MaxIdLength * 4 + 1);
        var events = Parse(Handoff("long-1", "case-long-1", reason), Handoff("long-2", "case-long-2", reason));

        Assert.Equal(reason, events[0].Reason);
        Assert.Equal(reason, events[1].Reason);
        Assert.NotSame(events[0].Reason, events[1].Reason);
    }
}
