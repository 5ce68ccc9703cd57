using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>Each board connection follows exactly one audience, also while hundreds connect, switch and leave at once.</summary>
public sealed class BoardFollowersTests
{
    [Fact]
    public void A_switch_moves_the_connection_and_a_departure_removes_it()
    {
        var followers = new BoardFollowers();
        followers.Follow("c1", BoardGroups.Floor);
        followers.Follow("c2", BoardGroups.Floor);
        var before = followers.Of(BoardGroups.Floor);

        followers.Follow("c1", BoardGroups.For("Billing", batched: true));

        Assert.Equal(["c2"], followers.Of(BoardGroups.Floor));
        Assert.Equal(["c1"], followers.Of(BoardGroups.For("Billing", batched: true)));
        Assert.Equal(["c1", "c2"], before); // a list already handed to a send is not changed under it
        Assert.Equal(["c2", "c1"], followers.Of(BoardGroups.Floor, BoardGroups.For("Billing", batched: true)));

        followers.Leave("c1");
        followers.Leave("c1");
        Assert.Empty(followers.Of(BoardGroups.For("Billing", batched: true)));
        Assert.Null(followers.AudienceOf("c1"));
        Assert.Equal(1, followers.Count);
        Assert.Equal(["c2"], followers.Of(BoardGroups.Floor, BoardGroups.Floor));
    }

    [Fact]
    public async Task Connections_joining_switching_and_leaving_at_once_each_end_in_the_one_audience_they_chose()
    {
        // As a LiveBoard sees boards connect: each joins the floor, then switches to its own audience in batches, and
        // every third leaves. Meanwhile a reader checks that no send would reach a connection twice.
        var audiences = new[] { null, "Billing", "Sales", "Support", "Logistics" }.Select(d => BoardGroups.For(d, batched: true)).ToArray();
        for (var round = 0; round < 20; round++)
        {
            var followers = new BoardFollowers();
            using var stop = new CancellationTokenSource();
            var duplicates = 0;
            var reader = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var audience in audiences)
                    {
                        var reached = followers.Of(BoardGroups.Floor, audience);
                        if (reached.Distinct().Count() != reached.Count) Interlocked.Increment(ref duplicates);
                    }
                }
            });

            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() =>
            {
                var id = $"c{i}";
                followers.Follow(id, BoardGroups.Floor);
                followers.Follow(id, audiences[i % audiences.Length]);
                if (i % 3 == 0) followers.Leave(id);
            })));
            await stop.CancelAsync();
            await reader;

            Assert.Equal(0, duplicates);
            Assert.Empty(followers.Of(BoardGroups.Floor));
            Assert.Equal(200, followers.Count);
            for (var a = 0; a < audiences.Length; a++)
            {
                var expected = Enumerable.Range(0, 300).Where(i => i % audiences.Length == a && i % 3 != 0).Select(i => $"c{i}").Order().ToList();
                Assert.Equal(expected, followers.Of(audiences[a]).Order().ToList());
            }
        }
    }
}
