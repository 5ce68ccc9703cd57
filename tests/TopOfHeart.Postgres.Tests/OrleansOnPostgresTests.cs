using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;
using TopOfHeart.Silo.Postgres;

namespace TopOfHeart.Postgres.Tests;

/// <summary>
/// Real silos (plain generic hosts with real sockets on loopback) whose clustering, grain storage
/// and reminders all run on the PostgreSQL schema the product applies at start-up.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrleansOnPostgresTests(PostgresServer server)
{
    public const string StorageName = "notepads";
    private const string ServiceId = "top-of-heart-tests";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Grain_state_and_reminders_survive_deactivation_and_a_new_cluster()
    {
        var database = await server.CreateDatabaseAsync();
        var notepadId = "desk-7";

        using (var silo = await StartSiloAsync(database, "cluster-a"))
        {
            var notepad = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<INotepadGrain>(notepadId);
            await notepad.Append("baton passed to Billing");
            var before = await notepad.Read();
            await notepad.Deactivate();
            var after = await notepad.Read();

            Assert.NotEqual(before.Activation, after.Activation);
            Assert.Equal(["baton passed to Billing"], after.Lines);
            Assert.Equal([("notepad", 1)], await Sql.ReadAsync(database,
                "SELECT grain_type, version FROM orleans_grain_state", row => (row.GetString(0), row.GetInt32(1))));

            await notepad.Remind("backstop");
            Assert.Equal([(notepad.GetGrainId().ToString(), "backstop")], await Sql.ReadAsync(database,
                "SELECT grain_id, reminder_name FROM orleans_reminder", row => (row.GetString(0), row.GetString(1))));

            await silo.StopAsync();
        }

        using (var silo = await StartSiloAsync(database, "cluster-a"))
        {
            var notepad = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<INotepadGrain>(notepadId);

            Assert.Equal(["baton passed to Billing"], (await notepad.Read()).Lines);
            Assert.Equal(["backstop"], await notepad.Reminders());

            await notepad.Append("accepted");
            await notepad.Forget("backstop");
            Assert.Equal(["baton passed to Billing", "accepted"], (await notepad.Read()).Lines);
            Assert.Equal(0L, await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM orleans_reminder"));

            await silo.StopAsync();
        }
    }

    [Fact]
    public async Task Two_silos_join_through_the_membership_table_and_a_client_finds_their_gateways()
    {
        var database = await server.CreateDatabaseAsync();

        // Both at once: they race to create the cluster's version row and to apply the schema.
        var silos = await Task.WhenAll(StartSiloAsync(database, "cluster-b"), StartSiloAsync(database, "cluster-b"));
        try
        {
            var members = await Sql.ReadAsync(database,
                "SELECT deployment_id, status, proxy_port FROM orleans_membership ORDER BY port",
                row => (Cluster: row.GetString(0), Status: row.GetInt32(1), ProxyPort: row.GetInt32(2)));
            Assert.Equal(2, members.Count);
            Assert.All(members, member => Assert.Equal(("cluster-b", (int)SiloStatus.Active), (member.Cluster, member.Status)));

            var management = silos[0].Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);

            using var client = await StartClientAsync(database, "cluster-b");
            var notepad = client.Services.GetRequiredService<IClusterClient>().GetGrain<INotepadGrain>("desk-9");
            await notepad.Append("via gateway");
            Assert.Equal(["via gateway"], (await notepad.Read()).Lines);
            await client.StopAsync();
        }
        finally
        {
            await Task.WhenAll(silos.Select(silo => silo.StopAsync()));
            foreach (var silo in silos)
            {
                silo.Dispose();
            }
        }
    }

    private static async Task<IHost> StartSiloAsync(string database, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = clusterId;
                options.ServiceId = ServiceId;
            })
            .ConfigureEndpoints(IPAddress.Loopback, FreeLoopbackPort(), FreeLoopbackPort())
            .AddPostgresSchema(database)
            .UsePostgresClustering(database)
            .AddPostgresGrainStorage(StorageName, database)
            .UsePostgresReminders(database));
        return await StartAsync(builder.Build());
    }

    private static async Task<IHost> StartClientAsync(string database, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = clusterId;
                options.ServiceId = ServiceId;
            })
            .UseAdoNetClustering(options =>
            {
                options.Invariant = PostgresOrleansExtensions.Invariant;
                options.ConnectionString = database;
            }));
        return await StartAsync(builder.Build());
    }

    private static async Task<IHost> StartAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
