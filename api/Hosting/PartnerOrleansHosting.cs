using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;
using Partner.Silo.Hosting;

namespace Partner.Api.Hosting;

public static class PartnerOrleansHosting
{
    /// <summary>
    /// Embedded (default): co-hosts a silo in this process. Production: joins the silos' cluster
    /// as an Orleans client, with the providers of the <c>Orleans</c> section; or, with
    /// <c>Partner:Cluster:CoHosted</c>, runs a production silo of that cluster in this process.
    /// </summary>
    public static IHostApplicationBuilder AddPartnerOrleans(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        var mode = PartnerModes.Read(builder.Configuration);
        if (mode == PartnerMode.Embedded)
        {
            return builder.AddPartnerSilo();
        }

        if (ClusterConnectionOptions.IsCoHosted(builder.Configuration))
        {
            // Orleans' shape for a web front: requests call grains from inside a silo, without a gateway hop.
            return builder.AddPartnerSilo(silo => silo.AddOutgoingGrainCallFilter<RejectedCallRetry>());
        }

        OrleansProviderDefaults.AddBeneath(builder.Configuration, OrleansProviderDefaults.ForClient());
        ProviderConnections.RequireAll(builder.Configuration);
        builder.Services.AddOptions<ClusterConnectionOptions>().BindConfiguration(ClusterConnectionOptions.Section);
        builder.UseOrleansClient(client =>
        {
            client.UseConnectionRetryFilter<ClusterConnectionRetry>();
            client.AddOutgoingGrainCallFilter<RejectedCallRetry>();
            if (PartnerSiloHosting.DashboardEnabled(builder.Configuration))
            {
                client.AddDashboard();
            }

            PartnerStreamProvider.AddStartChecks(client.Services, builder.Configuration, silo: false);
        });
        return builder;
    }
}
