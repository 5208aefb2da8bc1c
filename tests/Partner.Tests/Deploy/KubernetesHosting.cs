using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting.Kubernetes;
using Partner.Silo.Hosting;

namespace Partner.Tests.Deploy;

/// <summary>The silo's switch to Orleans' Kubernetes hosting (<c>Partner:Kubernetes:Enabled</c>), wired but not started: no cluster runs here.</summary>
public sealed class KubernetesHosting
{
    private static readonly Dictionary<string, string?> PodVariables = new()
    {
        ["POD_NAME"] = "partner-silo-7d9f-abcde",
        ["POD_NAMESPACE"] = "partner",
        ["POD_IP"] = "10.1.2.3",
        ["ORLEANS_SERVICE_ID"] = "partner",
        ["ORLEANS_CLUSTER_ID"] = "partner",
    };

    [Fact]
    public void IsOffByDefault()
    {
        var builder = Silo(new() { ["Partner:Mode"] = "Production" });

        builder.AddPartnerSilo();

        Assert.False(HasKubernetesAgent(builder));
    }

    [Fact]
    public void EnabledAddsOrleansKubernetesAgentToAProductionSilo()
    {
        var builder = Silo(new(PodVariables) { ["Partner:Mode"] = "Production", ["Partner:Kubernetes:Enabled"] = "true" });

        builder.AddPartnerSilo();

        Assert.True(HasKubernetesAgent(builder));
    }

    [Fact]
    public void EnabledWithoutThePodVariablesStopsStartNamingEach()
    {
        var builder = Silo(new() { ["Partner:Mode"] = "Production", ["Partner:Kubernetes:Enabled"] = "true", ["POD_NAME"] = "partner-silo-0" });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPartnerSilo());

        Assert.Equal(
            "Partner:Kubernetes:Enabled is true but these environment variables are missing: POD_NAMESPACE, POD_IP, ORLEANS_SERVICE_ID, ORLEANS_CLUSTER_ID (set them from the pod with the downward API, as deploy/k8s does).",
            error.Message);
    }

    [Fact]
    public void TheEmbeddedDefaultIgnoresIt()
    {
        var builder = Silo(new() { ["Partner:Mode"] = "Embedded", ["Partner:Kubernetes:Enabled"] = "true" });

        builder.AddPartnerSilo();

        Assert.False(HasKubernetesAgent(builder));
    }

    private static HostApplicationBuilder Silo(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:PartnerDb"] = "Server=127.0.0.1;Database=partner",
            ["ConnectionStrings:Redis"] = "127.0.0.1:6379",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    private static bool HasKubernetesAgent(HostApplicationBuilder builder) =>
        builder.Services.Any(d => d.ServiceType == typeof(ILifecycleParticipant<ISiloLifecycle>) && d.ImplementationType == typeof(KubernetesClusterAgent));
}
