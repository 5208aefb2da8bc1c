using System.Globalization;
using k8s;
using k8s.Models;

namespace Partner.Tests.Deploy;

/// <summary>
/// <c>deploy/k8s</c>: every object loads strictly with the Kubernetes client's models (an unknown or misspelt field fails),
/// <c>kubectl kustomize</c> renders the base offline, and the objects agree with each other, the Dockerfiles and Orleans'
/// Kubernetes hosting conventions. No cluster runs here.
/// </summary>
public sealed class KubernetesBase
{
    private const string SecretExample = "secret.example.yaml";
    private static readonly string Folder = DeployFiles.PathOf("k8s");
    private readonly List<object> objects;

    public KubernetesBase()
    {
        objects = [.. Resources().SelectMany(file => KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Folder, file)), strict: true))];
    }

    [Fact]
    public void KustomizationListsEveryManifestAndEachLoadsStrictly()
    {
        var manifests = Directory.EnumerateFiles(Folder, "*.yaml").Select(file => Path.GetFileName(file))
            .Where(name => name is not "kustomization.yaml" and not SecretExample)
            .ToHashSet();

        Assert.Equal(manifests, Resources().ToHashSet());
        foreach (var file in manifests.Append(SecretExample))
        {
            Assert.NotEmpty(KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Folder, file)), strict: true));
        }

        Assert.Equal("partner", Kustomization().Text("namespace"));
    }

    [Fact]
    public void StrictLoadingRefusesAMisspeltField()
    {
        var text = File.ReadAllText(Path.Combine(Folder, "api.yaml")).Replace("terminationGracePeriodSeconds", "terminationGracePeriodSecond", StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(text, strict: true));
    }

    [Fact]
    public void KubectlKustomizeRendersTheBase()
    {
        var result = Tool.Run("kubectl", ["kustomize", Folder], Folder);

        Assert.True(result.ExitCode == 0, result.Error);
        var rendered = KubernetesYaml.LoadAllFromString(result.Output, strict: true);
        Assert.Equal(objects.Count, rendered.Count);
        Assert.All(rendered.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace), o => Assert.Equal("partner", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void SilosFollowOrleansKubernetesHostingConventions()
    {
        var silo = Deployment("partner-silo");
        var pod = silo.Spec.Template;
        var env = Env(silo);
        var labels = pod.Metadata.Labels;

        Assert.Equal("true", env["Partner__Kubernetes__Enabled"].Value);
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal($"metadata.labels['{Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ServiceIdLabel}']", env["ORLEANS_SERVICE_ID"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal($"metadata.labels['{Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ClusterIdLabel}']", env["ORLEANS_CLUSTER_ID"].ValueFrom.FieldRef.FieldPath);

        // The API nodes find the silos only with the same identity.
        var api = Env(Deployment("partner-api"));
        Assert.Equal(labels[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ServiceIdLabel], api["Orleans__ServiceId"].Value);
        Assert.Equal(labels[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ClusterIdLabel], api["Orleans__ClusterId"].Value);

        // Long enough for a silo under load to hand over its grains and leave the membership table.
        Assert.True(pod.Spec.TerminationGracePeriodSeconds >= 30);

        var account = pod.Spec.ServiceAccountName;
        Assert.Contains(objects.OfType<V1ServiceAccount>(), a => a.Metadata.Name == account);
        var binding = Assert.Single(objects.OfType<V1RoleBinding>(), b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account));
        var role = Assert.Single(objects.OfType<V1Role>(), r => r.Metadata.Name == binding.RoleRef.Name);
        var pods = Assert.Single(role.Rules, r => r.Resources.Contains("pods") && r.ApiGroups.Contains(""));
        Assert.Superset(new HashSet<string>(["get", "list", "watch", "patch"]), pods.Verbs.ToHashSet());
    }

    [Fact]
    public void PortsProbesAndServicesAgreeWithTheDockerfiles()
    {
        var dockerfiles = DeployFiles.Dockerfiles();

        var api = Deployment("partner-api");
        var apiContainer = api.Spec.Template.Spec.Containers.Single();
        var apiPort = int.Parse(Env(api)["ASPNETCORE_HTTP_PORTS"].Value, CultureInfo.InvariantCulture);
        var http = Assert.Single(apiContainer.Ports);
        Assert.Equal(apiPort, http.ContainerPort);
        Assert.Contains(apiPort, DeployFiles.DockerfilePorts(dockerfiles["partner-api"]).Exposed);
        Assert.Equal(apiPort.ToString(CultureInfo.InvariantCulture), api.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
        Assert.Equal("/health/ready", apiContainer.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/health/live", apiContainer.LivenessProbe.HttpGet.Path);
        Assert.Equal(http.Name, apiContainer.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal(http.Name, apiContainer.LivenessProbe.HttpGet.Port.Value);

        var service = Assert.Single(objects.OfType<V1Service>());
        Assert.Equal(http.Name, service.Spec.Ports.Single().TargetPort.Value);
        Assert.True(service.Spec.Selector.All(s => api.Spec.Template.Metadata.Labels[s.Key] == s.Value));
        var backend = Assert.Single(objects.OfType<V1Ingress>()).Spec.Rules.Single().Http.Paths.Single().Backend.Service;
        Assert.Equal(service.Metadata.Name, backend.Name);
        Assert.Equal(service.Spec.Ports.Single().Name, backend.Port.Name);

        var silo = Deployment("partner-silo");
        var siloContainer = silo.Spec.Template.Spec.Containers.Single();
        var siloEnv = Env(silo);
        var declared = new[] { "Orleans__Endpoints__SiloPort", "Orleans__Endpoints__GatewayPort", "Partner__Metrics__Port" }
            .Select(name => int.Parse(siloEnv[name].Value, CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Equal(declared, siloContainer.Ports.Select(p => p.ContainerPort).ToHashSet());
        Assert.Equal(declared, DeployFiles.DockerfilePorts(dockerfiles["partner-silo"]).Exposed.ToHashSet());
        Assert.Equal(siloEnv["Partner__Metrics__Port"].Value, silo.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
        var portNames = siloContainer.Ports.Select(p => p.Name).ToHashSet();
        Assert.Contains(siloContainer.ReadinessProbe.TcpSocket.Port.Value, portNames);
        Assert.Contains(siloContainer.LivenessProbe.HttpGet.Port.Value, portNames);
    }

    [Fact]
    public void SecretsAreReferencedByKeyNeverWrittenInline()
    {
        var secret = (V1Secret)KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Folder, SecretExample)), strict: true).Single();
        var env = Deployments().SelectMany(d => d.Spec.Template.Spec.Containers).SelectMany(c => c.Env).ToList();

        foreach (var reference in env.Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => e.ValueFrom.SecretKeyRef))
        {
            Assert.Equal(secret.Metadata.Name, reference.Name);
            Assert.Contains(reference.Key, secret.StringData.Keys);
        }

        var secretNames = new[] { "ConnectionStrings__", "SigningKey", "ClientSecret", "BotToken", "Password" };
        Assert.All(env.Where(e => secretNames.Any(n => e.Name.Contains(n, StringComparison.Ordinal))), e => Assert.NotNull(e.ValueFrom?.SecretKeyRef));
        Assert.DoesNotContain(objects, o => o is V1Secret);
    }

    [Fact]
    public void EveryDeploymentHasADisruptionBudgetResourcesAndARepositoryImage()
    {
        var budgets = objects.OfType<V1PodDisruptionBudget>().ToList();
        var dockerfiles = DeployFiles.Dockerfiles();

        Assert.Equal(2, Deployments().Count());
        foreach (var deployment in Deployments())
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            Assert.Contains(budgets, b => b.Spec.Selector.MatchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value));
            Assert.True(deployment.Spec.Replicas >= 2, $"{deployment.Metadata.Name}: a disruption budget needs at least 2 replicas to allow a drain");
            foreach (var container in deployment.Spec.Template.Spec.Containers)
            {
                Assert.True(container.Resources.Requests.ContainsKey("cpu") && container.Resources.Requests.ContainsKey("memory"), $"{container.Name}: requests");
                Assert.True(container.Resources.Limits.ContainsKey("memory"), $"{container.Name}: memory limit");
                Assert.True(dockerfiles.ContainsKey(DeployFiles.ImageRepository(container.Image)), $"{container.Image} is built by no Dockerfile in deploy/docker");
            }
        }
    }

    [Fact]
    public void TheIngressKeepsSignalRConnectionsOnOneNodeAndOpen()
    {
        var annotations = Assert.Single(objects.OfType<V1Ingress>()).Metadata.Annotations;

        Assert.Equal("cookie", annotations["nginx.ingress.kubernetes.io/affinity"]);
        Assert.Equal("off", annotations["nginx.ingress.kubernetes.io/proxy-buffering"]);
        Assert.True(int.Parse(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"], CultureInfo.InvariantCulture) >= 60);
    }

    internal static IEnumerable<V1Container> AppContainers() =>
        Resources().SelectMany(file => KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Folder, file)), strict: true))
            .OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers);

    private IEnumerable<V1Deployment> Deployments() => objects.OfType<V1Deployment>();

    private V1Deployment Deployment(string name) => Assert.Single(Deployments(), d => d.Metadata.Name == name);

    private static Dictionary<string, V1EnvVar> Env(V1Deployment deployment) =>
        deployment.Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name);

    private static Dictionary<string, object?> Kustomization() => DeployFiles.LoadYaml(File.ReadAllText(Path.Combine(Folder, "kustomization.yaml")));

    private static IEnumerable<string> Resources() => Kustomization().List("resources").Cast<string>();
}
