using System.Diagnostics;
using System.Globalization;
using System.Net;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>
/// <c>deploy/local/production.sh</c> as on a fresh machine: no environment, no state. It makes its own signing key,
/// starts MariaDB, Redis, two silos and the API until they answer, and <c>stop</c> leaves no process behind.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalProductionScript
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task StartsFromNothingServesAndStopsEveryProcess()
    {
        var state = Directory.CreateTempSubdirectory("partner-script-").FullName;
        var apiPort = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["PARTNER_STATE_DIR"] = state,
            ["PARTNER_SKIP_BUILD"] = "1",
            ["PARTNER_DB_PORT"] = Port(),
            ["PARTNER_REDIS_PORT"] = Port(),
            ["PARTNER_API_PORT"] = apiPort.ToString(CultureInfo.InvariantCulture),
            ["PARTNER_SILO1_PORT"] = Port(),
            ["PARTNER_GATEWAY1_PORT"] = Port(),
            ["PARTNER_SILO2_PORT"] = Port(),
            ["PARTNER_GATEWAY2_PORT"] = Port(),
        };
        try
        {
            var (started, startOutput) = await RunAsync("start", environment);
            Assert.True(started == 0, $"start exited with {started}:\n{startOutput}\n{Logs(state)}");
            Assert.Contains($"ready: http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}", startOutput, StringComparison.Ordinal);

            var key = Path.Combine(state, "jwt-signing-key");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.True(File.ReadAllText(key).Trim().Length >= Partner.Api.Auth.JwtSettings.MinimumKeyBytes);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(15) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
            using var categories = await http.GetAsync("/api/categories");
            Assert.Equal(HttpStatusCode.OK, categories.StatusCode);
            Assert.Contains("MEAL", await categories.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var pids = Directory.GetFiles(Path.Combine(state, "pids")).ToDictionary(file => Path.GetFileName(file), file => int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture));
            Assert.Equal(["api", "mariadb", "redis", "silo1", "silo2"], pids.Keys.Order(StringComparer.Ordinal));

            var (stopped, stopOutput) = await RunAsync("stop", environment);

            Assert.True(stopped == 0, $"stop exited with {stopped}:\n{stopOutput}");
            Assert.All(pids, pid => Assert.False(Runs(pid.Value), $"{pid.Key} (pid {pid.Value}) still runs"));
        }
        finally
        {
            await RunAsync("stop", environment);
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Whether the process exists and is not a zombie waiting for its parent to read its exit.</summary>
    private static bool Runs(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);

    private static async Task<(int ExitCode, string Output)> RunAsync(string command, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(TestEnvironment.RepoRoot, "deploy", "local", "production.sh"));
        start.ArgumentList.Add(command);
        // A fresh machine: nothing of the test runner's own configuration.
        foreach (var inherited in new[] { "Auth__Jwt__SigningKey", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "Partner__Mode" })
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    private static string Logs(string state) =>
        string.Join('\n', Directory.GetFiles(Path.Combine(state, "logs")).Select(file => $"--- {Path.GetFileName(file)}\n{string.Join('\n', File.ReadLines(file).TakeLast(20))}"));
}
