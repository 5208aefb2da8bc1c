using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Partner.Health;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class SiloFailover(ProductionServers servers)
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task ApiKeepsServingWhenASiloDies()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        SiloProcess[] silos = [await cluster.StartSiloAsync(), await cluster.StartSiloAsync()];
        var api = await cluster.StartApiAsync();

        await api.WaitUntilAsync("/api/categories", HttpStatusCode.OK, Recovery);
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Recovery, body => body.Contains("2 active silo(s)", StringComparison.Ordinal));

        using var client = await cluster.ConnectClientAsync();
        var probe = client.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>("mysql");
        var before = await probe.Last();
        var host = silos.Single(s => s.Hosts(before.WrittenBy));
        var survivor = silos.Single(s => s != host);

        host.Process.Kill();

        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Recovery, body => body.Contains("1 active silo(s)", StringComparison.Ordinal));
        await api.WaitUntilAsync("/api/categories", HttpStatusCode.OK, Recovery);
        var after = await probe.Last();
        Assert.True(survivor.Hosts(after.WrittenBy), $"the probe grain should re-activate on the survivor, was written by {after.WrittenBy}");
        Assert.True(after.Count > before.Count, "the re-activated grain continues from the stored state");
    }
}
