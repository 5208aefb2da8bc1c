using System.Globalization;
using System.Text.RegularExpressions;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Deploy;

/// <summary>
/// <c>deploy/compose.yaml</c>, <c>deploy/nginx</c> and <c>deploy/prometheus</c>, validated by their own tools (docker-compose 1.29,
/// nginx -t, promtool) and checked against each other and the Dockerfiles. Nothing here runs a container: there is no Docker engine.
/// </summary>
public sealed partial class ComposeDeployment
{
    private readonly Dictionary<string, object?> compose = DeployFiles.ResolvedCompose();

    [Fact]
    public void DockerComposeAcceptsTheFileWithTheExampleEnv()
    {
        var copy = DeployFiles.CopyWithExampleEnv();
        try
        {
            var result = Tool.Run("docker-compose", ["-f", "compose.yaml", "config", "-q"], copy);

            Assert.True(result.ExitCode == 0, result.Error);
            Assert.DoesNotContain("is not set", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    [Fact]
    public void RunsTwoSilosAndTwoApiNodesBuiltFromTheRepositoryDockerfiles()
    {
        var apps = DeployFiles.AppServices(compose);
        var dockerfiles = DeployFiles.Dockerfiles();

        Assert.Equal(2, apps["partner-silo"].Count());
        Assert.Equal(2, apps["partner-api"].Count());
        foreach (var image in apps)
        {
            Assert.True(dockerfiles.ContainsKey(image.Key), $"no Dockerfile in deploy/docker builds {image.Key}");
            foreach (var (name, service) in image)
            {
                Assert.Equal(dockerfiles[image.Key], service.Map("build").Text("dockerfile"));
                // The build context is the repository root (the parent of deploy/), where the Dockerfiles' COPY paths start.
                Assert.True(service.Map("build").Text("context") == ".", $"{name}: the build context is not the repository root");
            }
        }

        var ownImagesWithoutBuild = compose.Map("services")
            .Where(s => s.Value.Text("image")?.StartsWith("partner", StringComparison.Ordinal) == true && s.Value.Map("build").Count == 0)
            .Select(s => s.Key);
        Assert.Empty(ownImagesWithoutBuild);
    }

    [Fact]
    public void KeepsMariaDbAndRedisOnVolumesWithRedisAppendOnly()
    {
        var services = compose.Map("services");
        var redisCommand = string.Join(' ', services.Map("redis").List("command"));

        Assert.Contains("--appendonly yes", redisCommand, StringComparison.Ordinal);
        Assert.Contains(services.Map("redis").List("volumes").Cast<string>(), v => v.StartsWith("redis-data:/data", StringComparison.Ordinal));
        Assert.Contains(services.Map("mariadb").List("volumes").Cast<string>(), v => v.StartsWith("mariadb-data:/var/lib/mysql", StringComparison.Ordinal));
        Assert.True(compose.Map("volumes").ContainsKey("redis-data") && compose.Map("volumes").ContainsKey("mariadb-data"));
    }

    [Fact]
    public void SilosReachTheDatabaseAndUserThatMariaDbCreates()
    {
        var mariadb = compose.Map("services").Map("mariadb").Map("environment");
        foreach (var (name, silo) in DeployFiles.AppServices(compose)["partner-silo"])
        {
            var parts = ConnectionString(silo.Map("environment").Text("ConnectionStrings__PartnerDb")!);

            Assert.True(compose.Map("services").ContainsKey(parts["server"]), $"{name}: Server={parts["server"]} is not a compose service");
            Assert.Equal(mariadb.Text("MARIADB_DATABASE"), parts["database"]);
            Assert.Equal(mariadb.Text("MARIADB_USER"), parts["user id"]);
            Assert.Equal(mariadb.Text("MARIADB_PASSWORD"), parts["password"]);
        }

        var redisPassword = string.Join(' ', compose.Map("services").Map("redis").List("command")).Split("--requirepass ")[1].Split(' ')[0];
        foreach (var (name, app) in DeployFiles.AppServices(compose).SelectMany(g => g))
        {
            Assert.Equal($"redis:6379,password={redisPassword}", app.Map("environment").Text("ConnectionStrings__Redis"));
        }
    }

    [Fact]
    public void PortsAgreeAcrossComposeDockerfilesNginxAndPrometheus()
    {
        var apps = DeployFiles.AppServices(compose);
        var dockerfiles = DeployFiles.Dockerfiles();

        var apiPort = SinglePort(apps["partner-api"], "ASPNETCORE_HTTP_PORTS");
        var (apiExposed, apiHealth) = DeployFiles.DockerfilePorts(dockerfiles["partner-api"]);
        Assert.Contains(apiPort, apiExposed);
        Assert.Equal(apiPort, apiHealth);
        Assert.Equal(apiPort.ToString(CultureInfo.InvariantCulture), DeployFiles.DockerfileEnvironment(dockerfiles["partner-api"])["ASPNETCORE_HTTP_PORTS"]);

        var metricsPort = SinglePort(apps["partner-silo"], "Partner__Metrics__Port");
        var siloPort = SinglePort(apps["partner-silo"], "Orleans__Endpoints__SiloPort");
        var gatewayPort = SinglePort(apps["partner-silo"], "Orleans__Endpoints__GatewayPort");
        var (siloExposed, siloHealth) = DeployFiles.DockerfilePorts(dockerfiles["partner-silo"]);
        Assert.Equal(new HashSet<int> { siloPort, gatewayPort, metricsPort }, siloExposed);
        Assert.Equal(metricsPort, siloHealth);

        var apiTargets = apps["partner-api"].Select(s => $"{s.Name}:{apiPort}").ToHashSet();
        var siloTargets = apps["partner-silo"].Select(s => $"{s.Name}:{metricsPort}").ToHashSet();
        Assert.Equal(apiTargets, NginxUpstreamServers(DeployFiles.Read("nginx/nginx.conf")));

        var jobs = PrometheusJobs();
        Assert.Equal(apiTargets, jobs["partner-api"]);
        Assert.Equal(siloTargets, jobs["partner-silo"]);
        foreach (var target in jobs.Values.SelectMany(t => t))
        {
            Assert.True(compose.Map("services").ContainsKey(target.Split(':')[0]), $"Prometheus scrapes {target}, which is not a compose service");
        }

        // nginx is the one proxy the API nodes believe.
        var nginxAddress = compose.Map("services").Map("nginx").Map("networks").Map("partner").Text("ipv4_address");
        Assert.All(apps["partner-api"], s => Assert.Equal(nginxAddress, s.Service.Map("environment").Text("Partner__ForwardedHeaders__KnownProxies__0")));
    }

    [Fact]
    public void NginxAcceptsTheProxyConfigAndKeepsWebSocketsOpen()
    {
        var text = DeployFiles.Read("nginx/nginx.conf");
        var dir = Directory.CreateTempSubdirectory("partner-nginx-").FullName;
        try
        {
            // Upstream names resolve only inside compose, and pid/logs must be writable here.
            var local = UpstreamServer().Replace(text, "server 127.0.0.1:$2");
            local = Regex.Replace(local, @"^pid .*;$", $"pid {dir}/nginx.pid;", RegexOptions.Multiline);
            local = Regex.Replace(local, @"^(\s*)(error_log|access_log) [^;]*", $"$1$2 {dir}/$2.log", RegexOptions.Multiline);
            File.WriteAllText(Path.Combine(dir, "nginx.conf"), local);

            var result = Tool.Run("nginx", ["-t", "-c", Path.Combine(dir, "nginx.conf"), "-p", dir, "-e", Path.Combine(dir, "startup.log")], dir);

            Assert.True(result.ExitCode == 0, result.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        Assert.Matches(@"map \$http_upgrade \$connection_upgrade", text);
        var hub = Location(text, "/hubs/");
        Assert.Contains("proxy_http_version 1.1;", hub, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header Upgrade $http_upgrade;", hub, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header Connection $connection_upgrade;", hub, StringComparison.Ordinal);
        Assert.Contains("proxy_buffering off;", hub, StringComparison.Ordinal);
        var readTimeout = Regex.Match(hub, @"proxy_read_timeout (\d+)s;");
        Assert.True(readTimeout.Success && int.Parse(readTimeout.Groups[1].Value, CultureInfo.InvariantCulture) >= 60, "the hub's proxy_read_timeout must outlast SignalR's keep-alives (60 s or more)");
        Assert.Contains("proxy_http_version 1.1;", Location(text, "/"), StringComparison.Ordinal);
    }

    [Fact]
    public void PromtoolAcceptsTheScrapeConfigAndTheAlertRules()
    {
        var config = Tool.Run("promtool", ["check", "config", "prometheus/prometheus.yml"], DeployFiles.Root);
        var rules = Tool.Run("promtool", ["check", "rules", "prometheus/alerts.yml"], DeployFiles.Root);

        Assert.True(config.ExitCode == 0, config.Output + config.Error);
        Assert.Contains("1 rule files found", config.Output + config.Error, StringComparison.Ordinal);
        Assert.True(rules.ExitCode == 0, rules.Output + rules.Error);
    }

    [Fact]
    public void SecretsComeFromAnEnvFileThatGitIgnores()
    {
        var example = File.ReadAllLines(DeployFiles.PathOf(".env.example"))
            .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#'))
            .Select(line => line.Split('=')[0])
            .ToHashSet();
        var required = Variable().Matches(DeployFiles.Read("compose.yaml")).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.Empty(required.Except(example));
        var ignored = Tool.Run("git", ["check-ignore", "-q", "deploy/.env"], TestEnvironment.RepoRoot);
        Assert.True(ignored.ExitCode == 0, "deploy/.env must be ignored by git");
    }

    private static Dictionary<string, string> ConnectionString(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(part => part.Split('=', 2))
            .ToDictionary(kv => kv[0].Trim().ToLowerInvariant(), kv => kv[1].Trim());

    private static int SinglePort(IEnumerable<(string Name, Dictionary<string, object?> Service)> services, string variable)
    {
        var ports = services.Select(s => s.Service.Map("environment").Text(variable)).Distinct().ToList();
        Assert.True(ports is [{ } one] && int.TryParse(one, out _), $"{variable} must be set to one port on every such service (was {string.Join(", ", ports)})");
        return int.Parse(ports[0]!, CultureInfo.InvariantCulture);
    }

    private static HashSet<string> NginxUpstreamServers(string text) =>
        UpstreamServer().Matches(text).Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}").ToHashSet();

    private static Dictionary<string, HashSet<string>> PrometheusJobs() =>
        DeployFiles.LoadYaml(DeployFiles.Read("prometheus/prometheus.yml")).List("scrape_configs")
            .ToDictionary(job => job.Text("job_name")!, job => job.List("static_configs").SelectMany(c => c.List("targets")).Cast<string>().ToHashSet());

    private static string Location(string text, string path)
    {
        var match = Regex.Match(text, $@"location {Regex.Escape(path)} \{{(?<body>[^}}]*)\}}");
        Assert.True(match.Success, $"nginx.conf has no location {path}");
        return match.Groups["body"].Value;
    }

    [GeneratedRegex(@"server ([A-Za-z0-9.-]+):(\d+)")]
    private static partial Regex UpstreamServer();

    [GeneratedRegex(@"\$\{([A-Z_]+)(?::-[^}]*)?\}")]
    private static partial Regex Variable();
}
