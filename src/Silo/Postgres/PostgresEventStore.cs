using Npgsql;
using NpgsqlTypes;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// The event log in <c>toh_event</c>. An ingest request costs one statement and one commit: its events (a
/// multi-row insert, never a write per event), its pending-batch marker and its deadline wake-ups together.
/// Marking a batch applied and the grains' rebuild reads are shared between concurrent requests.
/// </summary>
public sealed class PostgresEventStore : IEventStore, IAsyncDisposable
{
    private const string Columns =
        "event_id, type, occurred_at, customer_id, case_id, department, employee_id, touchpoint_id, channel, sentiment, to_department, reason, repeated_info, score";

    // Data-modifying CTEs run once each, in one transaction: the log, the pending batch (only when something is
    // new) and the wake-ups of the new events commit together. Rows are locked in key order, so two silos logging
    // overlapping batches never deadlock; a concurrent insert of the same id waits for the other and then sees it.
    private const string AppendSql =
        "WITH fresh AS (" +
        $"INSERT INTO toh_event (seq, {Columns}) OVERRIDING SYSTEM VALUE " +
        // seq in request order (what the grains saw live, so a rebuild sees the same), rows inserted in id order.
        "SELECT * FROM (SELECT nextval((SELECT pg_get_serial_sequence('toh_event', 'seq'))::regclass), * FROM " +
        "unnest(@ids, @types, @at, @customers, @cases, @departments, @employees, @touchpoints, @channels, @sentiments, @tos, @reasons, @repeated, @scores)) AS logged " +
        "ORDER BY 2 ON CONFLICT (event_id) DO NOTHING RETURNING event_id), " +
        "pending AS (INSERT INTO toh_pending_batch (event_ids) SELECT array_agg(event_id) FROM fresh HAVING count(*) > 0 RETURNING batch_id), " +
        "woken AS (INSERT INTO toh_wakeup (case_id, due_at) " +
        "SELECT w.case_id, w.due_at FROM unnest(@wakeEvents, @wakeCases, @wakeDue) AS w(event_id, case_id, due_at) " +
        "WHERE w.event_id IN (SELECT event_id FROM fresh) ORDER BY 1, 2 ON CONFLICT DO NOTHING) " +
        // The main query sees the log as it was before this statement (the CTEs' inserts are invisible to it): the cases
        // and customers named here with no row in it are new, and their grains need not read the log when they activate.
        "SELECT coalesce((SELECT batch_id FROM pending), 0), array(SELECT event_id FROM fresh), " +
        "array(SELECT DISTINCT k FROM unnest(@cases) AS k WHERE k IS NOT NULL AND NOT EXISTS (SELECT 1 FROM toh_event t WHERE t.case_id = k)), " +
        "array(SELECT DISTINCT k FROM unnest(@customers) AS k WHERE NOT EXISTS (SELECT 1 FROM toh_event t WHERE t.customer_id = k))";

    private readonly NpgsqlDataSource database;
    private readonly AppliedBatchMarks applied;
    private readonly LogStatistics statistics;
    private readonly ReadCoalescer caseReads;
    private readonly ReadCoalescer customerReads;

    public PostgresEventStore(NpgsqlDataSource database, ILogger<PostgresEventStore> logger)
    {
        this.database = database;
        applied = new AppliedBatchMarks(database, logger);
        statistics = new LogStatistics(database, logger);

        // Rebuild reads may take a quarter of the pool each: appends, alerts and the sweep keep the rest.
        var readQueries = Math.Max(1, new NpgsqlConnectionStringBuilder(database.ConnectionString).MaxPoolSize / 4);
        caseReads = new ReadCoalescer(ReadCasesAsync, readQueries, MaxKeysPerRead);
        customerReads = new ReadCoalescer(ReadCustomersAsync, readQueries, MaxKeysPerRead);
    }

    private const int MaxKeysPerRead = 256;

    public bool IsDurable => true;

