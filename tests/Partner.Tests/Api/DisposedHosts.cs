using System.Net;
using System.Runtime.CompilerServices;

namespace Partner.Tests.Api;

/// <summary>
/// A disposed API node, its co-hosted silo included, leaves nothing behind: tests start and dispose dozens of them in
/// one process, and each one kept alive holds its silo's grains, caches and metrics.
/// </summary>
public sealed class DisposedHosts
{
    private const int Collections = 10;

    [Fact]
    public async Task ADisposedNodeThatServedRequestsIsCollected()
    {
        // The first node built in a process starts the runtime's EventCounters polling thread, which keeps the execution
        // context it was started in, and with it that node, for the life of the process: once per process, not per node.
        await ServeAndDisposeAsync();
        var services = await ServeAndDisposeAsync();

        for (var i = 0; i < Collections && services.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        Assert.False(services.IsAlive, "the disposed node's service provider is still reachable");
    }

    // Its own async method: the host is built, used and disposed in an execution context the test does not keep.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> ServeAndDisposeAsync()
    {
        var factory = new PartnerApiFactory();
        using (var client = factory.CreateClient())
        {
            var response = await client.GetAsync(new Uri("/api/categories", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var services = new WeakReference(factory.Services);
        await factory.DisposeAsync();
        return services;
    }
}
