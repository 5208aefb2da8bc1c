using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Partner.Tests.Infrastructure;

namespace Partner.Benchmarks;

/// <summary>
/// wrk (Debian package <c>wrk</c>) as a second, lighter load generator for reads. Its Lua <c>done</c>
/// hook prints one parsable line and a percentile grid; <c>summary.errors.status</c> counts non-2xx/3xx answers.
/// </summary>
public static partial class Wrk
{
    private const string Script = """
        done = function(summary, latency, requests)
          io.write(string.format("PARTNER_WRK requests=%d duration_us=%d status=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d\n",
            summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
            summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
          local grid = {}
          for i, p in ipairs(partner_grid) do
            grid[i] = string.format("%d", latency:percentile(p))
          end
          io.write("PARTNER_WRK_GRID " .. table.concat(grid, ",") .. "\n")
        end
        """;

    /// <summary>Percentiles wrk prints besides its summary, so that several wrk processes' latencies can be pooled: every 0.5 up to 95, then every 0.05.</summary>
    private static readonly double[] Grid =
        [.. Enumerable.Range(1, 190).Select(i => i * 0.5), .. Enumerable.Range(1, 100).Select(i => 95 + (i * 0.05))];

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
        var run = await RunOneAsync(wrk, url, [], connections, threads, duration, cancellationToken);
        return (run.Load, run.CpuSeconds);
    }

    /// <summary>
    /// One wrk process per node, all at once, the connections split evenly (round-robin by connection); each request takes
    /// the next of <paramref name="paths"/> in turn. Counts are summed; latency percentiles are pooled from each process's
    /// percentile grid (exact for one node, to 0.05 percentile above p95 and 0.5 below for several).
    /// </summary>
    public static async Task<(LoadResult Load, double CpuSeconds)> RunOnNodesAsync(
        string wrk, IReadOnlyList<Uri> nodes, IReadOnlyList<string> paths, int connections, int threads, TimeSpan duration, CancellationToken cancellationToken)
    {
        var runs = await Task.WhenAll(nodes.Select((node, i) =>
            RunOneAsync(wrk, new Uri(node, paths[0]), paths.Count > 1 ? paths : [], Share(connections, nodes.Count, i), threads, duration, cancellationToken)));
        if (runs.Length == 1)
        {
            return (runs[0].Load, runs[0].CpuSeconds);
        }

        var outcomes = runs.SelectMany(r => r.Load.Outcomes).GroupBy(o => o.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(o => o.Value), StringComparer.Ordinal);
        var load = new LoadResult(connections, runs.Max(r => r.Load.Elapsed), runs.Sum(r => r.Load.Successes), outcomes, Pool(runs));
        return (load, runs.Sum(r => r.CpuSeconds));
    }

    /// <summary>The i-th of <paramref name="parts"/> shares of <paramref name="total"/> (the first ones one larger when it does not divide).</summary>
    public static int Share(int total, int parts, int i) => Math.Max(1, (total / parts) + (i < total % parts ? 1 : 0));

    /// <summary>Percentiles of the runs' requests taken together: each grid point stands for its slice of its run's requests.</summary>
    private static LatencySummary Pool(IReadOnlyList<WrkRun> runs)
    {
        var points = new List<(double Micros, double Weight)>();
        foreach (var run in runs)
        {
            for (var i = 0; i < Grid.Length; i++)
            {
                points.Add((run.Grid[i], run.Requests * (Grid[i] - (i == 0 ? 0 : Grid[i - 1])) / 100));
            }
        }

        points.Sort((x, y) => x.Micros.CompareTo(y.Micros));
        var total = points.Sum(p => p.Weight);
        double At(double percentile)
        {
            var rank = total * percentile / 100;
            var sum = 0.0;
            foreach (var (micros, weight) in points)
            {
                sum += weight;
                if (sum >= rank * (1 - 1e-9))
                {
                    return micros / 1000;
                }
            }

            return points[^1].Micros / 1000;
        }

        return total == 0 ? LatencySummary.Empty : new LatencySummary(At(50), At(95), At(99), runs.Max(r => r.Load.Latency.Max));
    }

    private static async Task<WrkRun> RunOneAsync(
        string wrk, Uri url, IReadOnlyList<string> paths, int connections, int threads, TimeSpan duration, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("partner-wrk-").FullName;
        try
        {
            var script = Path.Combine(directory, "summary.lua");
            await File.WriteAllTextAsync(script, LuaScript(paths), cancellationToken);
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
            var grid = GridLine().Match(text);
            if (process.ExitCode != 0 || !match.Success || !grid.Success)
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
            var percentiles = grid.Groups["grid"].Value.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return new WrkRun(load, ticks / CpuSampler.TicksPerSecond, requests, percentiles);
        }
        finally
        {
            ChildProcesses.DeleteDirectory(directory);
        }
    }

    /// <summary>The summary hook, and with <paramref name="paths"/> a request hook that sends them in turn (each thread from its own start).</summary>
    private static string LuaScript(IReadOnlyList<string> paths)
    {
        var script = new StringBuilder();
        script.Append("partner_grid = {").AppendJoin(", ", Grid.Select(p => p.ToString("0.00", CultureInfo.InvariantCulture))).AppendLine("}");
        if (paths.Count > 0)
        {
            script.Append("partner_paths = {").AppendJoin(", ", paths.Select(p => "\"" + p + "\"")).AppendLine("}");
            script.AppendLine("""
                partner_next = 0
                init = function(args) partner_next = math.random(#partner_paths) - 1 end
                request = function()
                  partner_next = partner_next % #partner_paths + 1
                  return wrk.format("GET", partner_paths[partner_next])
                end
                """);
        }

        return script.Append(Script).ToString();
    }

    private sealed record WrkRun(LoadResult Load, double CpuSeconds, long Requests, double[] Grid);

    [GeneratedRegex(@"PARTNER_WRK requests=(?<requests>\d+) duration_us=(?<duration>\d+) status=(?<status>\d+) connect=(?<connect>\d+) read=(?<read>\d+) write=(?<write>\d+) timeout=(?<timeout>\d+) p50_us=(?<p50>\d+) p95_us=(?<p95>\d+) p99_us=(?<p99>\d+) max_us=(?<max>\d+)")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"PARTNER_WRK_GRID (?<grid>[0-9,]+)")]
    private static partial Regex GridLine();
}
