using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;
using Partner.Silo.Hosting;
using Partner.Tests.RandomMatch;

namespace Partner.Tests.Infrastructure;

/// <summary>
/// A collection fixture: Orleans' <see cref="TestCluster"/> with two silos in this process, each wired by the silo's own
/// registrations in embedded mode (memory storage, streams and reminders), plus the queue test catalog's categories.
/// Tests reach a grain through <see cref="Client"/> or through a silo's own grain factory (<see cref="SiloGrains"/>).
/// </summary>
public sealed class GrainCluster : IAsyncLifetime
{
    public const string Collection = "Two silos in one process";

    private int categoriesUsed;

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Client => Cluster.Client;

    /// <summary>The grain factory inside silo <paramref name="index"/>: calls made through it leave from that silo.</summary>
    public IGrainFactory SiloGrains(int index) =>
        Cluster.GetSiloServiceProvider(Cluster.Silos[index].SiloAddress).GetRequiredService<IGrainFactory>();

    /// <summary>The cluster client and each silo's factory, so that concurrent calls enter the cluster from everywhere.</summary>
    public IGrainFactory[] Callers() => [Client, .. Cluster.Silos.Select((_, i) => SiloGrains(i))];

    /// <summary>A random-match category (group size 2) that no other test of this cluster uses.</summary>
    public string FreshCategory()
    {
        var n = Interlocked.Increment(ref categoriesUsed) - 1;
        Assert.True(n < Categories, $"More than {Categories} queue categories used; declare more in {nameof(GrainCluster)}.");
        return $"Q2_{n}";
    }

    private const int Categories = 10;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(QueueTestCatalog.Settings(Categories, 2)));
        builder.AddSiloBuilderConfigurator<PartnerSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>What <c>AddPartnerSilo()</c> does, on the test cluster's <see cref="IHostBuilder"/>: the same three steps.</summary>
    private sealed class PartnerSiloConfigurator : IHostConfigurator
    {
        public void Configure(IHostBuilder hostBuilder)
        {
            hostBuilder.ConfigureHostConfiguration(configuration => PartnerSiloHosting.AddDefaultsBeneath(configuration, PartnerMode.Embedded));
            hostBuilder.ConfigureServices((context, services) => services.AddPartnerSiloServices(context.Configuration));
            hostBuilder.UseOrleans((context, silo) => silo.UsePartnerSilo(context.Configuration));
        }
    }
}

[CollectionDefinition(GrainCluster.Collection)]
public sealed class GrainClusterCollection : ICollectionFixture<GrainCluster>;
