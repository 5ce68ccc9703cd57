using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TopOfHeart.Silo.Postgres;

namespace TopOfHeart.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SchemaMigratorTests(PostgresServer server) : IDisposable
{
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("topofheart-sql-");

    private static readonly string[] ShippedScripts = SchemaScript.LoadAll(SchemaMigrator.DefaultScriptDirectory)
        .Select(script => script.Name)
        .ToArray();

    [Fact]
    public void The_build_ships_the_Orleans_scripts_in_order()
    {
        Assert.Equal(
            ["001_orleans_main.sql", "002_orleans_clustering.sql", "003_orleans_persistence.sql", "004_orleans_reminders.sql"],
            ShippedScripts.Take(4));
    }

    [Fact]
    public async Task Applies_every_script_once_and_nothing_the_second_time()
    {
        var database = await server.CreateDatabaseAsync();
        var migrator = new SchemaMigrator(database, NullLogger.Instance);

        var first = await migrator.ApplyAsync();
        var second = await migrator.ApplyAsync();

        Assert.Equal(ShippedScripts, first);
        Assert.Empty(second);
        var recorded = await Sql.ReadAsync(database,
            "SELECT file_name, checksum FROM schema_migration ORDER BY file_name",
            reader => (reader.GetString(0), reader.GetString(1)));
        Assert.Equal(
            SchemaScript.LoadAll(SchemaMigrator.DefaultScriptDirectory).Select(script => (script.Name, script.Checksum)),
            recorded);
    }

    [Fact]
    public async Task Scripts_are_idempotent_when_forced_to_run_again()
    {
        var database = await server.CreateDatabaseAsync();
        var migrator = new SchemaMigrator(database, NullLogger.Instance);
        await migrator.ApplyAsync();

        // Forget the record: every script runs a second time over the existing schema.
        await Sql.ExecuteAsync(database, "DELETE FROM schema_migration");
        var again = await migrator.ApplyAsync();

        Assert.Equal(ShippedScripts, again);
    }

    [Fact]
    public async Task Silos_starting_together_apply_the_schema_exactly_once()
    {
        var database = await server.CreateDatabaseAsync();

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            Task.Run(() => new SchemaMigrator(database, NullLogger.Instance).ApplyAsync())));

        Assert.Single(runs, applied => applied.Count > 0);
        Assert.Equal(ShippedScripts, runs.Single(applied => applied.Count > 0));
        Assert.Equal(ShippedScripts.Length, await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM schema_migration"));
    }

    [Fact]
    public async Task A_changed_script_is_applied_again_and_the_others_are_not()
    {
        var database = await server.CreateDatabaseAsync();
        File.WriteAllText(Path.Combine(scratch.FullName, "001_first.sql"), "CREATE TABLE IF NOT EXISTS first_table (id int);");
        File.WriteAllText(Path.Combine(scratch.FullName, "002_second.sql"), "CREATE TABLE IF NOT EXISTS second_table (id int);");
        var migrator = new SchemaMigrator(database, NullLogger.Instance);
        await migrator.ApplyAsync(scratch.FullName);

        File.AppendAllText(Path.Combine(scratch.FullName, "002_second.sql"), "\nCREATE TABLE IF NOT EXISTS third_table (id int);");
        var applied = await migrator.ApplyAsync(scratch.FullName);

        Assert.Equal(["002_second.sql"], applied);
        Assert.Equal("third_table", await Sql.ScalarAsync<string>(database, "SELECT to_regclass('third_table')::text"));
    }

    [Fact]
    public async Task A_failing_script_is_named_and_nothing_of_the_run_is_kept()
    {
        var database = await server.CreateDatabaseAsync();
        File.WriteAllText(Path.Combine(scratch.FullName, "001_good.sql"), "CREATE TABLE good_table (id int);");
        File.WriteAllText(Path.Combine(scratch.FullName, "002_broken.sql"), "CREATE TABLE broken_table (id int;");
        var migrator = new SchemaMigrator(database, NullLogger.Instance);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.ApplyAsync(scratch.FullName));

        Assert.Contains("sql/002_broken.sql", failure.Message);
        Assert.Contains("syntax error", failure.Message);
        Assert.IsType<PostgresException>(failure.InnerException);
        Assert.Null(await Sql.ScalarAsync<string?>(database, "SELECT to_regclass('good_table')::text"));
        Assert.Null(await Sql.ScalarAsync<string?>(database, "SELECT to_regclass('schema_migration')::text"));
    }

    [Fact]
    public async Task A_log_made_before_the_bytewise_ids_keeps_its_events_and_its_keys_once_upgraded()
    {
        // The schema as it was before 102: the scripts up to 101, and an event logged under the database's collation.
        var database = await server.CreateDatabaseAsync();
        foreach (var script in new DirectoryInfo(SchemaMigrator.DefaultScriptDirectory).GetFiles("*.sql").Where(f => string.CompareOrdinal(f.Name, "102") < 0))
            script.CopyTo(Path.Combine(scratch.FullName, script.Name));
        var migrator = new SchemaMigrator(database, NullLogger.Instance);
        await migrator.ApplyAsync(scratch.FullName);
        Assert.Equal("\"default\"", await Sql.ScalarAsync<string>(database, Collation("toh_event", "event_id")));
        const string Insert = "INSERT INTO toh_event (event_id, type, occurred_at, customer_id, case_id) VALUES ('ev-1', 1, now(), 'cust-1', 'case-1')";
        await Sql.ExecuteAsync(database, Insert);
        await Sql.ExecuteAsync(database, "INSERT INTO toh_wakeup (case_id, due_at) VALUES ('case-1', now())");

        var applied = await migrator.ApplyAsync();

        Assert.Equal(["102_topofheart_log_write_costs.sql"], applied);
        foreach (var column in new[] { "event_id", "customer_id", "case_id" })
            Assert.Equal("\"C\"", await Sql.ScalarAsync<string>(database, Collation("toh_event", column)));
        Assert.Equal("\"C\"", await Sql.ScalarAsync<string>(database, Collation("toh_wakeup", "case_id")));
        Assert.Equal("\"default\"", await Sql.ScalarAsync<string>(database, Collation("toh_event", "employee_id")));
        Assert.Equal("{toast_tuple_target=8160}", await Sql.ScalarAsync<string>(database, "SELECT reloptions::text FROM pg_class WHERE relname = 'toh_pending_batch'"));

        // The event is still there, found through the rebuilt case index, and its id is still a key.
        Assert.Equal("ev-1", await Sql.ScalarAsync<string>(database, "SELECT event_id FROM toh_event WHERE case_id = 'case-1'"));
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => Sql.ExecuteAsync(database, Insert));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }

    private static string Collation(string table, string column) =>
        $"SELECT attcollation::regcollation::text FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attname = '{column}'";

    [Fact]
    public async Task A_missing_scripts_folder_is_a_clear_error()
    {
        var database = await server.CreateDatabaseAsync();
        var missing = Path.Combine(scratch.FullName, "nowhere");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new SchemaMigrator(database, NullLogger.Instance).ApplyAsync(missing));

        Assert.Contains(missing, failure.Message);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_clear_error()
    {
        var nowhere = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=2";

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new SchemaMigrator(nowhere, NullLogger.Instance).ApplyAsync());

        Assert.StartsWith("Connecting to PostgreSQL to apply the sql/ scripts failed", failure.Message);
    }

    public void Dispose() => scratch.Delete(recursive: true);
}
