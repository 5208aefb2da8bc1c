using System.Diagnostics;
using System.Text.RegularExpressions;
using Partner.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Partner.Tests.Deploy;

/// <summary>The operator files under <c>deploy/</c>, read as plain data, and the command-line tools that validate them.</summary>
internal static partial class DeployFiles
{
    public static string Root { get; } = Path.Combine(TestEnvironment.RepoRoot, "deploy");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>A YAML file (or stream of documents) as dictionaries, lists and strings.</summary>
    public static IReadOnlyList<object?> LoadYamlDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(document => Plain(document.RootNode))];
    }

    public static Dictionary<string, object?> LoadYaml(string text) => (Dictionary<string, object?>)LoadYamlDocuments(text).Single()!;

    private static object? Plain(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => Plain(pair.Value)),
        YamlSequenceNode list => list.Children.Select(Plain).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}"),
    };

    public static Dictionary<string, object?> Map(this object? node, string key) =>
        (node as Dictionary<string, object?>)?.GetValueOrDefault(key) as Dictionary<string, object?> ?? [];

    public static List<object?> List(this object? node, string key) =>
        (node as Dictionary<string, object?>)?.GetValueOrDefault(key) as List<object?> ?? [];

    public static string? Text(this object? node, string key) => (node as Dictionary<string, object?>)?.GetValueOrDefault(key) as string;

    /// <summary>
    /// The compose file (read once per test run; do not modify it) as <c>docker-compose config</c> resolves it (anchors merged, <c>${...}</c> filled in from
    /// an <c>.env</c> made of <c>.env.example</c>), from a copy of <c>deploy/</c> so no <c>.env</c> lands in the repository.
    /// </summary>
    public static Dictionary<string, object?> ResolvedCompose() => LazyResolvedCompose.Value;

    private static readonly Lazy<Dictionary<string, object?>> LazyResolvedCompose = new(ResolveCompose);

    private static Dictionary<string, object?> ResolveCompose()
    {
        var copy = CopyWithExampleEnv();
        try
        {
            var result = Tool.Run("docker-compose", ["-f", "compose.yaml", "config"], copy);
            Assert.True(result.ExitCode == 0, $"docker-compose config failed:\n{result.Error}");
            var resolved = LoadYaml(result.Output);
            // Build contexts relative to the repository root ("." is the root itself), not to the temporary copy.
            foreach (var build in resolved.Map("services").Values.Select(service => service.Map("build")).Where(build => build.ContainsKey("context")))
            {
                build["context"] = Path.GetRelativePath(Path.GetDirectoryName(copy)!, build.Text("context")!);
            }

            return resolved;
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    /// <summary>A temporary copy of <c>deploy/</c> (as <c>tmp/x/deploy</c>, so <c>..</c> exists) with <c>.env</c> from <c>.env.example</c>.</summary>
    public static string CopyWithExampleEnv()
    {
        var parent = Directory.CreateTempSubdirectory("partner-deploy-").FullName;
        var copy = Path.Combine(parent, "deploy");
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        File.Copy(Path.Combine(copy, ".env.example"), Path.Combine(copy, ".env"), overwrite: true);
        return copy;
    }

    /// <summary>The services of the resolved compose file that run Partner's own images, by image repository (<c>partner-api</c>, <c>partner-silo</c>).</summary>
    public static ILookup<string, (string Name, Dictionary<string, object?> Service)> AppServices(Dictionary<string, object?> compose) =>
        compose.Map("services")
            .Select(pair => (Name: pair.Key, Service: (Dictionary<string, object?>)pair.Value!))
            .Where(s => ImageRepository(s.Service.Text("image") ?? "").StartsWith("partner-", StringComparison.Ordinal))
            .ToLookup(s => ImageRepository(s.Service.Text("image")!));

    public static string ImageRepository(string image) => image.Split(':')[0].Split('/')[^1];

    /// <summary>The image a Dockerfile under <c>deploy/docker</c> builds: <c>silo.Dockerfile</c> builds <c>partner-silo</c>.</summary>
    public static IReadOnlyDictionary<string, string> Dockerfiles() =>
        Directory.EnumerateFiles(PathOf("docker"), "*.Dockerfile")
            .ToDictionary(file => "partner-" + Path.GetFileName(file).Split('.')[0], file => Path.GetRelativePath(TestEnvironment.RepoRoot, file));

    /// <summary>Ports a Dockerfile's runtime stage exposes, and the port its HEALTHCHECK calls.</summary>
    public static (IReadOnlySet<int> Exposed, int HealthCheckPort) DockerfilePorts(string repoRelativePath)
    {
        var text = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, repoRelativePath));
        var exposed = ExposeLine().Matches(text).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToHashSet();
        var health = HealthCheckPort().Match(text);
        Assert.True(health.Success, $"{repoRelativePath} has no HEALTHCHECK calling a local port");
        return (exposed, int.Parse(health.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Environment variables a Dockerfile sets with <c>ENV</c> (the <c>KEY=value \</c> form).</summary>
    public static IReadOnlyDictionary<string, string> DockerfileEnvironment(string repoRelativePath) =>
        DockerEnvPair().Matches(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, repoRelativePath)))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    [GeneratedRegex(@"^EXPOSE\s+([0-9 ]+)$", RegexOptions.Multiline)]
    private static partial Regex ExposeLine();

    [GeneratedRegex(@"/dev/tcp/127\.0\.0\.1/(\d+)")]
    private static partial Regex HealthCheckPort();

    [GeneratedRegex(@"(?:^ENV\s+|^\s+)([A-Za-z_][A-Za-z0-9_]*)=(\S+?)(?:\s+\\)?$", RegexOptions.Multiline)]
    private static partial Regex DockerEnvPair();
}

/// <summary>Runs a validation tool; a missing tool fails the test (never skips it), naming the Debian package that provides it.</summary>
internal static class Tool
{
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["docker-compose"] = "docker-compose",
        ["nginx"] = "nginx",
        ["promtool"] = "prometheus",
        ["kubectl"] = "kubernetes-client",
    };

    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(string tool, IEnumerable<string> arguments, string workingDirectory)
    {
        // nginx lives in /usr/sbin, which is not on every user's PATH.
        var path = Environment.GetEnvironmentVariable("PATH")!.Split(Path.PathSeparator).Append("/usr/sbin").Append("/usr/local/sbin")
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"{tool} is not installed: apt-get install -y --no-install-recommends {Packages.GetValueOrDefault(tool, tool)} (tests/run.sh installs it)");

        var start = new ProcessStartInfo(path) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No kubeconfig here: kubectl would otherwise look for a cluster on localhost:8080.
        start.Environment["KUBECONFIG"] = "/dev/null";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} {string.Join(' ', arguments)} did not finish within 60 s");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
