using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TopOfHeart.Durability.Tests;

/// <summary>
/// The state of every grain type survives a restart. Cases and customers rebuild from the event log and alerts
/// live in toh_alert: exact even after a SIGKILL. Employees, touchpoints, departments and the floor (board) keep
/// snapshots written every <c>TopOfHeart:Snapshots:Interval</c> (5 s by default) and when they deactivate: exact
/// after a graceful stop, and after a SIGKILL they lose at most what changed in the last interval.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class RestartTests(PostgresServer server, ITestOutputHelper output)
{
    [Fact(Timeout = 150_000)]
    public async Task The_state_of_every_grain_type_survives_a_graceful_restart()
    {
        await using var cluster = await Cluster.CreateAsync(server, output, TimeSpan.FromSeconds(30));
        var silo = await cluster.StartSiloAsync("silo-a");

        var events = Journeys.Build("calm", cases: 30, start: DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
        var requests = Journeys.RequestsByCase(events, casesPerRequest: 10);
        foreach (var request in requests) await Api.PostAsync(silo, request);
        var prediction = Prediction.Of(requests, cluster.Detection, DateTimeOffset.UtcNow);
        await Expect.StoredAlertsBecomeAsync(cluster.Database, prediction.AlertIds, TimeSpan.FromSeconds(10));

        // Customers who get in touch without naming a case: their customer grain hands the contact to their open cases.
        var caseless = events.Select(e => e.CustomerId).Distinct().Take(6)
            .Select((customer, i) => new WireEvent
            {
                EventId = $"calm-contact-{i}",
                Type = "customer.contact",
                OccurredAt = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(30),
                CustomerId = customer,
                Channel = "phone",
            })
            .ToList();
        await Api.PostAsync(silo, caseless);
        events.AddRange(caseless);
        // Their chases wait out the reorder grace before they are raised: capture the state after that.
        await Task.Delay(cluster.Detection.ReorderGrace + TimeSpan.FromSeconds(1));
        await ActOnAlertsAsync(silo, prediction);
        await FiguresSettleAsync(silo, events.Count);

        var before = await CaptureAsync(silo, events);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await silo.StopAsync();
        output.WriteLine($"graceful stop (SIGTERM → exit) took {stopping.Elapsed.TotalSeconds:F1} s");
        var restarted = await cluster.RestartAsync(silo);
        var after = await CaptureAsync(restarted, events);

        AssertSame(before, after, _ => true);
        output.WriteLine($"{before.Count} grain views identical after the restart: "
            + string.Join(", ", before.Keys.GroupBy(key => key.Split(':')[0]).Select(g => $"{g.Count()} {g.Key}")));
    }

    [Fact(Timeout = 150_000)]
    public async Task After_a_SIGKILL_logged_state_is_exact_and_snapshots_lose_at_most_their_last_interval()
    {
        var interval = TimeSpan.FromSeconds(1);
        await using var cluster = await Cluster.CreateAsync(server, output, TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["TopOfHeart:Snapshots:Interval"] = interval.ToString("c") });
        var silo = await cluster.StartSiloAsync("silo-a");

        // The first half is older than two snapshot intervals when the silo dies; the second half is milliseconds old.
        var events = Journeys.Build("kill", cases: 40, start: DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
        var requests = Journeys.RequestsByCase(events, casesPerRequest: 10);
        var early = requests.Take(2).ToList();
        foreach (var request in early) await Api.PostAsync(silo, request);
        var earlyPrediction = Prediction.Of(early, cluster.Detection, DateTimeOffset.UtcNow);
        await Expect.StoredAlertsBecomeAsync(cluster.Database, earlyPrediction.AlertIds, TimeSpan.FromSeconds(10));
        var acted = await ActOnAlertsAsync(silo, earlyPrediction);
        await FiguresSettleAsync(silo, early.Sum(r => r.Count));
        await Task.Delay(2 * interval + TimeSpan.FromMilliseconds(500));
        var snapshotted = await CaptureAsync(silo, events);

        foreach (var request in requests.Skip(2)) await Api.PostAsync(silo, request);
        silo.Kill();

        var restarted = await cluster.RestartAsync(silo);
        var prediction = Prediction.Of(requests, cluster.Detection, DateTimeOffset.UtcNow);
        var after = await CaptureAsync(restarted, events);

        // Exact: what the log and toh_alert hold, the alerts' acknowledged and resolved statuses included.
        await Expect.StoredAlertsBecomeAsync(cluster.Database, prediction.AlertIds, TimeSpan.FromSeconds(10));
        await Expect.CasesAsPredictedAsync(restarted, prediction.RebuiltCases);
        await Expect.CustomersAsPredictedAsync(restarted, prediction);
        await Expect.AlertListShowsEachOnceAsync(restarted, prediction.AlertIds);
        foreach (var alert in acted)
        {
            var key = $"alert:{alert["alertId"]}";
            Assert.True(JsonNode.DeepEquals(alert, after[key]), $"{key}: before the kill {alert.ToJsonString()}, after {after[key].ToJsonString()}");
        }

        // Bounded: each snapshot count lies between the snapshot surely written before the second half and everything posted.
        var rows = new List<string>();
        var lost = 0;
        foreach (var (key, posted) in Posted(events))
        {
            var field = key == "board" ? "eventsTotal" : "eventCount";
            var low = snapshotted.TryGetValue(key, out var old) ? Count(old, field) : 0;
            var got = after.TryGetValue(key, out var now) ? Count(now, field) : 0;
            if (got < posted) lost++;
            rows.Add($"| {key,-40} | {low,16} | {got,13} | {posted,6} |");
            Assert.True(low <= got && got <= posted, $"{key}: {field} {got} after the SIGKILL, outside [{low}, {posted}]");
        }

        output.WriteLine($"Snapshot grains after a SIGKILL right after the last 202 (snapshot interval {interval.TotalSeconds} s), eventCount (board: eventsTotal):");
        output.WriteLine($"| {"grain",-40} | {"before 2nd half",16} | {"after restart",13} | {"posted",6} |");
        foreach (var row in rows) output.WriteLine(row);
        output.WriteLine($"{lost} of {rows.Count} snapshot grains lost changes of their last interval (by design: snapshots, not the log); "
            + $"{prediction.Cases.Count} cases, {prediction.CustomerEvents.Count} customers and {prediction.AlertIds.Count} alerts exact");
    }

    /// <summary>What each snapshot grain would count had it kept every event: keyed like <see cref="CaptureAsync"/>.</summary>
    private static IEnumerable<(string Key, long Count)> Posted(IReadOnlyList<WireEvent> events)
    {
        foreach (var g in events.GroupBy(e => e.EmployeeId).OrderBy(g => g.Key)) yield return ($"employee:{g.Key}", g.Count());
        foreach (var g in events.GroupBy(e => e.TouchpointId).OrderBy(g => g.Key)) yield return ($"touchpoint:{g.Key}", g.Count());
        foreach (var g in events.GroupBy(e => e.Department).OrderBy(g => g.Key)) yield return ($"department:{g.Key}", g.Count());
        yield return ("board", events.Count);
    }

    /// <summary>Acknowledges one alert and resolves another (their lifecycle must survive too); returns both as answered.</summary>
    private static async Task<JsonNode[]> ActOnAlertsAsync(SiloProcess silo, Prediction prediction)
    {
        var ids = prediction.AlertIds.Order(StringComparer.Ordinal).ToList();
        using var ack = await silo.Http.PostAsJsonAsync("/api/v1/alerts/ack", new { alertId = ids[0], by = "supervisor-7" });
        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        using var resolve = await silo.Http.PostAsJsonAsync("/api/v1/alerts/resolve", new { alertId = ids[1], by = "supervisor-7", resolution = "called back" });
        Assert.True(resolve.IsSuccessStatusCode, await resolve.Content.ReadAsStringAsync());
        return [JsonNode.Parse(await ack.Content.ReadAsStringAsync())!, JsonNode.Parse(await resolve.Content.ReadAsStringAsync())!];
    }

    /// <summary>Waits until the floor has counted every event and its figures stop moving (they flush every 250 ms).</summary>
    private static async Task FiguresSettleAsync(SiloProcess silo, int events)
    {
        string? previous = null;
        await Api.EventuallyAsync(async () =>
        {
            var board = await Api.GetAsync(silo, "/api/v1/board");
            var stable = Strip(board, "at", "eventsPerSecond").ToJsonString();
            var settled = board.GetProperty("eventsTotal").GetInt64() == events && stable == previous;
            previous = stable;
            return settled;
        }, TimeSpan.FromSeconds(15), $"the board counts {events} events and stops changing", pollMilliseconds: 400);
    }

    /// <summary>The view of every grain the events touched, keyed "kind:id", without what names the process or the moment.</summary>
    private static async Task<Dictionary<string, JsonNode>> CaptureAsync(SiloProcess silo, IReadOnlyList<WireEvent> events)
    {
        var views = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        async Task Add(string kind, string path, IEnumerable<string?> ids, params string[] volatileFields)
        {
            foreach (var id in ids.OfType<string>().Distinct().Order(StringComparer.Ordinal))
            {
                using var response = await silo.Http.GetAsync($"/api/v1/{path}/{Api.Encode(id)}");
                if (response.StatusCode == System.Net.HttpStatusCode.NotFound) continue;
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(response.IsSuccessStatusCode, $"{silo.Name}: {path}/{id}: {body}");
                views[$"{kind}:{id}"] = Strip(body, volatileFields);
            }
        }

        await Add("case", "cases", events.Select(e => e.CaseId), "hostedBy");
        await Add("customer", "customers", events.Select(e => e.CustomerId));
        await Add("employee", "employees", events.Select(e => e.EmployeeId));
        await Add("touchpoint", "touchpoints", events.Select(e => e.TouchpointId));
        await Add("department", "departments", events.Select(e => e.Department));
        views["board"] = Strip(await Api.GetAsync(silo, "/api/v1/board"), "at", "eventsPerSecond");
        foreach (var alert in await Api.AlertsAsync(silo)) views[$"alert:{alert.Text("alertId")}"] = Strip(alert);
        return views;
    }

    private static JsonNode Strip(JsonElement element, params string[] fields)
    {
        var node = JsonNode.Parse(element.GetRawText())!;
        foreach (var field in fields) node.AsObject().Remove(field);
        return node;
    }

    private static long Count(JsonNode view, string field) => view[field]!.GetValue<long>();

    private static void AssertSame(Dictionary<string, JsonNode> expected, Dictionary<string, JsonNode> actual, Func<string, bool> which)
    {
        var keys = expected.Keys.Where(which).ToList();
        Assert.NotEmpty(keys);
        var missing = keys.Where(key => !actual.ContainsKey(key)).ToList();
        Assert.True(missing.Count == 0, $"gone after the restart: {string.Join(", ", missing)}");
        var extra = actual.Keys.Where(which).Except(keys).ToList();
        Assert.True(extra.Count == 0, $"new after the restart: {string.Join(", ", extra)}");
        foreach (var key in keys)
        {
            Assert.True(JsonNode.DeepEquals(expected[key], actual[key]),
                $"{key} changed across the restart:\n before {expected[key].ToJsonString()}\n after  {actual[key].ToJsonString()}");
        }
    }
}
