using Npgsql;
using NpgsqlTypes;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// The event log in <c>toh_event</c>: one multi-row insert per ingest request (never a write per
/// event), with the request's pending-batch marker and deadline wake-ups in the same transaction.
/// </summary>
public sealed class PostgresEventStore(NpgsqlDataSource database) : IEventStore
{
    public bool IsDurable => true;

    private const string Columns =
        "event_id, type, occurred_at, customer_id, case_id, department, employee_id, touchpoint_id, channel, sentiment, to_department, reason, repeated_info, score";

    public async Task<AppendResult> AppendAsync(IReadOnlyList<TouchpointEvent> events, IReadOnlyList<Wakeup> wakeups, CancellationToken cancellationToken)
    {
        var isNew = new bool[events.Count];
        if (events.Count == 0) return new AppendResult(isNew, 0);

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO toh_event ({Columns}) SELECT * FROM unnest(@ids, @types, @at, @customers, @cases, @departments, @employees, @touchpoints, @channels, @sentiments, @tos, @reasons, @repeated, @scores) " +
            // In id order: two silos logging overlapping batches lock the same rows in the same order, so they never deadlock.
            "ORDER BY 1 ON CONFLICT (event_id) DO NOTHING RETURNING event_id", connection, transaction))
        {
            Add(insert, "ids", NpgsqlDbType.Text, Column(events, e => e.EventId));
            Add(insert, "types", NpgsqlDbType.Smallint, Column(events, e => (short)e.Type));
            Add(insert, "at", NpgsqlDbType.TimestampTz, Column(events, e => e.OccurredAt.UtcDateTime));
            Add(insert, "customers", NpgsqlDbType.Text, Column(events, e => e.CustomerId));
            Add(insert, "cases", NpgsqlDbType.Text, Column(events, e => e.CaseId));
            Add(insert, "departments", NpgsqlDbType.Text, Column(events, e => e.Department));
            Add(insert, "employees", NpgsqlDbType.Text, Column(events, e => e.EmployeeId));
            Add(insert, "touchpoints", NpgsqlDbType.Text, Column(events, e => e.TouchpointId));
            Add(insert, "channels", NpgsqlDbType.Smallint, Column(events, e => (short)e.Channel));
            Add(insert, "sentiments", NpgsqlDbType.Double, Column(events, e => e.Sentiment));
            Add(insert, "tos", NpgsqlDbType.Text, Column(events, e => e.ToDepartment));
            Add(insert, "reasons", NpgsqlDbType.Text, Column(events, e => e.Reason));
            Add(insert, "repeated", NpgsqlDbType.Boolean, Column(events, e => e.CustomerRepeatedInfo));
            Add(insert, "scores", NpgsqlDbType.Double, Column(events, e => e.Score));
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) inserted.Add(reader.GetString(0));
        }

        for (var i = 0; i < events.Count; i++) isNew[i] = inserted.Contains(events[i].EventId);

        long batchId = 0;
        if (inserted.Count > 0)
        {
            await using var batch = new NpgsqlCommand("INSERT INTO toh_pending_batch (event_ids) VALUES (@ids) RETURNING batch_id", connection, transaction);
            Add(batch, "ids", NpgsqlDbType.Text, inserted.ToArray());
            batchId = (long)(await batch.ExecuteScalarAsync(cancellationToken))!;

            var due = wakeups.Where(w => inserted.Contains(w.EventId)).ToList();
            if (due.Count > 0)
            {
                await using var wake = new NpgsqlCommand(
                    "INSERT INTO toh_wakeup (case_id, due_at) SELECT * FROM unnest(@cases, @due) ORDER BY 1, 2 ON CONFLICT DO NOTHING", connection, transaction);
                Add(wake, "cases", NpgsqlDbType.Text, due.Select(w => w.CaseId).ToArray());
                Add(wake, "due", NpgsqlDbType.TimestampTz, due.Select(w => w.DueAt.UtcDateTime).ToArray());
                await wake.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new AppendResult(isNew, batchId);
    }

    public async Task MarkAppliedAsync(long batchId, CancellationToken cancellationToken)
    {
        if (batchId == 0) return;
        await using var command = database.CreateCommand("DELETE FROM toh_pending_batch WHERE batch_id = @id");
        command.Parameters.AddWithValue("id", batchId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The case's events, and the contacts its customer made without naming a case while it was open: the customer
    /// grain handed those to the case live, so a rebuilt case must see them too (the row keeps case_id NULL).
    /// Open means as the customer grain tracks it: its latest case.opened or case.resolved before the contact is not a resolve.
    /// </summary>
    public async Task<IReadOnlyList<TouchpointEvent>> ReadCaseAsync(string caseId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            $"SELECT {Columns}, seq FROM toh_event WHERE case_id = @key " +
            $"UNION ALL SELECT {Columns.Replace("case_id", "@key AS case_id", StringComparison.Ordinal)}, seq FROM toh_event c " +
            "WHERE c.case_id IS NULL AND c.type = @contact " +
            "AND c.customer_id IN (SELECT customer_id FROM toh_event WHERE case_id = @key) " +
            "AND c.seq > (SELECT min(seq) FROM toh_event WHERE case_id = @key) " +
            "AND coalesce((SELECT r.type FROM toh_event r WHERE r.case_id = @key AND r.seq < c.seq AND r.type IN (@opened, @resolved) " +
            "ORDER BY r.seq DESC LIMIT 1), @opened) <> @resolved " +
            "ORDER BY seq");
        command.Parameters.AddWithValue("key", caseId);
        command.Parameters.AddWithValue("contact", (short)EventType.CustomerContact);
        command.Parameters.AddWithValue("opened", (short)EventType.CaseOpened);
        command.Parameters.AddWithValue("resolved", (short)EventType.CaseResolved);
        return await ReadEventsAsync(command, cancellationToken);
    }

    public Task<IReadOnlyList<TouchpointEvent>> ReadCustomerAsync(string customerId, CancellationToken cancellationToken) =>
        ReadAsync("customer_id = @key", customerId, cancellationToken);

    /// <summary>Events by id, in log order: what the recovery sweep applies again.</summary>
    public async Task<IReadOnlyList<TouchpointEvent>> ReadByIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] eventIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM toh_event WHERE event_id = ANY(@ids) ORDER BY seq", connection, transaction);
        Add(command, "ids", NpgsqlDbType.Text, eventIds);
        return await ReadEventsAsync(command, cancellationToken);
    }

    private async Task<IReadOnlyList<TouchpointEvent>> ReadAsync(string where, string key, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM toh_event WHERE {where} ORDER BY seq");
        command.Parameters.AddWithValue("key", key);
        return await ReadEventsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<TouchpointEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<TouchpointEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new TouchpointEvent
            {
                EventId = reader.GetString(0),
                Type = (EventType)reader.GetInt16(1),
                OccurredAt = new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero),
                CustomerId = reader.GetString(3),
                CaseId = Text(reader, 4),
                Department = Text(reader, 5),
                EmployeeId = Text(reader, 6),
                TouchpointId = Text(reader, 7),
                Channel = (Channel)reader.GetInt16(8),
                Sentiment = reader.IsDBNull(9) ? null : reader.GetDouble(9),
                ToDepartment = Text(reader, 10),
                Reason = Text(reader, 11),
                CustomerRepeatedInfo = reader.GetBoolean(12),
                Score = reader.IsDBNull(13) ? null : reader.GetDouble(13),
            });
        }

        return events;
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static T[] Column<T>(IReadOnlyList<TouchpointEvent> events, Func<TouchpointEvent, T> pick)
    {
        var column = new T[events.Count];
        for (var i = 0; i < column.Length; i++) column[i] = pick(events[i]);
        return column;
    }

    internal static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType type, T[] values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });
}
