using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Silo.Postgres;

namespace TopOfHeart.Postgres.Tests;

/// <summary>toh_alert as a case rebuilt from the event log reads it: the ids of its own alerts, across every book.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertStoreTests(PostgresServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_case_reads_the_ids_of_its_own_alerts_across_books_and_which_are_resolved()
    {
        var database = await server.CreateDatabaseAsync();
        await new SchemaMigrator(database, NullLogger.Instance).ApplyAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var store = new PostgresAlertStore(source);
        var dropped = NewAlert(AlertKind.DroppedBaton, "case-17", "req", T0);
        var chasing = NewAlert(AlertKind.CustomerChasing, "case-17", "call", T0.AddSeconds(5));
        var neighbour = NewAlert(AlertKind.DroppedBaton, "case-170", "req", T0); // a case id that starts with the other's
        await store.InsertNewAsync(3, [dropped], CancellationToken.None);
        await store.InsertNewAsync(11, [chasing, neighbour], CancellationToken.None);
        await store.UpdateAsync(3, [dropped with { Status = AlertStatus.Resolved, ResolvedAt = T0.AddMinutes(1), Resolution = AlertVocabulary.LatePickup }],
            CancellationToken.None);

        var ids = await store.ReadCaseAlertIdsAsync("case-17", CancellationToken.None);
        var none = await store.ReadCaseAlertIdsAsync("case-unknown", CancellationToken.None);

        Assert.Equal([dropped.AlertId, chasing.AlertId], ids.Raised);
        Assert.Equal([dropped.AlertId], ids.Resolved);
        Assert.Empty(none.Raised);
        Assert.Empty(none.Resolved);
    }

    [Fact]
    public async Task The_read_by_case_uses_the_index_not_a_scan_of_every_alert()
    {
        var database = await server.CreateDatabaseAsync();
        await new SchemaMigrator(database, NullLogger.Instance).ApplyAsync();

        var plan = await Sql.ReadAsync(database,
            "SET enable_seqscan = off; EXPLAIN SELECT alert_id FROM toh_alert WHERE body ->> 'caseId' = 'case-17'",
            row => row.GetString(0));

        Assert.Contains(plan, line => line.Contains("toh_alert_by_case", StringComparison.Ordinal));
    }

    private static Alert NewAlert(AlertKind kind, string caseId, string trigger, DateTimeOffset raisedAt) => new()
    {
        AlertId = AlertVocabulary.AlertId(kind, caseId, trigger),
        Kind = kind,
        Severity = AlertVocabulary.SeverityOf(kind),
        Status = AlertStatus.Open,
        CaseId = caseId,
        CustomerId = "c-9",
        Department = "Billing",
        TriggerEventId = trigger,
        RaisedAt = raisedAt,
        Message = $"{kind} on {caseId}",
        Evidence = [trigger],
        UpdatedAt = raisedAt,
    };
}
