using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Partner.Health;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionFaultsCollection.Name)]
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

    [Fact]
    public async Task GrainsOfAKilledSiloAnswerAgainWithinSeconds()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        SiloProcess[] silos = [await cluster.StartSiloAsync(), await cluster.StartSiloAsync()];
        using var client = await cluster.ConnectClientAsync();
        var grains = client.Services.GetRequiredService<IGrainFactory>();
        var probe = grains.GetGrain<IStorageProbeGrain>("failover-" + Guid.NewGuid().ToString("N"));
        var first = await probe.Check();
        var host = silos.Single(s => s.Hosts(first.Heartbeat.WrittenBy));
        var survivor = silos.Single(s => s != host);

        host.Process.Kill();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // A new call every 100 ms, each timed from its own start: calls sent before the death is detected wait for their
        // response timeout, calls sent after it succeed on the survivor.
        var calls = new List<Task<(TimeSpan Sent, TimeSpan Ended, StorageProbeResult? Answer)>>();
        while (clock.Elapsed < Recovery && !calls.Any(c => c.IsCompletedSuccessfully && c.Result.Answer is not null))
        {
            calls.Add(TimedCheckAsync(probe, clock));
            await Task.Delay(100);
        }

        var results = await Task.WhenAll(calls);
        var recovered = results.Where(r => r.Answer is not null).MinBy(r => r.Sent);
        var failed = results.Where(r => r.Answer is null).ToArray();
        Console.WriteLine($"after kill -9: calls sent from {recovered.Sent.TotalSeconds:F1} s on succeeded on the survivor; {failed.Length} sent before failed, the slowest after {failed.Select(r => (r.Ended - r.Sent).TotalSeconds).DefaultIfEmpty().Max():F1} s");
        Assert.NotNull(recovered.Answer);
        Assert.True(survivor.Hosts(recovered.Answer.Heartbeat.WrittenBy), $"re-activated on the survivor, was {recovered.Answer.Heartbeat.WrittenBy}");
        // Production's failure detection gives about 2 s (Orleans' defaults: 10 to 30 s); the margin is for a loaded machine.
        Assert.True(recovered.Sent < TimeSpan.FromSeconds(4), $"new calls failed until {recovered.Sent.TotalSeconds:F1} s");
        // A call caught by the failure ends by the 5 s response timeout, never later (the margin is for a loaded machine).
        Assert.All(failed, r => Assert.True(r.Ended - r.Sent < TimeSpan.FromSeconds(7), $"a call hung {(r.Ended - r.Sent).TotalSeconds:F1} s"));
    }

    private static async Task<(TimeSpan Sent, TimeSpan Ended, StorageProbeResult? Answer)> TimedCheckAsync(IStorageProbeGrain probe, System.Diagnostics.Stopwatch clock)
    {
        var sent = clock.Elapsed;
        try
        {
            var answer = await probe.Check();
            return (sent, clock.Elapsed, answer);
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            return (sent, clock.Elapsed, null);
        }
    }
}
