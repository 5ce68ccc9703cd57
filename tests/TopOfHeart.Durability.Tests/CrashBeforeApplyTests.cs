using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Silo.Postgres;

namespace TopOfHeart.Durability.Tests;

/// <summary>A crash between the commit (202) and the grains applying the batch: the recovery sweep finishes the job.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class CrashBeforeApplyTests(PostgresServer server, ITestOutputHelper output)
{
    [Fact(Timeout = 90_000)]
    public async Task A_batch_logged_but_never_applied_is_applied_by_the_recovery_sweep_of_the_next_silo()
    {
        var sla = TimeSpan.FromSeconds(30);
        await using var cluster = await Cluster.CreateAsync(server, output, sla);
        var scripts = Path.Combine(Path.GetDirectoryName(SiloProcess.LocateSiloDll())!, "sql");
        await new SchemaMigrator(cluster.Database, NullLogger.Instance).ApplyAsync(scripts);

        var events = Journeys.Build("pending", cases: 10, start: DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
        await LeaveAsACrashWouldAsync(cluster.Database, events, sla);

        var silo = await cluster.StartSiloAsync("silo-a");
        var swept = await Api.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM toh_pending_batch") == 0,
            TimeSpan.FromSeconds(30), "the recovery sweep applies the pending batch and forgets it");
        output.WriteLine($"pending batch applied {silo.SinceStart.Elapsed.TotalSeconds:F1} s after the silo started ({swept.TotalSeconds:F1} s after it was healthy)");

        // The sweep logs after its commit, and the silo's output reaches its log file a moment later still.
        await Api.EventuallyAsync(
            () => Task.FromResult(File.ReadAllText(silo.LogPath).Contains("Re-applied pending batch", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the silo's log says the sweep re-applied the pending batch");

        // Only the sweep feeds employees, touchpoints and departments (cases and customers would rebuild from the log anyway).
        foreach (var (employee, count) in CountBy(events, e => e.EmployeeId))
            Assert.Equal(count, (await Api.GetAsync(silo, $"/api/v1/employees/{Api.Encode(employee)}")).Int("eventCount"));
        foreach (var (touchpoint, count) in CountBy(events, e => e.TouchpointId))
            Assert.Equal(count, (await Api.GetAsync(silo, $"/api/v1/touchpoints/{Api.Encode(touchpoint)}")).Int("eventCount"));
        foreach (var (department, count) in CountBy(events, e => e.Department))
        {
            await Api.EventuallyAsync(
                async () => (await Api.GetAsync(silo, $"/api/v1/departments/{department}")).Int("eventCount") == count,
                TimeSpan.FromSeconds(5), $"department {department} counts its {count} events");
        }

        // The cases the sweep activated raised their alerts without anyone asking for them.
        var prediction = Prediction.Of([events], cluster.Detection, DateTimeOffset.UtcNow);
        await Expect.StoredAlertsBecomeAsync(cluster.Database, prediction.AlertIds, TimeSpan.FromSeconds(10));
        await Expect.CasesAsPredictedAsync(silo, prediction.RebuiltCases);
        await Expect.CustomersAsPredictedAsync(silo, prediction);
        await Expect.AlertListShowsEachOnceAsync(silo, prediction.AlertIds);
    }

    /// <summary>
    /// What a silo that died right after its commit leaves: the events in the log, their pending batch (old enough
    /// for the sweep) and the wake-ups of their deadlines — written with plain SQL, as the schema defines them.
    /// </summary>
    private static async Task LeaveAsACrashWouldAsync(string database, IReadOnlyList<WireEvent> wire, TimeSpan sla)
    {
        var events = wire.Select(e => e.ToContract()).ToList();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO toh_event (event_id, type, occurred_at, customer_id, case_id, department, employee_id, touchpoint_id, "
            + "channel, sentiment, to_department, reason, repeated_info, score) "
            + "SELECT * FROM unnest(@ids, @types, @at, @customers, @cases, @departments, @employees, @touchpoints, "
            + "@channels, @sentiments, @tos, @reasons, @repeated, @scores)", connection, transaction))
        {
            Add(insert, "ids", NpgsqlDbType.Text, events.Select(e => e.EventId));
            Add(insert, "types", NpgsqlDbType.Smallint, events.Select(e => (short)e.Type));
            Add(insert, "at", NpgsqlDbType.TimestampTz, events.Select(e => e.OccurredAt.UtcDateTime));
            Add(insert, "customers", NpgsqlDbType.Text, events.Select(e => e.CustomerId));
            Add(insert, "cases", NpgsqlDbType.Text, events.Select(e => e.CaseId));
            Add(insert, "departments", NpgsqlDbType.Text, events.Select(e => e.Department));
            Add(insert, "employees", NpgsqlDbType.Text, events.Select(e => e.EmployeeId));
            Add(insert, "touchpoints", NpgsqlDbType.Text, events.Select(e => e.TouchpointId));
            Add(insert, "channels", NpgsqlDbType.Smallint, events.Select(e => (short)e.Channel));
            Add(insert, "sentiments", NpgsqlDbType.Double, events.Select(e => e.Sentiment));
            Add(insert, "tos", NpgsqlDbType.Text, events.Select(e => e.ToDepartment));
            Add(insert, "reasons", NpgsqlDbType.Text, events.Select(e => e.Reason));
            Add(insert, "repeated", NpgsqlDbType.Boolean, events.Select(e => e.CustomerRepeatedInfo));
            Add(insert, "scores", NpgsqlDbType.Double, events.Select(e => e.Score));
            Assert.Equal(events.Count, await insert.ExecuteNonQueryAsync());
        }

        await using (var batch = new NpgsqlCommand(
            "INSERT INTO toh_pending_batch (event_ids, created_at) VALUES (@ids, now() - interval '1 minute')", connection, transaction))
        {
            Add(batch, "ids", NpgsqlDbType.Text, events.Select(e => e.EventId));
            await batch.ExecuteNonQueryAsync();
        }

        var requests = events.Where(e => e.Type == EventType.HandoffRequested).ToList();
        await using (var wakeups = new NpgsqlCommand(
            "INSERT INTO toh_wakeup (case_id, due_at) SELECT * FROM unnest(@cases, @due) ON CONFLICT DO NOTHING", connection, transaction))
        {
            Add(wakeups, "cases", NpgsqlDbType.Text, requests.Select(e => e.CaseId));
            Add(wakeups, "due", NpgsqlDbType.TimestampTz, requests.Select(e => (e.OccurredAt + sla).UtcDateTime));
            await wakeups.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType type, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values.ToArray() });

    private static Dictionary<string, int> CountBy(IEnumerable<WireEvent> events, Func<WireEvent, string?> key) =>
        events.Where(e => key(e) is not null).GroupBy(e => key(e)!).ToDictionary(g => g.Key, g => g.Count());
}
