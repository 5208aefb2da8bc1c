using Microsoft.Extensions.DependencyInjection;
using Partner.Rooms;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>Where rooms live in a production cluster: the silo to kill so that a fault hits them.</summary>
internal static class RoomHosts
{
    /// <summary>The silo that hosts the most of <paramref name="rooms"/> (at least one), and those rooms.</summary>
    public static async Task<(SiloProcess Silo, Guid[] Rooms)> BusiestSiloAsync(ProductionCluster cluster, SiloProcess[] silos, Guid[] rooms)
    {
        using var client = await cluster.ConnectClientAsync();
        var grains = client.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await Task.WhenAll(rooms.Select(async room => (await management.GetActivationAddress(grains.GetGrain<IRoomGrain>(room)))?.ToString()));
        var busiest = silos.MaxBy(silo => hosts.Count(silo.Hosts))!;
        Guid[] hosted = [.. rooms.Where((_, i) => busiest.Hosts(hosts[i]))];
        Assert.NotEmpty(hosted);
        return (busiest, hosted);
    }
}
