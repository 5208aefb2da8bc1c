using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Partner.Silo.Hosting;

namespace Partner.Tests.Infrastructure;

/// <summary>
/// A production-mode silo in the test process (so grains defined by tests are hosted), wired by
/// the same <c>AddPartnerSilo()</c> as the silo process, on real MariaDB and Redis.
/// </summary>
public sealed class InProcessSilo(IHost host) : IAsyncDisposable
{
    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => host.Services;

    public static async Task<InProcessSilo> StartAsync(MariaDbServer database, RedisServer redis, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [PartnerModes.Key] = "Production",
            ["ConnectionStrings:PartnerDb"] = database.ConnectionString,
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Orleans:ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
            ["Orleans:Endpoints:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:AdvertisedIPAddress"] = "127.0.0.1",
        });
        builder.AddPartnerSilo();
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new InProcessSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