    /// <summary>The silo's own data source, its pool bounded (see <see cref="Configuration.PostgresPoolSettings"/>).</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString, int maxConnections)
    {
        var builder = new NpgsqlConnectionStringBuilder(Configuration.PostgresPoolSettings.Bounded(connectionString, maxConnections));

        // The same few statements run thousands of times a second: parse and plan them once per connection.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 32;

        // Nothing here changes session state, so a returned connection needs no reset statements on its next use.
        builder.NoResetOnClose = true;
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public async Task<AppendResult> AppendAsync(IReadOnlyList<TouchpointEvent> events, IReadOnlyList<Wakeup> wakeups, CancellationToken cancellationToken)
    {
        var isNew = new bool[events.Count];
        if (events.Count == 0) return new AppendResult(isNew, 0);

        await using var append = database.CreateCommand(AppendSql);
        Add(append, "ids", NpgsqlDbType.Text, Column(events, e => e.EventId));
        Add(append, "types", NpgsqlDbType.Smallint, Column(events, e => (short)e.Type));
        Add(append, "at", NpgsqlDbType.TimestampTz, Column(events, e => e.OccurredAt.UtcDateTime));
        Add(append, "customers", NpgsqlDbType.Text, Column(events, e => e.CustomerId));
        Add(append, "cases", NpgsqlDbType.Text, Column(events, e => e.CaseId));
        Add(append, "departments", NpgsqlDbType.Text, Column(events, e => e.Department));
        Add(append, "employees", NpgsqlDbType.Text, Column(events, e => e.EmployeeId));
        Add(append, "touchpoints", NpgsqlDbType.Text, Column(events, e => e.TouchpointId));
        Add(append, "channels", NpgsqlDbType.Smallint, Column(events, e => (short)e.Channel));
        Add(append, "sentiments", NpgsqlDbType.Double, Column(events, e => e.Sentiment));
        Add(append, "tos", NpgsqlDbType.Text, Column(events, e => e.ToDepartment));
        Add(append, "reasons", NpgsqlDbType.Text, Column(events, e => e.Reason));
        Add(append, "repeated", NpgsqlDbType.Boolean, Column(events, e => e.CustomerRepeatedInfo));
        Add(append, "scores", NpgsqlDbType.Double, Column(events, e => e.Score));
        Add(append, "wakeEvents", NpgsqlDbType.Text, wakeups.Select(w => w.EventId).ToArray());
        Add(append, "wakeCases", NpgsqlDbType.Text, wakeups.Select(w => w.CaseId).ToArray());
        Add(append, "wakeDue", NpgsqlDbType.TimestampTz, wakeups.Select(w => w.DueAt.UtcDateTime).ToArray());

        long batchId;
        HashSet<string> inserted;
        HashSet<string> newCases;
        HashSet<string> newCustomers;
        await using (var reader = await append.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            batchId = reader.GetInt64(0);
            inserted = new HashSet<string>(reader.GetFieldValue<string[]>(1), StringComparer.Ordinal);
            newCases = new HashSet<string>(reader.GetFieldValue<string[]>(2), StringComparer.Ordinal);
            newCustomers = new HashSet<string>(reader.GetFieldValue<string[]>(3), StringComparer.Ordinal);
        }

        statistics.Appended(inserted.Count);

        // An id twice in one call is new once, at its first occurrence.
        for (var i = 0; i < events.Count; i++) isNew[i] = inserted.Remove(events[i].EventId);
        return new AppendResult(isNew, batchId) { NewCases = newCases, NewCustomers = newCustomers };
    }

    /// <summary>Returns at once: the delete is shared with the marks of concurrent requests (see <see cref="AppliedBatchMarks"/>).</summary>
    public Task MarkAppliedAsync(long batchId, CancellationToken cancellationToken)
    {
        if (batchId != 0) applied.Mark(batchId);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => applied.DisposeAsync();

    /// <summary>
    /// The case's events, and the contacts its customer made without naming a case while it was open: the customer
    /// grain handed those to the case live, so a rebuilt case must see them too (the row keeps case_id NULL).
    /// Open means as the customer grain tracks it: its latest case.opened or case.resolved before the contact is not a resolve.
    /// </summary>
    public Task<IReadOnlyList<TouchpointEvent>> ReadCaseAsync(string caseId, CancellationToken cancellationToken) =>
        caseReads.ReadAsync(caseId, cancellationToken);

    public Task<IReadOnlyList<TouchpointEvent>> ReadCustomerAsync(string customerId, CancellationToken cancellationToken) =>
        customerReads.ReadAsync(customerId, cancellationToken);

    /// <summary>Events by id, in log order: what the recovery sweep applies again.</summary>
    public async Task<IReadOnlyList<TouchpointEvent>> ReadByIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] eventIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM toh_event WHERE event_id = ANY(@ids) ORDER BY seq", connection, transaction);
        Add(command, "ids", NpgsqlDbType.Text, eventIds);
        return (await ReadEventsAsync(command, keyOrdinal: null, cancellationToken)).GetValueOrDefault("") ?? [];
    }

    /// <summary>Several cases' events (see <see cref="ReadCaseAsync"/>) in one query, each case's in log order.</summary>
    private async Task<Dictionary<string, List<TouchpointEvent>>> ReadCasesAsync(string[] caseIds, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT e.*, k.case_key FROM unnest(@keys) AS k(case_key) CROSS JOIN LATERAL (" +
            $"SELECT {Columns}, seq FROM toh_event WHERE case_id = k.case_key " +
            $"UNION ALL SELECT {Columns.Replace("case_id", "k.case_key AS case_id", StringComparison.Ordinal)}, seq FROM toh_event c " +
            "WHERE c.case_id IS NULL AND c.type = @contact " +
            "AND c.customer_id IN (SELECT customer_id FROM toh_event WHERE case_id = k.case_key) " +
            "AND c.seq > (SELECT min(seq) FROM toh_event WHERE case_id = k.case_key) " +
            "AND coalesce((SELECT r.type FROM toh_event r WHERE r.case_id = k.case_key AND r.seq < c.seq AND r.type IN (@opened, @resolved) " +
            "ORDER BY r.seq DESC LIMIT 1), @opened) <> @resolved" +
            ") e ORDER BY e.seq");
        Add(command, "keys", NpgsqlDbType.Text, caseIds);
        command.Parameters.AddWithValue("contact", (short)EventType.CustomerContact);
        command.Parameters.AddWithValue("opened", (short)EventType.CaseOpened);
        command.Parameters.AddWithValue("resolved", (short)EventType.CaseResolved);
        return await ReadEventsAsync(command, keyOrdinal: 15, cancellationToken);
    }

    private async Task<Dictionary<string, List<TouchpointEvent>>> ReadCustomersAsync(string[] customerIds, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM toh_event WHERE customer_id = ANY(@keys) ORDER BY seq");
        Add(command, "keys", NpgsqlDbType.Text, customerIds);
        return await ReadEventsAsync(command, keyOrdinal: 3, cancellationToken);
    }

    /// <summary>The rows as events, grouped by the text column at <paramref name="keyOrdinal"/> (null: one group, ""), each group in row order.</summary>
    private static async Task<Dictionary<string, List<TouchpointEvent>>> ReadEventsAsync(NpgsqlCommand command, int? keyOrdinal, CancellationToken cancellationToken)
    {
        var events = new Dictionary<string, List<TouchpointEvent>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = keyOrdinal is { } ordinal ? reader.GetString(ordinal) : "";
            if (!events.TryGetValue(key, out var group)) events[key] = group = [];
            group.Add(new TouchpointEvent
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
