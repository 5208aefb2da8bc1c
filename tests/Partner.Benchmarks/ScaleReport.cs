using System.Globalization;
using System.Text;

namespace Partner.Benchmarks;

/// <summary>The scale section of the summary: every measure on each shape side by side, what an operation cost each process and MariaDB, and the ratio of the shapes.</summary>
public sealed class ScaleReport(BenchmarkOptions options, string commandLine)
{
    public const string Heading = "## Scale-out: 2 silos + 2 API nodes beside 1 + 1";

    /// <summary>How <see cref="ScaleDeployment"/> names a co-hosted shape's processes (API node and silo in one).</summary>
    private const string CoHostedPrefix = "node ";

    private readonly List<ScaleRun> runs = [];
    private readonly List<string> notes = [];

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.Now;

    public string LoadAtStart { get; set; } = "?";

    public string LoadAtEnd { get; set; } = "?";

    public TimeSpan Took { get; set; }

    public IReadOnlyList<ScaleRun> Runs => runs;

    public void Add(ScaleRun run) => runs.Add(run);

    public void Note(string note) => notes.Add(note);

    /// <summary>What a measure's name carries when the suite runs in rounds (<c>--rounds</c>).</summary>
    public static string RoundSuffix(int? round) => round is { } r ? Invariant($" (round {r})") : string.Empty;

