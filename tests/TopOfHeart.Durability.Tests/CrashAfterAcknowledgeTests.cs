using System.Diagnostics;

namespace TopOfHeart.Durability.Tests;

/// <summary>Acknowledged means durable: a 202 survives a SIGKILL of the silo that gave it.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class CrashAfterAcknowledgeTests(PostgresServer server, ITestOutputHelper output)
{
    [Fact(Timeout = 150_000)]
    public async Task Every_acknowledged_event_is_applied_after_the_silo_that_took_it_is_SIGKILLed_and_restarted()
    {
        var sla = TimeSpan.FromSeconds(12);
        await using var cluster = await Cluster.CreateAsync(server, output, sla);
        var silo = await cluster.StartSiloAsync("silo-a");

        var now = DateTimeOffset.UtcNow;
        // Most cases happened minutes ago, so their deadlines have passed when they arrive ...
        var past = Journeys.Build("crash", cases: 500, start: now - TimeSpan.FromMinutes(4));
        // ... and the last request's batons fall due only after the crash: the restarted silo must raise them.
        var late = Journeys.Build("crash-late", cases: 12, start: now, stories: [2]);
        var requests = Journeys.Requests(past, 400);
        requests.Add(late);
        var posted = requests.SelectMany(request => request).ToList();

        var accepted = 0;
        foreach (var request in requests) accepted += (await Api.PostAsync(silo, request)).Accepted;
        silo.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        output.WriteLine($"{requests.Count} requests, {posted.Count} events acknowledged; SIGKILL right after the last 202");
        Assert.Equal(posted.Count, accepted);

        var restarted = await cluster.RestartAsync(silo);
        var probeCase = posted[0].CaseId!;
        await Api.GetAsync(restarted, $"/api/v1/cases/{Api.Encode(probeCase)}");
        Figures.Record(output, "recovery time of a SIGKILLed silo", restarted.SinceStart.Elapsed.TotalSeconds, "s",
            $"process start → /health 200 ({restarted.StartedIn.TotalSeconds:F2} s) and a case readable");

        Assert.Equal(posted.Count, await Sql.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM toh_event"));

        // Once the late batons' deadlines (and the sweep's grace) have passed, every predicted alert is stored, once.
        var lastDue = late.Max(e => e.OccurredAt) + sla;
        var wait = lastDue + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var prediction = Prediction.Of(requests, cluster.Detection, DateTimeOffset.UtcNow);
        Assert.Contains(prediction.AlertIds, id => id.StartsWith("DroppedBaton:crash-late", StringComparison.Ordinal));
        await Expect.StoredAlertsBecomeAsync(cluster.Database, prediction.AlertIds, TimeSpan.FromSeconds(20));

        // The late batons' alerts were raised after the crash, so by the restarted silo.
        var lateRaised = await Sql.ReadAsync(cluster.Database,
            "SELECT raised_at FROM toh_alert WHERE alert_id LIKE 'DroppedBaton:crash-late%'", row => row.GetFieldValue<DateTimeOffset>(0));
        Assert.Equal(late.Count(e => e.Type == "handoff.requested"), lateRaised.Count);
        Assert.All(lateRaised, raisedAt => Assert.True(raisedAt > killedAt, $"raised {raisedAt:O}, before the SIGKILL at {killedAt:O}"));

        var checking = Stopwatch.StartNew();
        // Every case was rebuilt from the log by the restarted silo.
        await Expect.CasesAsPredictedAsync(restarted, prediction.RebuiltCases);
        await Expect.CustomersAsPredictedAsync(restarted, prediction);
        await Expect.AlertListShowsEachOnceAsync(restarted, prediction.AlertIds);
        output.WriteLine($"{prediction.Cases.Count} cases, {prediction.CustomerEvents.Count} customers and {prediction.AlertIds.Count} alerts "
            + $"as the core predicts (checked in {checking.Elapsed.TotalSeconds:F1} s); cases whose rebuilt view no longer lists "
            + $"an alert raised live: [{string.Join(", ", prediction.CasesWhoseRebuildForgetsAnAlert)}]");
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM toh_pending_batch"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Durable_ingest_rate_through_POST_is_measured()
    {
        await using var cluster = await Cluster.CreateAsync(server, output, TimeSpan.FromMinutes(2));
        var silo = await cluster.StartSiloAsync("silo-rate");
        const int requestCount = 20;
        const int perRequest = 1000;
        var events = Journeys.Build("rate", cases: 4000, start: DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
        var requests = Journeys.Requests(events.Take(requestCount * perRequest), perRequest);
        Assert.Equal(requestCount, requests.Count);

        // Warm-up: JIT, connection pools, the first grain activations.
        var warmUp = Journeys.Build("rate-warm", cases: 50, start: DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
        await Api.PostAsync(silo, warmUp);

        var clock = Stopwatch.StartNew();
        var accepted = 0;
        foreach (var request in requests) accepted += (await Api.PostAsync(silo, request)).Accepted;
        clock.Stop();

        Assert.Equal(requestCount * perRequest, accepted);
        Assert.Equal(warmUp.Count + accepted, await Sql.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM toh_event"));
        Figures.Record(output, "durable ingest rate (one silo, PostgreSQL)", accepted / clock.Elapsed.TotalSeconds, "events/s",
            $"{requestCount} sequential POSTs × {perRequest} events, each durable before its 202; {clock.Elapsed.TotalSeconds:F2} s");
    }
}
