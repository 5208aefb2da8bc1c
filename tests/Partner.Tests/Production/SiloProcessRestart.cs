using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Partner.Health;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionFaultsCollection.Name)]
public sealed class SiloProcessRestart(ProductionServers servers)
{
    [Fact]
    public async Task GrainStateSurvivesAKilledSiloProcess()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        var silo = await cluster.StartSiloAsync();
        var probeKey = "restart-" + Guid.NewGuid().ToString("N");
        using (var client = await cluster.ConnectClientAsync())
        {
            var probe = client.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>(probeKey);
            for (var i = 0; i < 3; i++)
            {
                Assert.True((await probe.Check()).Healthy);
            }
        }

        silo.Process.Kill();
        await cluster.StartSiloAsync(silo.SiloPort, silo.GatewayPort);

        using var reconnected = await cluster.ConnectClientAsync();
        var reread = await reconnected.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>(probeKey).Last();
        Assert.Equal(3, reread.Count);
        Assert.True(await StoredRowsAsync(servers.Database.ConnectionString) > 0, "grain state should be rows in MariaDB");
    }

    private static async Task<long> StoredRowsAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM OrleansStorage", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