    /// <summary>One run on the console: rate, latency, CPU ms per operation by role, MariaDB rows written per operation, and what did not succeed.</summary>
    public static string Line(Measurement m)
    {
        var cpu = string.Join(" ", Roles(m.Cpu).Select(r => Invariant($"{r.Role} {PerOp(r.Percent, m.Load.Rate)}")));
        var failed = m.Load.Outcomes.Where(o => !IsSuccess(m, o.Key)).Select(o => Invariant($"{o.Key}: {o.Value:N0}")).ToList();
        return Invariant($"{m.System,-4} {m.Workload,-48} {m.Driver,-10} K={m.Load.Workers,-4} {m.Load.Rate,9:N0}/s  p50 {m.Load.Latency.P50,6:0.0}  p99 {m.Load.Latency.P99,6:0.0} ms  ")
            + Invariant($"CPU ms/op: {cpu}  MariaDB rows written/op {RowsWritten(m):0.00}  other {m.Cpu.Other:0}%")
            + (failed.Count == 0 ? string.Empty : "  [" + string.Join("; ", failed) + "]");
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var shapes = runs.Select(r => r.Shape).Distinct().ToList();
        md.AppendLine(Heading).AppendLine();
        Paragraph(md,
            Invariant($"Command: `{commandLine}`; started {StartedAt:yyyy-MM-dd HH:mm zzz}, took {Took.TotalMinutes:0.0} min."),
            Invariant($"Load average (`/proc/loadavg`) at the start: {LoadAtStart}; at the end: {LoadAtEnd}. {Environment.ProcessorCount} cores shared by every process of every shape."));
        Paragraph(md,
            "Each shape runs on its own fresh MariaDB and Redis: silo and API processes in production mode (Release build), Orleans' own probe and call timeouts;",
            "`Nco` is N API processes each hosting a production silo (`Partner:Cluster:CoHosted`), no separate silo process.",
            "Every load is spread round-robin over the API nodes by connection: worker (or wrk connection) i goes to node i mod n; reads are driven by one wrk process per node at once, counts summed,",
            "their latencies pooled from each process's percentile grid (exact for one node; within 0.05 percentile above p95, 0.5 below, for two).",
            Invariant($"Closed loop, {options.Duration.TotalSeconds:0} s per measure after a {options.Warmup.TotalSeconds:0} s warm-up of the same load; K = {options.ScaleWorkers} workers (wrk connections) but for the storm, where each user is one."),
            Invariant($"Measures, in order: durable joins (`PUT /api/rooms/{{id}}/participants/me`, {options.Rooms} rooms open at once, a full room replaced by a fresh one);"),
            Invariant($"the join/leave storm ({options.StormUsers} users spread over {options.StormRooms} rooms, user i in room i mod {options.StormRooms}, each joining and leaving its room in a loop, a join or a leave an operation);"),
            Invariant($"room detail reads (`GET /api/rooms/{{id}}`, the storm's {options.StormRooms} rooms in turn); list reads (`GET /api/rooms?category=MEAL&size=20`);"),
            "durable ticket PUTs on MEAL and STUDY at once (half the workers each); then one day's list (`GET /api/rooms?category=MEAL&date=D&size=20`) read when that day holds "
                + string.Join(", ", options.DayRooms.Select(n => n.ToString("N0", CultureInfo.InvariantCulture))) + " open rooms (a page should cost the same at each).",
            options.ScaleMeasures.Count == BenchmarkOptions.AllScaleMeasures.Count
                ? string.Empty
                : $"This run measured only {string.Join(", ", BenchmarkOptions.AllScaleMeasures.Where(options.ScaleMeasures.Contains))} (`--scale-measures`).",
            options.Rounds == 1
                ? string.Empty
                : Invariant($"The shapes ran in {options.Rounds} rounds, every other round in reverse order, each on fresh servers (`--rounds`)."),
            "On one machine every shape shares the same cores: a ratio shows what the extra processes and hops cost (or gain), not what more machines would.");

        var compared = shapes.Skip(1).ToList();
        md.AppendLine("| measure | driver | K | " + string.Join(" | ", shapes.Select(s => $"{s.Name} ops/s | {s.Name} p50 ms | {s.Name} p99 ms"))
            + string.Concat(compared.Select(s => $" | {s.Name} / {shapes[0].Name} ops/s | p99 ratio")) + " |");
        md.AppendLine("|---|---|--:|" + string.Concat(shapes.Select(_ => "--:|--:|--:|")) + string.Concat(compared.Select(_ => "--:|--:|")));
        foreach (var workload in runs.Select(r => r.Measurement.Workload).Distinct())
        {
            var row = shapes.Select(s => runs.FirstOrDefault(r => r.Shape == s && r.Measurement.Workload == workload)?.Measurement).ToList();
            var any = row.First(m => m is not null)!;
            md.Append(Invariant($"| {workload} | {any.Driver} | {any.Load.Workers} | "));
            md.Append(string.Join(" | ", row.Select(m => m is null ? "– | – | –" : Invariant($"{m.Load.Rate:N0} | {m.Load.Latency.P50:0.0} | {m.Load.Latency.P99:0.0}"))));
            foreach (var other in row.Skip(1))
            {
                var first = row[0];
                md.Append(first is null || other is null || first.Load.Rate == 0
                    ? " | – | –"
                    : Invariant($" | {other.Load.Rate / first.Load.Rate:0.00}× | {other.Load.Latency.P99 / first.Load.Latency.P99:0.00}×"));
            }

            md.AppendLine(" |");
        }

        md.AppendLine();
        AppendRoundMedians(md, shapes);
        md.AppendLine("CPU milliseconds per successful operation, by process (its CPU time over the run divided by the successes; a role's processes summed, each in brackets); "
            + "the load generator is the benchmark process plus wrk. MariaDB: rows written (`Handler_write` + `Handler_update`), stored-procedure calls "
            + "(2 per grain-state read or write) and fsyncs per operation, from its global status around the run.").AppendLine();
        var coHosted = shapes.Any(s => s.CoHosted);
        md.AppendLine("| measure | shape | ops/s | silos | APIs | " + (coHosted ? "co-hosted nodes (API + silo) | " : string.Empty)
            + "MariaDB | Redis | load generator | all | rows written/op | CALLs/op | fsyncs/op | machine busy |");
        md.AppendLine("|---|---|--:|--:|--:|" + (coHosted ? "--:|" : string.Empty) + "--:|--:|--:|--:|--:|--:|--:|--:|");
        var workloads = runs.Select(r => r.Measurement.Workload).Distinct().ToList();
        foreach (var (shape, m, _, _, _) in runs.OrderBy(r => workloads.IndexOf(r.Measurement.Workload)).ThenBy(r => shapes.IndexOf(r.Shape)))
        {
            var rate = m.Load.Rate;
            string Role(string prefix)
            {
                var parts = m.Cpu.Processes.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
                if (parts.Count == 0)
                {
                    return "–";
                }

                var total = PerOp(parts.Sum(p => p.Value), rate);
                return parts.Count > 1 ? $"{total} ({string.Join(" + ", parts.Select(p => PerOp(p.Value, rate)))})" : total;
            }

            md.AppendLine(Invariant($"| {m.Workload} | {shape.Name} | {rate:N0} | {Role("silo ")} | {Role("api ")} | ") + (coHosted ? Role(CoHostedPrefix) + " | " : string.Empty)
                + Invariant($"{Role("mariadb")} | {Role("redis")} | ")
                + Invariant($"{PerOp(m.Cpu.Processes.GetValueOrDefault("bench") + m.Cpu.Processes.GetValueOrDefault("wrk"), rate)} | {PerOp(m.Cpu.Processes.Values.Sum(), rate)} | ")
                + Invariant($"{RowsWritten(m):0.00} | {PerSuccess(m, "Com_call_procedure"):0.00} | {PerSuccess(m, "Innodb_data_fsyncs"):0.00} | {m.Cpu.Machine / Environment.ProcessorCount:0} % |"));
        }

        md.AppendLine();
        AppendMessages(md, workloads, shapes);
        AppendPageCost(md, shapes);
        var outcomes = runs.Select(r => (r.Shape, r.Measurement, Failed: r.Measurement.Load.Outcomes.Where(o => !IsSuccess(r.Measurement, o.Key)).ToList()))
            .Where(r => r.Failed.Count > 0)
            .Select(r => Invariant($"{r.Shape.Name} {r.Measurement.Workload}: ") + string.Join("; ", r.Failed.Select(o => Invariant($"{o.Key} ×{o.Value:N0}"))));
        var allNotes = notes.Concat(outcomes.Select(o => "Not counted as successes: " + o + ".")).ToList();
        if (runs.Count > 0)
        {
            allNotes.Insert(0, Invariant($"Processes other than the deployment's, the benchmark's and wrk used at most {runs.Max(r => r.Measurement.Cpu.Other):0} % of a core during any measured run."));
        }

        if (allNotes.Count > 0)
        {
            md.AppendLine("### Notes").AppendLine();
            foreach (var note in allNotes)
            {
                md.AppendLine("- " + note);
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    /// <summary>Orleans messages per successful operation, by role: sent over the network, and delivered within the process.</summary>
    private void AppendMessages(StringBuilder md, List<string> workloads, List<ScaleShape> shapes)
    {
        var rows = runs.Where(r => r.Messages.Count > 0 && r.Measurement.Load.Successes > 0)
            .OrderBy(r => workloads.IndexOf(r.Measurement.Workload)).ThenBy(r => shapes.IndexOf(r.Shape)).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine("Orleans messages per successful operation, counted by each process (`/metrics`: the sent-message histogram's count, every "
            + "direction — requests, responses, one-way calls and stream deliveries — and, in brackets, messages delivered within the process "
            + "without the network). Unlike CPU time these counts do not depend on how busy the machine is.").AppendLine();
        md.AppendLine("| measure | shape | silos, network (local) | API nodes, network (local) | all, network |");
        md.AppendLine("|---|---|--:|--:|--:|");
        foreach (var (shape, m, _, _, sent) in rows)
        {
            double successes = m.Load.Successes;
            string Role(params string[] prefixes)
            {
                var parts = sent.Where(p => prefixes.Any(prefix => p.Key.StartsWith(prefix, StringComparison.Ordinal))).Select(p => p.Value).ToList();
                return parts.Count == 0 ? "–" : Invariant($"{parts.Sum(p => p.Network) / successes:0.00} ({parts.Sum(p => p.Local) / successes:0.00})");
            }

            md.AppendLine(Invariant($"| {m.Workload} | {shape.Name} | {Role("silo ")} | {Role("api ", CoHostedPrefix)} | {sent.Values.Sum(p => p.Network) / successes:0.00} |"));
        }

        md.AppendLine();
    }

    /// <summary>With several rounds: each measure's ratio of the shapes as the median of the rounds' ratios, each round's beside it.</summary>
    private void AppendRoundMedians(StringBuilder md, IReadOnlyList<ScaleShape> shapes)
    {
        foreach (var measure in runs.Where(r => r.Round is not null).GroupBy(r => r.Measure))
        {
            foreach (var other in shapes.Skip(1))
            {
                var ratios = measure.GroupBy(r => r.Round!.Value)
                    .Select(round => (Round: round.Key, First: round.FirstOrDefault(r => r.Shape == shapes[0])?.Measurement, Other: round.FirstOrDefault(r => r.Shape == other)?.Measurement))
                    .Where(p => p.First is { Load.Rate: > 0 } && p.Other is not null)
                    .Select(p => (p.Round, Ratio: p.Other!.Load.Rate / p.First!.Load.Rate))
                    .OrderBy(p => p.Round)
                    .ToList();
                if (ratios.Count == 0)
                {
                    continue;
                }

                var sorted = ratios.Select(p => p.Ratio).Order().ToList();
                var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
                md.AppendLine(Invariant($"{measure.Key}, {other.Name} / {shapes[0].Name} over {ratios.Count} rounds: median **{median:0.00}×** (")
                    + string.Join(", ", ratios.Select(p => Invariant($"round {p.Round} {p.Ratio:0.00}×"))) + ").").AppendLine();
            }
        }
    }

    /// <summary>Whether a page of one day's list costs the same however many rooms that day holds: CPU per read at the most rooms against the fewest.</summary>
    private void AppendPageCost(StringBuilder md, IReadOnlyList<ScaleShape> shapes)
    {
        var lines = new List<string>();
        foreach (var shape in shapes)
        {
            var days = runs.Where(r => r.Shape == shape && r.Measurement.Workload.StartsWith(ScaleSuite.DayListWorkload, StringComparison.Ordinal)
                && r.Round is null or 1).Select(r => r.Measurement).ToList();
            if (days.Count < 2 || days[0].Load.Rate == 0 || days[^1].Load.Rate == 0)
            {
                continue;
            }

            double AllPerOp(Measurement m) => m.Cpu.Processes.Values.Sum() * 10 / m.Load.Rate;
            lines.Add(Invariant($"{shape.Name}: ")
                + string.Join(" → ", days.Select(m => Invariant($"{AllPerOp(m):0.000} ms at {m.Workload[ScaleSuite.DayListWorkload.Length..].Split(' ')[0]}")))
                + Invariant($" rooms ({AllPerOp(days[^1]) / AllPerOp(days[0]):0.00}× from the fewest to the most; p99 {days[0].Load.Latency.P99:0.0} → {days[^1].Load.Latency.P99:0.0} ms)"));
        }

        if (lines.Count > 0)
        {
            md.AppendLine("One day's list as the day fills, CPU of all processes per read (about 1× when a page costs O(page), growing with the rooms when it costs O(rooms of the day)): "
                + string.Join("; ", lines) + ".").AppendLine();
        }
    }

    /// <summary>CPU per operation by role: silos, API nodes and co-hosted nodes summed over their processes; the load generator is this process plus wrk.</summary>
    private static IEnumerable<(string Role, double Percent)> Roles(CpuUsage cpu)
    {
        double Sum(string prefix) => cpu.Processes.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.Value);
        bool Any(string prefix) => cpu.Processes.Keys.Any(name => name.StartsWith(prefix, StringComparison.Ordinal));
        if (Any("silo "))
        {
            yield return ("silos", Sum("silo "));
            yield return ("APIs", Sum("api "));
        }

        if (Any(CoHostedPrefix))
        {
            yield return ("nodes", Sum(CoHostedPrefix));
        }

        yield return ("MariaDB", Sum("mariadb"));
        yield return ("Redis", Sum("redis"));
        yield return ("loadgen", Sum("bench") + Sum("wrk"));
    }

    /// <summary>Percent of one core over the run, divided by the successes per second: milliseconds of CPU per operation.</summary>
    private static string PerOp(double percent, double rate) =>
        rate > 0 ? (percent * 10 / rate).ToString("0.000", CultureInfo.InvariantCulture) : "–";

    private static double RowsWritten(Measurement m) => PerSuccess(m, "Handler_write") + PerSuccess(m, "Handler_update");

    private static double PerSuccess(Measurement m, string counter) =>
        m.Load.Successes == 0 ? double.NaN : m.Database.GetValueOrDefault(counter) / (double)m.Load.Successes;

    private static bool IsSuccess(Measurement m, string outcome) =>
        outcome is "2xx/3xx" or "200" or "201 joined" or "204 left" || outcome.Contains(" 201 ", StringComparison.Ordinal);

    private static void Paragraph(StringBuilder md, params string[] sentences) => md.AppendLine(string.Join(' ', sentences.Where(s => s.Length > 0))).AppendLine();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One measured run of one shape: <see cref="Measure"/> is the measure's name without its round (<see cref="Measurement.Workload"/> carries
/// the round too, when the suite runs in rounds); <see cref="Messages"/> what each silo and API node sent during it (empty when unread).
/// </summary>
public sealed record ScaleRun(ScaleShape Shape, Measurement Measurement, string Measure, int? Round, IReadOnlyDictionary<string, MessageCounts> Messages);
