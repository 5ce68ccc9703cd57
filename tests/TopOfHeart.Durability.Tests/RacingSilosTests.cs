namespace TopOfHeart.Durability.Tests;

/// <summary>No event is taken twice and no alert raised twice when two silos get the same events at the same moment.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class RacingSilosTests(PostgresServer server, ITestOutputHelper output)
{
    [Fact(Timeout = 150_000)]
    public async Task Two_silos_given_the_same_events_at_once_accept_each_event_exactly_once_and_raise_each_alert_once()
    {
        await using var cluster = await Cluster.CreateAsync(server, output, TimeSpan.FromSeconds(30));
        var silos = await Task.WhenAll(cluster.StartSiloAsync("silo-a"), cluster.StartSiloAsync("silo-b"));
        var (a, b) = (silos[0], silos[1]);

        // Round 1: each request (whole cases) to both silos at the same moment.
        var events = Journeys.Build("race", cases: 200, start: DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
        var requests = Journeys.RequestsByCase(events, casesPerRequest: 20);
        var answers = new[] { (Accepted: 0, Duplicates: 0), (Accepted: 0, Duplicates: 0) };
        foreach (var request in requests)
        {
            var both = await Task.WhenAll(Api.PostAsync(a, request), Api.PostAsync(b, request));
            for (var i = 0; i < 2; i++) answers[i] = (answers[i].Accepted + both[i].Accepted, answers[i].Duplicates + both[i].Duplicates);
        }

        var accepted = answers.Sum(answer => answer.Accepted);
        var duplicates = answers.Sum(answer => answer.Duplicates);
        output.WriteLine($"round 1: {events.Count} events to each silo; accepted {answers[0].Accepted} by {a.Name} + {answers[1].Accepted} by {b.Name}, "
            + $"{duplicates} duplicates");
        Assert.Equal(events.Count, accepted);
        Assert.Equal(events.Count, duplicates);

        // Round 2: overlapping batches in different orders (say, a client retrying to another silo after re-batching):
        // A posts the events in order, B each request reversed, all at once. Conflicting row locks must not deadlock.
        var chatter = Journeys.Build("chatter", cases: 300, start: DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3), stories: [1])
            .Where(e => e.Type is "case.opened" or "interaction")
            .ToList();
        var chunks = Journeys.Requests(chatter, 300);
        var round2 = await Task.WhenAll(
            PostAllAsync(a, chunks),
            PostAllAsync(b, chunks.Select(chunk => (IReadOnlyList<WireEvent>)chunk.Reverse().ToList()).ToList()));
        output.WriteLine($"round 2: {chatter.Count} events to each silo in opposite orders; accepted {round2[0].Accepted} by {a.Name} + "
            + $"{round2[1].Accepted} by {b.Name}, {round2.Sum(r => r.Duplicates)} duplicates");
        Assert.Equal(chatter.Count, round2.Sum(r => r.Accepted));
        Assert.Equal(chatter.Count, round2.Sum(r => r.Duplicates));

        Assert.Equal(events.Count + chatter.Count, await Sql.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM toh_event"));
        var prediction = Prediction.Of(requests, cluster.Detection, DateTimeOffset.UtcNow);
        await Expect.StoredAlertsBecomeAsync(cluster.Database, prediction.AlertIds, TimeSpan.FromSeconds(20));

        // Any silo serves any case, and both tell the same story.
        foreach (var silo in silos)
        {
            await Expect.CasesAsPredictedAsync(silo, prediction.Cases);
            await Expect.CustomersAsPredictedAsync(silo, prediction);
            await Expect.AlertListShowsEachOnceAsync(silo, prediction.AlertIds);
        }

        output.WriteLine($"{prediction.Cases.Count} cases and {prediction.AlertIds.Count} alerts as the core predicts, on both silos");
    }

    private static async Task<(int Accepted, int Duplicates)> PostAllAsync(SiloProcess silo, IReadOnlyList<IReadOnlyList<WireEvent>> requests)
    {
        var (accepted, duplicates) = (0, 0);
        foreach (var request in requests)
        {
            var answer = await Api.PostAsync(silo, request);
            accepted += answer.Accepted;
            duplicates += answer.Duplicates;
        }

        return (accepted, duplicates);
    }
}
