using System.Text.RegularExpressions;
using System.Xml.Linq;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Deploy;

/// <summary>
/// <c>deploy/docker/*.Dockerfile</c> without a Docker engine: each copies every project its app builds from and the root
/// build files, builds on the SDK image and runs on the ASP.NET Core runtime image as a non-root user with a health check.
/// (Publishing from exactly the copied files was tried by hand once: see README, Deploying.)
/// </summary>
public sealed partial class Dockerfiles
{
    private static readonly string[] RootBuildFiles = ["global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig"];

    [Theory]
    [InlineData("partner-api", "api/Partner.Api.csproj", "web")] // the API's build bundles the web client from ../web
    [InlineData("partner-silo", "silo/Partner.Silo.csproj", null)]
    public void CopiesEveryProjectTheAppBuildsFrom(string image, string project, string? otherFolder)
    {
        var dockerfile = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, DeployFiles.Dockerfiles()[image]));
        var copied = CopyLine().Matches(dockerfile).Select(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

        foreach (var csproj in ProjectClosure(project))
        {
            var folder = Path.GetDirectoryName(csproj)!;
            // The project file alone first (restore is cached while only sources change), then the whole folder.
            Assert.Contains(copied, c => c[0] == csproj);
            Assert.Contains(copied, c => c[0] == folder + "/");
        }

        if (otherFolder is not null)
        {
            Assert.Contains(copied, c => c[0] == otherFolder + "/");
        }

        var rootCopy = Assert.Single(copied, c => c.Contains("global.json"));
        Assert.Superset(RootBuildFiles.Where(f => File.Exists(Path.Combine(TestEnvironment.RepoRoot, f))).ToHashSet(), rootCopy.ToHashSet());
        Assert.Contains("dotnet restore " + project, dockerfile, StringComparison.Ordinal);
        Assert.Contains("dotnet publish " + project, dockerfile, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("partner-api")]
    [InlineData("partner-silo")]
    public void BuildsOnTheSdkAndRunsAsNonRootOnTheRuntimeImageWithAHealthCheck(string image)
    {
        var dockerfile = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, DeployFiles.Dockerfiles()[image]));
        var stages = Regex.Matches(dockerfile, @"^FROM (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(["mcr.microsoft.com/dotnet/sdk:10.0", "mcr.microsoft.com/dotnet/aspnet:10.0"], stages);
        var runtime = dockerfile[dockerfile.LastIndexOf("FROM ", StringComparison.Ordinal)..];
        Assert.Matches(@"(?m)^USER \$APP_UID$", runtime);
        Assert.Matches(@"(?m)^HEALTHCHECK ", runtime);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""dotnet"", ""Partner\.(Api|Silo)\.dll""\]$", runtime);
    }

    [Fact]
    public void TheBuildContextLeavesOutBuildOutputAndSecrets()
    {
        var ignored = File.ReadAllLines(Path.Combine(TestEnvironment.RepoRoot, ".dockerignore")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();

        Assert.Superset(new HashSet<string>(["**/bin", "**/obj", "web/node_modules", "deploy", ".git"]), ignored);
        Assert.DoesNotContain(ignored, pattern => RootBuildFiles.Contains(pattern) || pattern is "api" or "silo" or "grains" or "grain-interfaces" or "web");
    }

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            var references = XDocument.Load(Path.Combine(TestEnvironment.RepoRoot, current)).Descendants("ProjectReference").Select(r => r.Attribute("Include")!.Value);
            foreach (var reference in references)
            {
                pending.Push(Path.GetRelativePath(TestEnvironment.RepoRoot, Path.GetFullPath(Path.Combine(TestEnvironment.RepoRoot, Path.GetDirectoryName(current)!, reference))).Replace('\\', '/'));
            }
        }

        return seen;
    }

    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
