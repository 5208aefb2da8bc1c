using System.Globalization;
using MySqlConnector;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>The tests' private MariaDB instances start side by side (collections run in parallel).</summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class PrivateMariaDb
{
    private const int Instances = 4;

    [Fact]
    public async Task InstancesStartedTogetherEachKeepTheirTemporaryFilesInTheirOwnDirectory()
    {
        // Installing several at once into a shared /tmp failed 2-3 times in 8 (temporary-table names collide).
        var servers = await Task.WhenAll(Enumerable.Range(0, Instances).Select(_ => MariaDbServer.StartAsync()));
        try
        {
            foreach (var server in servers)
            {
                var served = await TempDirectoryServedAsync(server);
                Assert.Equal(
                    Path.TrimEndingDirectorySeparator(server.TempDirectory),
                    Path.TrimEndingDirectorySeparator(served));
            }
        }
        finally
        {
            await Task.WhenAll(servers.Select(server => server.DisposeAsync().AsTask()));
        }

        Assert.All(servers, server => Assert.False(Directory.Exists(server.RootDirectory)));
    }

    private static async Task<string> TempDirectoryServedAsync(MariaDbServer server)
    {
        await using var connection = new MySqlConnection(server.RootConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT @@tmpdir", connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? string.Empty;
    }
}
