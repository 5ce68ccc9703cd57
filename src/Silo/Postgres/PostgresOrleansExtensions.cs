using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace TopOfHeart.Silo.Postgres;

/// <summary>
/// Wires Orleans' ADO.NET providers to PostgreSQL through Npgsql. The providers read their SQL
/// from the <c>OrleansQuery</c> rows that <c>sql/</c> installs, so the schema must be applied
/// before the silo starts: <see cref="AddPostgresSchema"/> does that as the silo's first step.
/// </summary>
public static class PostgresOrleansExtensions
{
    /// <summary>The ADO.NET invariant name Orleans resolves to <c>Npgsql.NpgsqlFactory</c>.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Applies <c>sql/*.sql</c> (see <see cref="SchemaMigrator"/>) before any other silo start-up step.</summary>
    public static ISiloBuilder AddPostgresSchema(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => new PostgresSchemaStartup(
            new SchemaMigrator(connectionString, services.GetRequiredService<ILogger<SchemaMigrator>>())));
        return silo;
    }

    /// <summary>Cluster membership in the <c>orleans_membership</c> tables.</summary>
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return silo.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
    }

    /// <summary>Grain state provider <paramref name="name"/> in <c>orleans_grain_state</c>.</summary>
    public static ISiloBuilder AddPostgresGrainStorage(this ISiloBuilder silo, string name, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return silo.AddAdoNetGrainStorage(name, builder => builder.Configure<Serializer>((options, serializer) =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;

            // Orleans' own format honours [Id] on private fields (FigureBook, RecentIds); the default JSON one silently drops them.
            options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
    }

    /// <summary>Reminders in <c>orleans_reminder</c>.</summary>
    public static ISiloBuilder UsePostgresReminders(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
    }

    private sealed class PostgresSchemaStartup(SchemaMigrator migrator) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(PostgresSchemaStartup), ServiceLifecycleStage.First, cancellation => migrator.ApplyAsync(cancellation));
    }
}
