using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Partner.Silo.Database;
using Partner.Silo.Hosting;

namespace Partner.Silo;

/// <summary>The production silo process. <c>Partner.Silo migrate</c> applies the database schema and exits.</summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        // A standalone silo exists for production; the embedded default lives inside the API.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = [new(PartnerModes.Key, nameof(PartnerMode.Production))] });
        builder.AddPartnerLogging();
        builder.AddPartnerSilo();
        builder.AddPartnerSiloMetrics();

        using var host = builder.Build();
        if (args is ["migrate", ..])
        {
            await SchemaMigration.ApplyAsync(host.Services.GetRequiredService<IConfiguration>(), host.Services.GetRequiredService<DatabaseMigrator>(), CancellationToken.None);
            return;
        }

        await host.RunAsync();
    }
}
