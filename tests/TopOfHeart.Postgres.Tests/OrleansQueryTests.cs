using System.Data;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;
using TopOfHeart.Silo.Postgres;

namespace TopOfHeart.Postgres.Tests;

/// <summary>
/// The OrleansQuery rows, run the way Orleans' providers run them (same parameter names and
/// DbTypes): every key a provider asks for exists, and the version (ETag) rules hold.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class OrleansQueryTests(PostgresServer server)
{
    [Fact]
    public async Task Every_query_key_the_Orleans_providers_ask_for_is_installed()
    {
        var database = await MigratedDatabaseAsync();
        var installed = (await Sql.ReadAsync(database, "SELECT QueryKey FROM OrleansQuery", reader => reader.GetString(0))).ToHashSet();

        // The providers check their keys against the internal DbStoredQueries properties at start-up.
        var required = StoredQueryKeys(typeof(AdoNetClusteringSiloOptions).Assembly, "Orleans.Clustering.AdoNet.Storage.DbStoredQueries")
            .Concat(StoredQueryKeys(typeof(AdoNetReminderTableOptions).Assembly, "Orleans.Reminders.AdoNet.Storage.DbStoredQueries"))
            .Concat(QuotedKeys().Matches(AdoNetGrainStorage.DefaultInitializationQuery).Select(match => match.Groups[1].Value))
            .Append("CleanupDefunctSiloEntryKey") // optional: without it Orleans uses the coarser bulk clean-up
            .ToList();

        Assert.True(required.Count >= 21, $"found only {required.Count} required keys: the reflection above broke");
        var missing = required.Except(installed).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Grain_state_writes_need_the_version_they_read()
    {
        var database = await MigratedDatabaseAsync();
        var grain = new GrainStateKey(database);

        Assert.Equal(1, await grain.WriteAsync(expectedVersion: null, "first"u8.ToArray()));
        Assert.Null(await grain.WriteAsync(expectedVersion: null, "a second first write"u8.ToArray()));
        Assert.Equal(2, await grain.WriteAsync(expectedVersion: 1, "second"u8.ToArray()));
        Assert.Null(await grain.WriteAsync(expectedVersion: 1, "stale"u8.ToArray()));
        Assert.Equal(new StoredState("second", 2), await grain.ReadAsync());

        Assert.Equal(3, await grain.ChangeAsync("ClearStorageKey", expectedVersion: 2));
        Assert.Equal(new StoredState(null, 3), await grain.ReadAsync());
        Assert.Null(await grain.ChangeAsync("ClearStorageKey", expectedVersion: 2));

        var deletedVersion = await grain.ChangeAsync("DeleteStorageKey", expectedVersion: 3);
        Assert.NotNull(deletedVersion);
        Assert.NotEqual(3, deletedVersion);
        Assert.Null(await grain.ReadAsync());
    }

    [Fact]
    public async Task Grain_state_keys_tell_extensions_and_state_names_apart()
    {
        var database = await MigratedDatabaseAsync();

        Assert.Equal(1, await new GrainStateKey(database).WriteAsync(null, [1]));
        Assert.Equal(1, await new GrainStateKey(database, Extension: "desk-2").WriteAsync(null, [2]));
        Assert.Equal(1, await new GrainStateKey(database, StateName: "other-state").WriteAsync(null, [3]));
        Assert.Equal(1, await new GrainStateKey(database, ServiceId: "other-service").WriteAsync(null, [4]));
        Assert.Equal(4L, await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM orleans_grain_state"));
    }

    [Fact]
    public async Task Membership_writes_need_the_table_version_they_read()
    {
        var database = await MigratedDatabaseAsync();
        var silo = new { Address = "127.0.0.1", Port = 11111, Generation = 42 };
        var started = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);

        Assert.True(await BooleanAsync(database, "InsertMembershipVersionKey", Deployment));
        Assert.False(await BooleanAsync(database, "InsertMembershipVersionKey", Deployment));
        Assert.Equal([new Member(null, 0)], await ReadMembersAsync(database));

        object?[][] insert(int version, int generation) =>
        [
            .. Deployment, .. SiloKey(silo.Address, silo.Port, generation),
            P("SiloName", "silo-a"), P("HostName", "host-a"), P("Status", 2), P("ProxyPort", 30000),
            P("StartTime", started, DbType.DateTime), P("IAmAliveTime", started, DbType.DateTime), P("Version", version),
        ];
        Assert.True(await BooleanAsync(database, "InsertMembershipKey", insert(0, silo.Generation)));
        Assert.False(await BooleanAsync(database, "InsertMembershipKey", insert(1, silo.Generation))); // already there
        Assert.False(await BooleanAsync(database, "InsertMembershipKey", insert(0, silo.Generation + 1))); // stale version

        object?[][] update(int version, int status) =>
        [
            .. Deployment, .. SiloKey(silo.Address, silo.Port, silo.Generation),
            P("Status", status), P("SuspectTimes", null, DbType.String),
            P("IAmAliveTime", started.AddSeconds(5), DbType.DateTime), P("Version", version),
        ];
        Assert.True(await BooleanAsync(database, "UpdateMembershipKey", update(1, 3)));
        Assert.False(await BooleanAsync(database, "UpdateMembershipKey", update(1, 6))); // stale version
        Assert.Equal([new Member(3, 2)], await ReadMembersAsync(database));

        // A late heartbeat never moves the clock back.
        await RunAsync(database, "UpdateIAmAlivetimeKey",
            [.. Deployment, .. SiloKey(silo.Address, silo.Port, silo.Generation), P("IAmAliveTime", started, DbType.DateTime)]);
        Assert.Equal(started.AddSeconds(5),
            await Sql.ScalarAsync<DateTime>(database, "SELECT i_am_alive_time FROM orleans_membership"));

        var gateways = await RunAsync(database, "GatewaysQueryKey", [.. Deployment, P("Status", 3)]);
        Assert.Equal(new object?[] { "127.0.0.1", 30000, 42 }, Assert.Single(gateways));

        // Dead and untouched since: the provider's per-row clean-up removes it.
        Assert.True(await BooleanAsync(database, "UpdateMembershipKey", update(2, 6)));
        await RunAsync(database, "CleanupDefunctSiloEntryKey",
        [
            .. Deployment, .. SiloKey(silo.Address, silo.Port, silo.Generation), P("SuspectTimes", null, DbType.String),
            P("StartTime", started, DbType.DateTime), P("IAmAliveTime", started.AddSeconds(5), DbType.DateTime),
        ]);
        Assert.Equal([new Member(null, 3)], await ReadMembersAsync(database));
    }

    [Fact]
    public async Task Reminder_versions_guard_deletes_and_hash_ranges_wrap_around()
    {
        var database = await MigratedDatabaseAsync();
        var start = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        async Task<int> upsert(string grain, int hash, long periodMs) => Convert.ToInt32((await RunAsync(database, "UpsertReminderRowKey",
        [
            P("ServiceId", "service"), P("GrainHash", hash), P("GrainId", grain, DbType.AnsiString), P("ReminderName", "backstop"),
            P("StartTime", start, DbType.DateTime), periodMs > int.MaxValue ? P("Period", periodMs) : P("Period", (int)periodMs),
        ]))[0][0]);

        Assert.Equal(0, await upsert("case/low", -5, 60_000));
        Assert.Equal(1, await upsert("case/low", -5, 120_000));
        Assert.Equal(0, await upsert("case/mid", 5, 60_000));
        Assert.Equal(0, await upsert("case/high", int.MaxValue, 30L * 24 * 3600 * 1000));

        async Task<string[]> range(string key, int begin, int end) => (await RunAsync(database, key,
            [P("ServiceId", "service"), P("BeginHash", begin), P("EndHash", end)]))
            .Select(row => (string)row[0]!).Order().ToArray();
        Assert.Equal(["case/low", "case/mid"], await range("ReadRangeRows1Key", -10, 5));
        Assert.Equal(["case/high", "case/low"], await range("ReadRangeRows2Key", 5, -5));

        var row = (await RunAsync(database, "ReadReminderRowKey",
            [P("ServiceId", "service"), P("GrainId", "case/low", DbType.AnsiString), P("ReminderName", "backstop")])).Single();
        Assert.Equal(new object?[] { "case/low", "backstop", start, 120_000L, 1 }, row);

        object?[][] delete(int version) =>
            [P("ServiceId", "service"), P("GrainId", "case/low", DbType.AnsiString), P("ReminderName", "backstop"), P("Version", version)];
        Assert.False(await BooleanAsync(database, "DeleteReminderRowKey", delete(0)));
        Assert.True(await BooleanAsync(database, "DeleteReminderRowKey", delete(1)));
        Assert.Equal(2L, await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM orleans_reminder"));
    }

    private static readonly object?[][] Deployment = [P("DeploymentId", "cluster-1")];

    private static object?[][] SiloKey(string address, int port, int generation) =>
        [P("Address", address, DbType.AnsiString), P("Port", port), P("Generation", generation)];

    private static object?[] P(string name, object? value, DbType? type = null) => [name, value, type];

    private async Task<string> MigratedDatabaseAsync()
    {
        var database = await server.CreateDatabaseAsync();
        await new SchemaMigrator(database, NullLogger.Instance).ApplyAsync();
        return database;
    }

    private static async Task<Member[]> ReadMembersAsync(string database) =>
        (await RunAsync(database, "MembershipReadAllKey", Deployment))
        .Select(row => new Member(row[6] as int?, (int)row[11]!))
        .ToArray();

    /// <summary>A membership read row: the silo's status (null: no silo row) and the table version.</summary>
    private sealed record Member(int? Status, int TableVersion);

    private sealed record StoredState(string? Payload, int Version);

    private static async Task<bool> BooleanAsync(string database, string key, object?[][] parameters)
    {
        var row = Assert.Single(await RunAsync(database, key, parameters));
        return Convert.ToBoolean(Assert.Single(row));
    }

    /// <summary>Runs an OrleansQuery row with parameters typed like Orleans' DbExtensions types them.</summary>
    internal static async Task<List<object?[]>> RunAsync(string database, string key, object?[][] parameters)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        string text;
        await using (var lookup = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", connection))
        {
            lookup.Parameters.AddWithValue("key", key);
            text = (string?)await lookup.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no query {key}");
        }

        await using var command = new NpgsqlCommand(text, connection);
        foreach (var parameter in parameters)
        {
            var value = parameter[1];
            command.Parameters.Add(new NpgsqlParameter
            {
                ParameterName = (string)parameter[0]!,
                Value = value ?? DBNull.Value,
                DbType = parameter[2] as DbType? ?? value switch
                {
                    int => DbType.Int32,
                    long => DbType.Int64,
                    byte[] => DbType.Binary,
                    _ => DbType.String,
                },
            });
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static IEnumerable<string> StoredQueryKeys(Assembly assembly, string typeName) =>
        (assembly.GetType(typeName) ?? throw new InvalidOperationException($"{typeName} not found in {assembly.GetName().Name}"))
        .GetProperties(BindingFlags.Instance | BindingFlags.NonPublic)
        .Select(property => property.Name);

    [GeneratedRegex("'(\\w+Key)'")]
    private static partial Regex QuotedKeys();

    /// <summary>One grain state row's key, as AdoNetGrainStorage sends it.</summary>
    private sealed record GrainStateKey(
        string Database, string ServiceId = "service", string StateName = "notepad", string? Extension = null)
    {
        private object?[][] Key =>
        [
            P("GrainIdHash", 1234), P("GrainIdN0", 0L), P("GrainIdN1", 77L), P("GrainTypeHash", 5678),
            P("GrainTypeString", StateName), P("GrainIdExtensionString", Extension, DbType.String), P("ServiceId", ServiceId),
        ];

        public async Task<int?> WriteAsync(int? expectedVersion, byte[] payload) =>
            (int?)(await RunAsync(Database, "WriteToStorageKey",
                [.. Key, P("GrainStateVersion", expectedVersion, DbType.Int32), P("PayloadBinary", payload)])).Single()[0];

        public async Task<int?> ChangeAsync(string key, int expectedVersion) =>
            (int?)(await RunAsync(Database, key, [.. Key, P("GrainStateVersion", expectedVersion)])).SingleOrDefault()?[0];

        public async Task<StoredState?> ReadAsync()
        {
            var row = (await RunAsync(Database, "ReadFromStorageKey", Key)).SingleOrDefault();
            return row is null ? null : new StoredState(row[0] is byte[] bytes ? Encoding.UTF8.GetString(bytes) : null, (int)row[1]!);
        }
    }
}
