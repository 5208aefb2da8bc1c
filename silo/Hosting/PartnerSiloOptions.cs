using System.ComponentModel.DataAnnotations;

namespace Partner.Silo.Hosting;

/// <summary>Ports of the co-hosted silo in the embedded default (<c>Partner:Embedded</c>).</summary>
public sealed class EmbeddedOptions
{
    public const string Section = "Partner:Embedded";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}

/// <summary>Database settings (<c>Partner:Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Partner:Database";

    /// <summary>Apply the schema script at silo start (idempotent). Off: run <c>Partner.Silo migrate</c> yourself.</summary>
    public bool AutoMigrate { get; set; } = true;
}

/// <summary>
/// Kubernetes hosting (<c>Partner:Kubernetes</c>): a production silo takes its cluster identity from its pod's
/// <c>orleans/serviceId</c> and <c>orleans/clusterId</c> labels and its address from the pod, and declares silos
/// dead whose pods were deleted (Orleans' <c>UseKubernetesHosting()</c>).
/// </summary>
public sealed class KubernetesOptions
{
    public const string Section = "Partner:Kubernetes";

    /// <summary>Off by default; the manifests in <c>deploy/k8s</c> turn it on.</summary>
    public bool Enabled { get; set; }

    /// <summary>What <c>UseKubernetesHosting()</c> reads from the pod (the downward API sets them).</summary>
    public static IReadOnlyList<string> PodVariables { get; } =
    [
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodNameEnvironmentVariable,
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodNamespaceEnvironmentVariable,
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodIPEnvironmentVariable,
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ServiceIdEnvironmentVariable,
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ClusterIdEnvironmentVariable,
    ];

    /// <summary>Throws naming every pod variable that is missing (Orleans would fail later with a null cluster id); environment variables are configuration keys too.</summary>
    public static void RequirePodVariables(Func<string, string?> read)
    {
        var missing = PodVariables.Where(name => string.IsNullOrWhiteSpace(read(name))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{Section}:Enabled is true but these environment variables are missing: {string.Join(", ", missing)} (set them from the pod with the downward API, as deploy/k8s does).");
        }
    }
}
