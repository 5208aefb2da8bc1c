using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Partner.Tests.Infrastructure;

namespace Partner.Benchmarks;

/// <summary>
/// wrk (Debian package <c>wrk</c>) as a second, lighter load generator for reads. Its Lua <c>done</c>
/// hook prints one parsable line; <c>summary.errors.status</c> counts non-2xx/3xx answers.
/// </summary>
public static partial class Wrk
{
    private const string Script = """
        done = function(summary, latency, requests)
          io.write(string.format("PARTNER_WRK requests=%d duration_us=%d status=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d\n",
            summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
            summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
        end
        """;

    private static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(100);

    public static string? Find() => ChildProcesses.FindExecutable("wrk");

    /// <summary>apt-get install wrk, through sudo unless root; only when the user asked for it.</summary>
    public static async Task<string?> InstallAsync(CancellationToken cancellationToken)
    {
        var root = Environment.UserName == "root";
        foreach (var arguments in new[] { "update -qq", "install -y -qq --no-install-recommends wrk" })
        {
            var startInfo = new ProcessStartInfo(root ? "apt-get" : "sudo", root ? arguments : "apt-get " + arguments) { UseShellExecute = false };
            startInfo.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var process = Process.Start(startInfo)!;
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                Console.Error.WriteLine($"apt-get {arguments} failed with exit code {process.ExitCode}");
                return null;
            }
        }

        return Find();
    }

    /// <summary>Runs wrk; returns its result and the CPU seconds wrk itself used (polled from /proc while it runs).</summary>
    public static async Task<(LoadResult Load, double CpuSeconds)> RunAsync(string wrk, Uri url, int connections, int threads, TimeSpan duration, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("partner-wrk-").FullName;
        try
        {
            var script = Path.Combine(directory, "summary.lua");
            await File.WriteAllTextAsync(script, Script, cancellationToken);
            var startInfo = new ProcessStartInfo(wrk) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                "-t", Math.Min(threads, connections).ToString(CultureInfo.InvariantCulture),
                "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s",
                "--timeout", "5s",
                "-s", script,
                url.ToString(),
            })
            {
                startInfo.ArgumentList.Add(argument);
            }

            var output = new List<string>();
            using var process = ChildProcesses.Start(startInfo, line =>
            {
                lock (output)
                {
                    output.Add(line);
                }
            });
            long ticks = 0;
            try
            {
                var exited = process.WaitForExitAsync(cancellationToken);
                while (!exited.IsCompleted)
                {
                    ticks = Math.Max(ticks, CpuSampler.ProcessTicks(process.Id));
                    await Task.WhenAny(exited, Task.Delay(PollPeriod, cancellationToken));
                }

                await exited;
            }
            finally
            {
                ChildProcesses.KillTree(process);
                ChildProcesses.Forget(process);
            }

            string text;
            lock (output)
            {
                text = string.Join('\n', output);
            }

            var match = SummaryLine().Match(text);
            if (process.ExitCode != 0 || !match.Success)
            {
                throw new InvalidOperationException($"wrk exited with {process.ExitCode} without its summary:\n{text}");
            }

            long Value(string name) => long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
            var requests = Value("requests");
            var outcomes = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["2xx/3xx"] = requests - Value("status"),
                ["non-2xx/3xx"] = Value("status"),
                ["socket connect"] = Value("connect"),
                ["socket read"] = Value("read"),
                ["socket write"] = Value("write"),
                ["timeout"] = Value("timeout"),
            };
            var latency = new LatencySummary(Value("p50") / 1000.0, Value("p95") / 1000.0, Value("p99") / 1000.0, Value("max") / 1000.0);
            var load = new LoadResult(connections, TimeSpan.FromMicroseconds(Value("duration")), requests - Value("status"),
                outcomes.Where(o => o.Value != 0 || o.Key == "2xx/3xx").ToDictionary(), latency);
            return (load, ticks / CpuSampler.TicksPerSecond);
        }
        finally
        {
            ChildProcesses.DeleteDirectory(directory);
        }
    }

    [GeneratedRegex(@"PARTNER_WRK requests=(?<requests>\d+) duration_us=(?<duration>\d+) status=(?<status>\d+) connect=(?<connect>\d+) read=(?<read>\d+) write=(?<write>\d+) timeout=(?<timeout>\d+) p50_us=(?<p50>\d+) p95_us=(?<p95>\d+) p99_us=(?<p99>\d+) max_us=(?<max>\d+)")]
    private static partial Regex SummaryLine();
}
