using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Grains.Storage;

namespace TopOfHeart.Silo.Postgres;

/// <summary>Alerts in <c>toh_alert</c>, one JSON document each, keyed by alert id.</summary>
public sealed class PostgresAlertStore(NpgsqlDataSource database) : IAlertStore
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public bool IsDurable => true;

    public async Task<IReadOnlyList<Alert>> InsertNewAsync(int book, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0) return [];
        await using var command = database.CreateCommand(
            "INSERT INTO toh_alert (alert_id, book, status, raised_at, resolved_at, body) " +
            "SELECT id, @book, status, raised, resolved, body FROM unnest(@ids, @statuses, @raised, @resolved, @bodies) AS a(id, status, raised, resolved, body) " +
            "ORDER BY id ON CONFLICT (alert_id) DO NOTHING RETURNING alert_id"); // id order: racing inserts never deadlock
        Fill(command, book, alerts);
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) inserted.Add(reader.GetString(0));
        return alerts.Where(a => inserted.Contains(a.AlertId)).ToList();
    }

    public async Task UpdateAsync(int book, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0) return;
        await using var command = database.CreateCommand(
            "UPDATE toh_alert t SET status = a.status, resolved_at = a.resolved, body = a.body " +
            "FROM unnest(@ids, @statuses, @raised, @resolved, @bodies) AS a(id, status, raised, resolved, body) " +
            "WHERE t.alert_id = a.id AND t.book = @book");
        Fill(command, book, alerts);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Alert>> LoadAsync(int book, DateTimeOffset resolvedSince, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT body FROM toh_alert WHERE book = @book AND (status <> @resolvedStatus OR resolved_at >= @since)");
        command.Parameters.AddWithValue("book", (short)book);
        command.Parameters.AddWithValue("resolvedStatus", (short)AlertStatus.Resolved);
        command.Parameters.AddWithValue("since", resolvedSince.UtcDateTime);
        var alerts = new List<Alert>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            alerts.Add(JsonSerializer.Deserialize<Alert>(reader.GetString(0), Json)!);
        }

        return alerts;
    }

    public async Task<CaseAlertIds> ReadCaseAlertIdsAsync(string caseId, CancellationToken cancellationToken)
    {
        // toh_alert_by_case (sql/101) indexes this expression.
        await using var command = database.CreateCommand(
            "SELECT alert_id, status = @resolvedStatus FROM toh_alert WHERE body ->> 'caseId' = @case ORDER BY raised_at, alert_id");
        command.Parameters.AddWithValue("case", caseId);
        command.Parameters.AddWithValue("resolvedStatus", (short)AlertStatus.Resolved);
        var raised = new List<string>();
        var resolved = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            raised.Add(id);
            if (reader.GetBoolean(1)) resolved.Add(id);
        }

        return new CaseAlertIds(raised, resolved);
    }

    public async Task WakeCaseAtAsync(string caseId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("INSERT INTO toh_wakeup (case_id, due_at) VALUES (@case, @due) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue("case", caseId);
        command.Parameters.AddWithValue("due", until.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ForgetAsync(int book, IReadOnlyList<string> alertIds, CancellationToken cancellationToken)
    {
        if (alertIds.Count == 0) return;
        await using var command = database.CreateCommand("DELETE FROM toh_alert WHERE book = @book AND alert_id = ANY(@ids)");
        command.Parameters.AddWithValue("book", (short)book);
        PostgresEventStore.Add(command, "ids", NpgsqlDbType.Text, alertIds.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Fill(NpgsqlCommand command, int book, IReadOnlyList<Alert> alerts)
    {
        command.Parameters.AddWithValue("book", (short)book);
        PostgresEventStore.Add(command, "ids", NpgsqlDbType.Text, alerts.Select(a => a.AlertId).ToArray());
        PostgresEventStore.Add(command, "statuses", NpgsqlDbType.Smallint, alerts.Select(a => (short)a.Status).ToArray());
        PostgresEventStore.Add(command, "raised", NpgsqlDbType.TimestampTz, alerts.Select(a => a.RaisedAt.UtcDateTime).ToArray());
        PostgresEventStore.Add(command, "resolved", NpgsqlDbType.TimestampTz, alerts.Select(a => a.ResolvedAt?.UtcDateTime).ToArray());
        PostgresEventStore.Add(command, "bodies", NpgsqlDbType.Jsonb, alerts.Select(a => JsonSerializer.Serialize(a, Json)).ToArray());
    }
}
