using TopOfHeart.LiveBoard.Tests.Support;
using TopOfHeart.Testing;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>Issue 4: a LiveBoard finds its silo through PostgreSQL membership (<c>TopOfHeart:Clustering=Postgres</c>).</summary>
public sealed class BoardPostgresClusteringTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_LiveBoard_with_Postgres_clustering_finds_the_silo_and_gets_its_alerts()
    {
        var server = new PostgresServer();
        await server.InitializeAsync();
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["TopOfHeart:Clustering"] = "Postgres",
                ["ConnectionStrings:TopOfHeart"] = await server.CreateDatabaseAsync(),
            };
            await using var silo = await LoopbackSilo.StartAsync(settings, fakeClock: false);
            // No gateway port: the board learns the silo's gateway from the membership table only.
            await using var board = await LoopbackLiveBoard.StartAsync(silo, settings: settings, gateway: false);
            await using var client = await BoardClient.ConnectAsync(board.Hub);

            var (e, alertId) = Ev.DroppedBaton("Sales-" + Ev.Run, "Billing-" + Ev.Run);
            await ClusterFixture.PostAsync(silo, e);
            var arrived = await client.WaitForAsync("alertRaised", alertId, TimeSpan.FromSeconds(5));
            output.WriteLine($"alert {arrived.Value.AlertId} reached the board through Postgres clustering");
            Assert.Contains(await client.GetOpenAlertsAsync(null), a => a.AlertId == alertId);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
