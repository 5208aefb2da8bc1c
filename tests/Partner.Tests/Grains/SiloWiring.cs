using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.Streams;
using Partner.Catalog;
using Partner.Silo.Hosting;
using Partner.Silo.Storage;
using Partner.Streams;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Grains;

/// <summary>The test cluster's silos carry the real silo's wiring, not a test double of it.</summary>
[Collection(GrainCluster.Collection)]
public sealed class SiloWiring(GrainCluster cluster)
{
    [Fact]
    public void EverySiloIsWiredByTheSilosOwnRegistrationsInEmbeddedMode()
    {
        Assert.Equal(2, cluster.Cluster.Silos.Count);
        foreach (var silo in cluster.Cluster.Silos)
        {
            var services = cluster.Cluster.GetSiloServiceProvider(silo.SiloAddress);
            Assert.Equal(PartnerMode.Embedded, services.GetRequiredService<SiloModeInfo>().Mode);
            Assert.IsType<OrleansGrainStorageSerializer>(services.GetRequiredService<IGrainStorageSerializer>());
            Assert.IsType<OutageTranslatingStorage>(services.GetRequiredKeyedService<IGrainStorage>("Default"));
            Assert.IsType<OutageTranslatingStorage>(services.GetRequiredKeyedService<IGrainStorage>("PubSubStore"));
            Assert.NotNull(services.GetRequiredKeyedService<IStreamProvider>(PartnerStreams.ProviderName));
            var catalog = services.GetRequiredService<CategoryCatalog>();
            Assert.True(catalog.TryGet("MEAL", out _), "the silo's own catalog");
            Assert.True(catalog.TryGet("Q2_0", out _), "the test catalog laid over it");
        }
    }
}
