using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TopOfHeart.Contracts.Events;
using TopOfHeart.Grains.Storage;
using TopOfHeart.Silo.Configuration;
using TopOfHeart.Silo.Postgres;
using Xunit.Abstractions;

namespace TopOfHeart.Postgres.Tests;

/// <summary>The event log is the idempotency authority in PostgreSQL mode: what it answers decides accepted or duplicate.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EventStoreTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Concurrent_appends_with_overlapping_ids_accept_each_id_exactly_once()
    {
        var (database, connectionString) = await NewLogAsync();
        await using var _ = database;
        await using var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);

        // 24 callers, 200 events each, every id sent by three of them: 1,600 distinct ids.
        const int callers = 24;
        var calls = Enumerable.Range(0, callers).Select(c =>
            Enumerable.Range(0, 200).Select(k => Event($"ev-{((c / 3 * 200) + k):D5}", $"case-{(c / 3 * 200 + k) / 4}")).ToList()).ToList();
        var results = await Task.WhenAll(calls.Select(events => Task.Run(() =>
            store.AppendAsync(events, events.Select(e => new Wakeup(e.EventId, e.CaseId!, e.OccurredAt.AddMinutes(2))).ToList(), default))));

        var newIds = results.SelectMany((r, c) => calls[c].Where((_, i) => r.IsNew[i]).Select(e => e.EventId)).ToList();
        Assert.Equal(1600, newIds.Count);
        Assert.Equal(1600, newIds.Distinct().Count());
        Assert.Equal(1600L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM toh_event"));

        // Each pending batch holds exactly its caller's new events; a caller with nothing new leaves none.
        var pending = await Sql.ReadAsync(connectionString, "SELECT batch_id, event_ids FROM toh_pending_batch",
            row => (Id: row.GetInt64(0), Ids: row.GetFieldValue<string[]>(1)));
        for (var c = 0; c < callers; c++)
        {
            var mine = calls[c].Where((_, i) => results[c].IsNew[i]).Select(e => e.EventId).Order().ToArray();
            if (mine.Length == 0)
            {
                Assert.Equal(0, results[c].BatchId);
                continue;
            }

            Assert.Equal(mine, pending.Single(p => p.Id == results[c].BatchId).Ids.Order().ToArray());
        }

        // One wake-up per distinct deadline (four events per case share one), kept once however many callers sent it.
        Assert.Equal(400L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM toh_wakeup"));
    }

    [Fact]
    public async Task An_id_twice_in_one_append_is_new_once_and_a_logged_id_is_a_duplicate_with_no_wakeup()
    {
        var (database, connectionString) = await NewLogAsync();
        await using var _ = database;
        await using var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);

        var first = await store.AppendAsync([Event("a", "case-1"), Event("b", "case-1"), Event("a", "case-1")], [], default);
        Assert.Equal([true, true, false], first.IsNew);

        var again = await store.AppendAsync([Event("b", "case-1")], [new Wakeup("b", "case-1", Start.AddHours(1))], default);
        Assert.Equal([false], again.IsNew);
        Assert.Equal(0, again.BatchId);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM toh_wakeup"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM toh_pending_batch"));
    }

    [Fact]
    public async Task An_append_names_the_cases_the_log_held_nothing_of_before_it()
    {
        var (database, _) = await NewLogAsync();
        await using var __ = database;
        await using var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);

        var first = await store.AppendAsync([Event("a1", "case-a"), Event("a2", "case-a"), Event("c1", null, EventType.CustomerContact)], [], default);
        Assert.Equal(["case-a"], first.NewCases!.Order());

        // case-a has logged events now; case-b is new even though its only event comes after case-a's in the batch.
        var second = await store.AppendAsync([Event("a3", "case-a"), Event("b1", "case-b")], [], default);
        Assert.Equal(["case-b"], second.NewCases!.Order());

        // A retry of a logged event is no news about its case.
        var retry = await store.AppendAsync([Event("b1", "case-b")], [], default);
        Assert.Empty(retry.NewCases!);
    }

    [Fact]
    public async Task An_append_names_the_customers_the_log_held_nothing_of_before_it()
    {
        var (database, _) = await NewLogAsync();
        await using var __ = database;
        await using var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);

        var first = await store.AppendAsync(
            [Event("a1", "case-a", customer: "ann"), Event("a2", "case-a", customer: "ann"), Event("b1", null, EventType.CustomerContact, customer: "bob")],
            [], default);
        Assert.Equal(["ann", "bob"], first.NewCustomers!.Order());

        // ann has logged events now, whichever case they name; cy is new.
        var second = await store.AppendAsync([Event("a3", "case-z", customer: "ann"), Event("c1", "case-c", customer: "cy")], [], default);
        Assert.Equal(["cy"], second.NewCustomers!.Order());

        // A retry of a logged event is no news about its customer, nor is a new event of a known one.
        var retry = await store.AppendAsync([Event("c1", "case-c", customer: "cy"), Event("b2", null, EventType.CustomerContact, customer: "bob")], [], default);
        Assert.Empty(retry.NewCustomers!);
    }

    [Fact]
    public async Task A_log_growing_from_empty_is_analysed_by_the_silo_without_waiting_for_autovacuum()
    {
        var (database, connectionString) = await NewLogAsync();
        await using var __ = database;
        await using var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);
        await Sql.ExecuteAsync(connectionString, "ALTER TABLE toh_event SET (autovacuum_enabled = false)");

        for (var r = 0; r < 30; r++)
        {
            await store.AppendAsync(Enumerable.Range(0, 200).Select(k => Event($"grow-{r}-{k}", $"case-{r}-{k / 5}")).ToList(), [], default);
        }

        // 6,000 rows appended: past the first threshold (5,000), so the planner knows the log holds thousands of rows
        // (the analysis runs beside the last appends, so it saw 5,000 to 6,000 of them), not the handful of an empty table.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long analysed;
        while ((analysed = await Sql.ScalarAsync<long>(connectionString, "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'toh_event'")) == 0
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(1, analysed);
        Assert.InRange(await Sql.ScalarAsync<long>(connectionString, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'toh_event'::regclass"), 5000L, 6000L);
    }

    [Fact]
    public async Task A_batch_marked_applied_leaves_the_pending_list()
    {
        var (database, connectionString) = await NewLogAsync();
        await using var _ = database;
        var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);
        var batches = new List<long>();
        for (var i = 0; i < 30; i++) batches.Add((await store.AppendAsync([Event($"m-{i}", "case-m")], [], default)).BatchId);

        foreach (var batch in batches.Take(20)) await store.MarkAppliedAsync(batch, default);
        await store.DisposeAsync(); // writes the marks still queued

        var left = await Sql.ReadAsync(connectionString, "SELECT batch_id FROM toh_pending_batch ORDER BY 1", row => row.GetInt64(0));
        Assert.Equal(batches.Skip(20), left);
    }

    [Fact]
    public async Task Many_cases_rebuilding_at_once_each_read_their_own_events_in_log_order()
    {
        var (database, _) = await NewLogAsync();
        await using var __ = database;
        await using var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);

        var events = new List<TouchpointEvent>();
        for (var c = 0; c < 300; c++)
        {
            events.Add(Event($"open-{c}", $"case-{c}", EventType.CaseOpened, customer: $"cust-{c}", minute: 0));
            events.Add(Event($"talk-{c}", $"case-{c}", EventType.Interaction, customer: $"cust-{c}", minute: 1));

            // A contact naming no case while the case is open belongs to the rebuilt case too.
            events.Add(Event($"call-{c}", null, EventType.CustomerContact, customer: $"cust-{c}", minute: 2));
        }

        await store.AppendAsync(events, [], default);

        var reads = await Task.WhenAll(Enumerable.Range(0, 300).Select(c => Task.Run(() => store.ReadCaseAsync($"case-{c}", default))));
        for (var c = 0; c < 300; c++)
        {
            Assert.Equal([$"open-{c}", $"talk-{c}", $"call-{c}"], reads[c].Select(e => e.EventId));
            Assert.All(reads[c], e => Assert.Equal($"case-{c}", e.CaseId));
        }

        var customers = await Task.WhenAll(Enumerable.Range(0, 300).Select(c => Task.Run(() => store.ReadCustomerAsync($"cust-{c}", default))));
        for (var c = 0; c < 300; c++) Assert.Equal([$"open-{c}", $"talk-{c}", $"call-{c}"], customers[c].Select(e => e.EventId));
        Assert.Empty(await store.ReadCaseAsync("case-never", default));
    }

    [Fact]
    public async Task Durable_appends_of_200_events_from_16_callers_are_measured()
    {
        var (database, _) = await NewLogAsync();
        await using var __ = database;
        await using var store = new PostgresEventStore(database, NullLogger<PostgresEventStore>.Instance);
        const int callers = 16;
        const int rounds = 20;

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            for (var r = 0; r < rounds; r++)
            {
                var events = Enumerable.Range(0, 200).Select(k => Event($"rate-{c}-{r}-{k}", $"case-{c}-{k / 5}")).ToList();
                var appended = await store.AppendAsync(events, [], default);
                await store.MarkAppliedAsync(appended.BatchId, default);
            }
        })));

        var perSecond = callers * rounds * 200 / clock.Elapsed.TotalSeconds;
        output.WriteLine($"{callers * rounds * 200:N0} events in {clock.Elapsed.TotalSeconds:F2} s: {perSecond:N0} events/s appended durably");
    }

    [Theory]
    [InlineData("Host=db;Username=u", 16, 16)]
    [InlineData("Host=db;Username=u;Maximum Pool Size=40", 16, 40)]
    [InlineData("Host=db;Username=u;maximum pool size=7", 16, 7)]
    public void The_pool_is_bounded_unless_the_connection_string_says_otherwise(string connectionString, int setting, int expected)
    {
        var bounded = PostgresPoolSettings.Bounded(connectionString, setting);

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(bounded).MaxPoolSize);
    }

    private async Task<(NpgsqlDataSource Database, string ConnectionString)> NewLogAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await new SchemaMigrator(connectionString, NullLogger.Instance).ApplyAsync();
        return (PostgresEventStore.CreateDataSource(connectionString, 16), connectionString);
    }

    private static TouchpointEvent Event(string id, string? caseId, EventType type = EventType.Interaction, string customer = "cust-1", int minute = 0) => new()
    {
        EventId = id,
        Type = type,
        OccurredAt = Start.AddMinutes(minute),
        CustomerId = customer,
        CaseId = caseId,
        Department = "Sales",
    };
}
