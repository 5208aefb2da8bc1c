using System.Diagnostics;

namespace Partner.Benchmarks;

/// <summary>The scale suite: each shape of <c>--shapes</c> in turn, on its own fresh servers; returns the summary's section.</summary>
public static class ScaleBenchmark
{
    /// <summary>The section, and whether every shape ran to the end (a shape that failed is noted in the section, and the next one still runs).</summary>
    public static async Task<(string Section, bool Complete)> RunAsync(
        BenchmarkOptions options, string commandLine, IReadOnlyDictionary<string, string?> apiSettings, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var report = new ScaleReport(options, commandLine) { LoadAtStart = File.ReadAllText("/proc/loadavg").Trim() };
        var wrk = await FindWrkAsync(options, report, stop);
        Console.WriteLine($"Partner scale benchmark: shapes {string.Join(", ", options.Shapes.Select(s => s.Name))}, {options.Duration.TotalSeconds:0} s per measure, "
            + $"K = {options.ScaleWorkers}, storm {options.StormUsers} users in {options.StormRooms} rooms, one day's list at {string.Join(", ", options.DayRooms)} rooms, "
            + (wrk is null ? "reads by HttpClient" : "reads by wrk"));
        var complete = true;
        try
        {
            foreach (var (shape, round) in Order(options))
            {
                try
                {
                    await using var deployment = await ScaleDeployment.StartAsync(shape, options.FlushLogAtTrxCommit, apiSettings, stop);
                    await new ScaleSuite(options, deployment, report, wrk, stop, options.Rounds > 1 ? round : null).RunAsync();
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    complete = false;
                    Console.Error.WriteLine($"{shape.Name} failed: {ex}");
                    report.Note($"**{shape.Name} stopped early**: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
                }
            }
        }
        finally
        {
            if (stop.IsCancellationRequested && report.Runs.Count > 0)
            {
                Console.Error.WriteLine("Interrupted. Measures finished so far:");
                foreach (var run in report.Runs)
                {
                    Console.Error.WriteLine(ScaleReport.Line(run.Measurement));
                }
            }
        }

        report.LoadAtEnd = File.ReadAllText("/proc/loadavg").Trim();
        report.Took = clock.Elapsed;
        return (report.ToMarkdown(), complete);
    }

    /// <summary>Every shape in every round; every other round in reverse order, so that a drift of the machine's speed falls on both alike.</summary>
    private static IEnumerable<(ScaleShape Shape, int Round)> Order(BenchmarkOptions options) =>
        Enumerable.Range(1, options.Rounds).SelectMany(round => (round % 2 == 1 ? options.Shapes : options.Shapes.Reverse()).Select(shape => (shape, round)));

    private static async Task<string?> FindWrkAsync(BenchmarkOptions options, ScaleReport report, CancellationToken stop)
    {
        var wrk = options.UseWrk ? Wrk.Find() : null;
        if (wrk is null && options.UseWrk && options.InstallWrk)
        {
            Console.WriteLine("wrk is missing: installing it with apt-get (--install-wrk)");
            wrk = await Wrk.InstallAsync(stop);
        }

        if (wrk is null)
        {
            var why = options.UseWrk ? "wrk is not installed (pass --install-wrk, or apt-get install wrk)" : "--no-wrk";
            report.Note($"Reads were driven by HttpClient (the benchmark process) instead of wrk: {why}.");
            Console.WriteLine($"reads by HttpClient: {why}");
        }

        return wrk;
    }
}
