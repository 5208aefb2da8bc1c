using System.Net;
using System.Text.Json;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionFaultsCollection.Name)]
public sealed class ReadinessProbe(ProductionServers servers)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task NamesMySqlWhileMariaDbIsDownAndRecovers()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var cluster = new ProductionCluster(database, servers.Redis);
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync();
        var healthy = await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        Assert.Equal(["cluster", "mysql", "redis", "room-reads"], CheckNames(healthy).Order());

        await database.StopAsync();
        var down = await api.WaitUntilAsync("/health/ready", HttpStatusCode.ServiceUnavailable, Patience);

        Assert.Equal("Unhealthy", Status(down, "mysql"));
        Assert.Equal("Healthy", Status(down, "cluster"));
        Assert.Equal("Healthy", Status(down, "redis"));

        await database.StartAgainAsync();
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
    }

    [Fact]
    public async Task NamesRedisWhileRedisIsDown()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var cluster = new ProductionCluster(servers.Database, redis);
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync();
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);

        await redis.StopAsync();
        var down = await api.WaitUntilAsync("/health/ready", HttpStatusCode.ServiceUnavailable, Patience);
        Assert.Equal("Unhealthy", Status(down, "redis"));

        await redis.StartAgainAsync();
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
    }

    private static string[] CheckNames(string body)
    {
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString() ?? "")];
    }

    private static string? Status(string body, string check)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == check)
            .GetProperty("status").GetString();
    }
}
