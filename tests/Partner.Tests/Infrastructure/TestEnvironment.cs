using System;
using System.IO;
using System.Reflection;

namespace Partner.Tests.Infrastructure;

internal static class TestEnvironment
{
    public const string RepoRootVariable = "PARTNER_REPO_ROOT";

    private static readonly string[] SolutionFiles = ["Partner.sln", "Partner.slnx"];
    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);
    private static readonly Lazy<string> LazyBuildConfiguration = new(FindBuildConfiguration);

    public static string RepoRoot => LazyRepoRoot.Value;

    public static string BuildConfiguration => LazyBuildConfiguration.Value;

    private static string FindRepoRoot()
    {
        var overridden = Environment.GetEnvironmentVariable(RepoRootVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return Path.GetFullPath(overridden);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            foreach (var solution in SolutionFiles)
            {
                if (File.Exists(Path.Combine(directory.FullName, solution)))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Could not find Partner.sln in '{AppContext.BaseDirectory}' or any parent folder; set {RepoRootVariable} to the repository root.");
    }

    private static string FindBuildConfiguration()
    {
        var segments = AppContext.BaseDirectory.Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar],
            StringSplitOptions.RemoveEmptyEntries);
        var binIndex = Array.LastIndexOf(segments, "bin");
        if (binIndex >= 0 && binIndex + 1 < segments.Length)
        {
            return segments[binIndex + 1];
        }

        var fromAssembly = typeof(TestEnvironment).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        return string.IsNullOrWhiteSpace(fromAssembly) ? "Debug" : fromAssembly;
    }
}
