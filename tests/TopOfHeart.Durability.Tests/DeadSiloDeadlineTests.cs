using System.Text.Json;

namespace TopOfHeart.Durability.Tests;

/// <summary>Deadlines survive: a baton in flight on a silo that dies still alerts, once, on another silo.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class DeadSiloDeadlineTests(PostgresServer server, ITestOutputHelper output)
{
    private const int DeadStatus = 6;

    [Fact(Timeout = 150_000)]
    public async Task A_baton_whose_silo_is_SIGKILLed_before_its_deadline_is_raised_exactly_once_by_the_survivor_soon_after_it()
    {
        var sla = TimeSpan.FromSeconds(16);
        await using var cluster = await Cluster.CreateAsync(server, output, sla);
        var silos = new[] { await cluster.StartSiloAsync("silo-a"), await cluster.StartSiloAsync("silo-b") };
        Assert.Equal(2L, await Sql.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM orleans_membership WHERE status = 3"));

        // Half the batons are requested through each silo; placement decides where each case lives.
        const int caseCount = 40;
        var now = DateTimeOffset.UtcNow;
        var through = new Dictionary<string, SiloProcess>();
        var requested = new List<WireEvent>();
        for (var half = 0; half < 2; half++)
        {
            var batch = Enumerable.Range(half * caseCount / 2, caseCount / 2)
                .SelectMany(i => new[]
                {
                    Event($"dead-case-{i}", "e0", "case.opened", now - TimeSpan.FromSeconds(1)),
                    Event($"dead-case-{i}", "e1", "handoff.requested", now) with { ToDepartment = Journeys.Billing },
                })
                .ToList();
            await Api.PostAsync(silos[half], batch);
            foreach (var e in batch.Where(e => e.Type == "handoff.requested")) through[e.CaseId!] = silos[half];
            requested.AddRange(batch.Where(e => e.Type == "handoff.requested"));
        }

        var hosts = new Dictionary<string, string>();
        foreach (var e in requested) hosts[e.CaseId!] = (await Api.GetAsync(silos[0], $"/api/v1/cases/{e.CaseId}")).Text("hostedBy")!;

        // The silo to kill hosts the most cases; what counts are its cases whose baton came in through the other one.
        var doomed = silos.MaxBy(silo => hosts.Count(kv => kv.Value == silo.SiloAddress))!;
        var survivor = silos.Single(silo => silo != doomed);
        var onDoomed = hosts.Where(kv => kv.Value == doomed.SiloAddress && through[kv.Key] == survivor).Select(kv => kv.Key).Order().ToList();
        output.WriteLine($"{doomed.Name} ({doomed.SiloAddress}) hosts {hosts.Count(kv => kv.Value == doomed.SiloAddress)} of {caseCount} cases, "
            + $"{onDoomed.Count} of them with a baton requested through {survivor.Name}");
        Assert.True(onDoomed.Count > 0, $"no case on {doomed.Name} got its baton through {survivor.Name}: [{string.Join(", ", hosts.Select(kv => $"{kv.Key}@{kv.Value}"))}]");

        doomed.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        var dueAt = now + sla;
        output.WriteLine($"{doomed.Name} SIGKILLed {(dueAt - killedAt).TotalSeconds:F1} s before the batons' deadline");
        Assert.True(killedAt < dueAt, "the silo must die before the deadline for this test to mean anything");

        var declaredDead = await Api.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(cluster.Database, $"SELECT count(*) FROM orleans_membership WHERE status = {DeadStatus}") == 1,
            TimeSpan.FromSeconds(60), $"{doomed.Name} is declared dead in the membership table");
        output.WriteLine($"{doomed.Name} declared dead {declaredDead.TotalSeconds:F1} s after the SIGKILL");

        var alertIds = requested.Select(e => $"DroppedBaton:{e.CaseId}:{e.EventId}").ToHashSet(StringComparer.Ordinal);
        await Expect.StoredAlertsBecomeAsync(cluster.Database, alertIds, (dueAt - DateTimeOffset.UtcNow) + TimeSpan.FromSeconds(30));

        // Let any late second attempt (a timer, the sweep, a rebuilt case) happen before counting.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(caseCount, await Sql.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM toh_alert"));
        var listed = await Api.AlertsAsync(survivor, "&kind=DroppedBaton");
        Assert.Equal(alertIds.Order(), listed.Select(a => a.Text("alertId")!).Order());

        var lags = listed.ToDictionary(a => a.Text("caseId")!, a => Lag(a));
        var deadLags = hosts.Where(kv => kv.Value == doomed.SiloAddress).Select(kv => lags[kv.Key]).ToList();
        var liveLags = hosts.Where(kv => kv.Value == survivor.SiloAddress).Select(kv => lags[kv.Key]).ToList();
        output.WriteLine("raised at: " + string.Join(", ", listed.Select(a => a.Text("raisedAt")![17..23] + "/book" + TopOfHeart.Contracts.Grains.AlertBooks.PartitionOf(a.Text("alertId")!) + (hosts[a.Text("caseId")!] == doomed.SiloAddress ? "/dead" : "/live")).Order()));
        foreach (var caseId in hosts.Keys)
        {
            var view = await Api.GetAsync(survivor, $"/api/v1/cases/{caseId}");
            Assert.Equal(survivor.SiloAddress, view.Text("hostedBy"));
        }

        Figures.Record(output, "deadline → alert, baton's silo SIGKILLed", deadLags.Max().TotalSeconds, "s",
            $"worst of {deadLags.Count} batons whose case lived on the killed silo ({onDoomed.Count} requested through the survivor) (mean {deadLags.Average(l => l.TotalSeconds):F2} s); "
            + $"dead declared {declaredDead.TotalSeconds:F1} s after the kill, deadline {(dueAt - killedAt).TotalSeconds:F1} s after it");
        if (liveLags.Count > 0)
        {
            Figures.Record(output, "deadline → alert, baton's silo alive", liveLags.Max().TotalSeconds, "s",
                $"worst of {liveLags.Count} batons on the survivor (mean {liveLags.Average(l => l.TotalSeconds):F2} s; its own timer, books moving after the membership change)");
        }

        // "Soon": the sweep's grace plus one round, with room for a loaded machine.
        Assert.All(deadLags, lag => Assert.InRange(lag, TimeSpan.Zero, TimeSpan.FromSeconds(10)));

        // The listing activated every book; each left its escalation backstop in the reminder table (registered off its activation).
        const int books = TopOfHeart.Contracts.Grains.AlertBooks.Partitions;
        await Api.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(cluster.Database, $"SELECT count(*) FROM orleans_reminder WHERE reminder_name = '{TopOfHeart.Grains.Alerts.AlertBookGrain.EscalationReminder}'") == books,
            TimeSpan.FromSeconds(30), $"each of the {books} alert books holds its escalation reminder");
    }

    private static TimeSpan Lag(JsonElement alert) =>
        DateTimeOffset.Parse(alert.Text("raisedAt")!, System.Globalization.CultureInfo.InvariantCulture)
        - DateTimeOffset.Parse(alert.Text("dueAt")!, System.Globalization.CultureInfo.InvariantCulture);

    private static WireEvent Event(string caseId, string suffix, string type, DateTimeOffset at) => new()
    {
        EventId = $"{caseId}-{suffix}",
        Type = type,
        OccurredAt = at,
        CustomerId = $"{caseId}-customer",
        CaseId = caseId,
        Department = Journeys.Sales,
    };
}
