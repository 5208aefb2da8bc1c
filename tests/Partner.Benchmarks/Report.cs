using System.Globalization;
using System.Text;

namespace Partner.Benchmarks;

/// <summary>The summary: machine, setup, every run, Partner against the baseline, database cost, targets.</summary>
public sealed class Report(BenchmarkOptions options, string commandLine)
{
    public const double JoinTarget = 1000;
    public const double JoinP99Limit = 50;
    public const double ReadTarget = 10000;
    public const double ReadP99Limit = 20;

    /// <summary>Busy time of other processes during a run, in percent of one core, above which the run is disturbed.</summary>
    public const double DisturbedLimit = 25;

    private static readonly string[] CpuColumns = ["api", "silo", "mariadb", "redis", "bench", "wrk"];

    private readonly List<Measurement> measurements = [];
    private readonly List<string> notes = [];

    public MachineFacts? Machine { get; set; }

    public IReadOnlyList<(string GrainType, long Count, double AverageBytes, long MaxBytes)> GrainStates { get; set; } = [];

    public IReadOnlyList<Measurement> Measurements => measurements;

    public void Add(Measurement measurement) => measurements.Add(measurement);

    public void Note(string note) => notes.Add(note);

    public static string Line(Measurement m)
    {
        var names = CpuColumns.Where(m.Cpu.Processes.ContainsKey).Concat(m.Cpu.Processes.Keys.Except(CpuColumns).Order(StringComparer.Ordinal));
        var cpu = string.Join(" ", names.Select(c => $"{c} {m.Cpu.Processes[c]:0}%")) + $" other {m.Cpu.Other:0}%";
        return $"{m.System,-8} {m.Workload,-40} {m.Driver,-14} K={m.Load.Workers,-4} {m.Load.Rate,9:N0}/s  p50 {m.Load.Latency.P50,6:0.0}  p95 {m.Load.Latency.P95,6:0.0}  p99 {m.Load.Latency.P99,6:0.0} ms  [{Outcomes(m)}]  cpu: {cpu}";
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Partner benchmark results").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{commandLine}`").AppendLine();
        if (Machine is not null)
        {
            md.AppendLine("## Machine").AppendLine().AppendLine("| | |").AppendLine("|---|---|");
            foreach (var (name, value) in Machine.Facts)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
            }

            md.AppendLine();
        }

        md.AppendLine("## Setup").AppendLine();
        md.AppendLine("- One silo process and one API process in production mode (Release build), a private MariaDB and a private Redis, "
            + "and the load generator: all on the same machine, sharing its cores.");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- {options.Users:N0} users signed in by dev login; rooms of capacity {options.Capacity} (owner included, so {options.Seats} joins fill one), ")
            + (options.FreshOwners ? "each owned by its own freshly signed-in user (so owners' alarm inboxes stay small), " : "owned by the joining users in turn (their alarm inboxes grow over the run), ")
            + string.Create(CultureInfo.InvariantCulture, $"spread over MEAL and STUDY and 14 meeting dates. Spread workload: {options.Rooms} rooms open at once; ")
            + string.Create(CultureInfo.InvariantCulture, $"hot workload: {options.HotRooms} rooms open at once. A room whose seats are taken is replaced by a fresh one (prepared before the run), so joins mostly succeed."));
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- Closed loop: K workers each send the next request when the previous one answered; {options.Duration.TotalSeconds:0} s per run after a {options.Warmup.TotalSeconds:0} s warm-up per system. ")
            + "Joins/s counts only successes (201 for Partner, a committed join for the baseline); latency percentiles are of those successes, measured by the load generator.");
        md.AppendLine("- Partner: `PUT /api/rooms/{id}/participants/me` over HTTP/1.1 keep-alive (JWT validation, rate limiter and active-user check, the room grain's durable write, "
            + "then the owner's alarm written to their inbox grain after the answer).");
        md.AppendLine("- Baseline: the original's join driven directly with MySqlConnector on the same MariaDB, no HTTP, no ORM (an upper bound for the original's database path): "
            + "in a transaction read the room, refuse when full, insert the participant, `UPDATE … SET participants+1, version+1 WHERE id=? AND version=?`; 0 rows → roll back and retry, up to "
            + options.BaselineTries.ToString(CultureInfo.InvariantCulture) + " tries.");
        md.AppendLine("- CPU columns are percent of one core (the machine has " + Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)
            + " cores, so 100 % per core); `other` is the rest of the machine's busy time (wrk, and anything else running).");
        md.AppendLine();

        md.AppendLine("## Runs").AppendLine();
        md.AppendLine("| system | workload | driver | K | ok/s | p50 ms | p95 ms | p99 ms | max ms | outcomes | CPU % api / silo / db / redis / bench / wrk / other |");
        md.AppendLine("|---|---|---|--:|--:|--:|--:|--:|--:|---|---|");
        foreach (var m in measurements)
        {
            var l = m.Load.Latency;
            var cpu = string.Join(" / ", CpuColumns.Select(c => m.Cpu.Processes.GetValueOrDefault(c).ToString("0", CultureInfo.InvariantCulture)))
                + " / " + m.Cpu.Other.ToString("0", CultureInfo.InvariantCulture);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.System} | {m.Workload} | {m.Driver} | {m.Load.Workers} | {m.Load.Rate:N0} | {l.P50:0.0} | {l.P95:0.0} | {l.P99:0.0} | {l.Max:0} | {Outcomes(m)} | {cpu} |");
        }

        md.AppendLine();
        AppendCpuPerOperation(md);
        AppendRatios(md);
        AppendDatabaseCost(md);
        AppendTargets(md);
        var allNotes = new List<string>(notes);
        if (measurements.Count > 0)
        {
            var other = measurements.Max(m => m.Cpu.Other);
            allNotes.Insert(0, string.Create(CultureInfo.InvariantCulture, $"Processes other than the benchmark's (and wrk) used at most {other:0} % of a core during any run")
                + (other <= DisturbedLimit ? ": no run shared the cores with outside work." : ": see the notes on disturbed runs."));
        }

        if (allNotes.Count > 0)
        {
            md.AppendLine("## Notes").AppendLine();
            foreach (var note in allNotes)
            {
                md.AppendLine("- " + note);
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    private void AppendCpuPerOperation(StringBuilder md)
    {
        md.AppendLine("## CPU per successful operation").AppendLine();
        md.AppendLine("Milliseconds of CPU each process spent per successful join or read (its CPU time over the run divided by the successes); "
            + "`load generator` is the benchmark process, or wrk. Machine busy is in percent of all cores.").AppendLine();
        md.AppendLine("| system | workload | driver | K | ok/s | api | silo | mariadb | load generator | machine busy |");
        md.AppendLine("|---|---|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var m in measurements)
        {
            string PerOp(double percent) => m.Load.Rate > 0 ? (percent * 10 / m.Load.Rate).ToString("0.000", CultureInfo.InvariantCulture) : "–";
            var generator = m.Cpu.Processes.GetValueOrDefault("bench") + m.Cpu.Processes.GetValueOrDefault("wrk");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.System} | {m.Workload} | {m.Driver} | {m.Load.Workers} | {m.Load.Rate:N0} | {PerOp(m.Cpu.Processes.GetValueOrDefault("api"))} | {PerOp(m.Cpu.Processes.GetValueOrDefault("silo"))} | {PerOp(m.Cpu.Processes.GetValueOrDefault("mariadb"))} | {PerOp(generator)} | {m.Cpu.Machine / Environment.ProcessorCount:0} % |");
        }

        md.AppendLine();
    }

    private void AppendRatios(StringBuilder md)
    {
        var joins = measurements.Where(m => m.IsJoin).ToList();
        if (!joins.Any(m => m.System == "Baseline") || !joins.Any(m => m.System == "Partner"))
        {
            return;
        }

        md.AppendLine("## Partner / baseline").AppendLine();
        md.AppendLine("The baseline has no HTTP, authentication or JSON layer and no alarm, so it is an upper bound for the original's database path; "
            + "both share MariaDB, the bottleneck here, and the last two columns compare what a join costs it.").AppendLine();
        md.AppendLine("| workload | K | Partner joins/s | baseline joins/s | ratio | Partner p99 ms | baseline p99 ms | MariaDB CPU ms/join Partner | baseline |");
        md.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var workload in joins.Select(m => m.Workload).Distinct())
        {
            var partner = joins.Where(m => m.System == "Partner" && m.Workload == workload).ToList();
            var baseline = joins.Where(m => m.System == "Baseline" && m.Workload == workload).ToList();
            foreach (var p in partner)
            {
                if (baseline.FirstOrDefault(b => b.Load.Workers == p.Load.Workers) is { } b)
                {
                    md.AppendLine(CultureInfo.InvariantCulture,
                        $"| {workload} | {p.Load.Workers} | {p.Load.Rate:N0} | {b.Load.Rate:N0} | {Ratio(p, b)} | {p.Load.Latency.P99:0.0} | {b.Load.Latency.P99:0.0} | {DatabaseCpuPerOp(p):0.00} | {DatabaseCpuPerOp(b):0.00} |");
                }
            }

            if (partner.Count > 0 && baseline.Count > 0)
            {
                var bestP = partner.MaxBy(m => m.Load.Rate)!;
                var bestB = baseline.MaxBy(m => m.Load.Rate)!;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {workload}, best of each | {bestP.Load.Workers} / {bestB.Load.Workers} | {bestP.Load.Rate:N0} | {bestB.Load.Rate:N0} | {Ratio(bestP, bestB)} | {bestP.Load.Latency.P99:0.0} | {bestB.Load.Latency.P99:0.0} | {DatabaseCpuPerOp(bestP):0.00} | {DatabaseCpuPerOp(bestB):0.00} |");
            }
        }

        md.AppendLine();
    }

    private void AppendDatabaseCost(StringBuilder md)
    {
        var runs = measurements.Where(m => m.Load.Successes > 0 && m.Database.GetValueOrDefault("Com_call_procedure") + m.Database.GetValueOrDefault("Com_commit") > 0).ToList();
        var reads = measurements.Where(m => !m.IsJoin).ToList();
        if (runs.Count == 0 && reads.Count == 0)
        {
            return;
        }

        md.AppendLine("## Database cost").AppendLine();
        md.AppendLine("MariaDB global status deltas over each run, per successful operation (join or read). Each Partner grain-state write is "
            + "one `CALL OrleansStorageWrite` (`Com_call_procedure`). "
            + "Rows written = `Handler_update` + `Handler_write`. Orleans writes in autocommit, so it issues no `COMMIT` statements.").AppendLine();
        md.AppendLine("| system | workload | driver | K | CALLs/op | rows written/op | commits/op | rollbacks/op | bytes to MariaDB/op | redo log writes/s | redo MB/s | fsyncs/s |");
        md.AppendLine("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var m in runs)
        {
            double PerOp(string name) => m.Database.GetValueOrDefault(name) / (double)m.Load.Successes;
            double PerSecond(string name) => m.Database.GetValueOrDefault(name) / m.Load.Elapsed.TotalSeconds;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.System} | {m.Workload} | {m.Driver} | {m.Load.Workers} | {PerOp("Com_call_procedure"):0.00} | {PerOp("Handler_update") + PerOp("Handler_write"):0.00} | {PerOp("Com_commit"):0.00} | {PerOp("Com_rollback"):0.00} | {PerOp("Bytes_received"):N0} | {PerSecond("Innodb_log_writes"):N0} | {PerSecond("Innodb_os_log_written") / 1e6:0.0} | {PerSecond("Innodb_data_fsyncs"):N0} |");
        }

        md.AppendLine();
        if (reads.Count > 0)
        {
            var statements = reads.Sum(m => m.Database.GetValueOrDefault("Com_call_procedure") + m.Database.GetValueOrDefault("Com_commit") + m.Database.GetValueOrDefault("Handler_write"));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"List reads: {reads.Sum(m => m.Load.Successes):N0} reads in {reads.Count} runs made {statements:N0} storage calls, commits or row writes in MariaDB: they are answered from grain memory.").AppendLine();
        }

        if (GrainStates.Count > 0)
        {
            md.AppendLine("Stored grain states at the end of the run (`OrleansStorage`):").AppendLine();
            md.AppendLine("| grain type | rows | average bytes | largest bytes |");
            md.AppendLine("|---|--:|--:|--:|");
            foreach (var (type, count, average, max) in GrainStates)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {type} | {count:N0} | {average:N0} | {max:N0} |");
            }

            md.AppendLine();
        }
    }

    private void AppendTargets(StringBuilder md)
    {
        md.AppendLine("## Targets").AppendLine();
        var joins = measurements.Where(m => m.System == "Partner" && m.IsJoin && m.Workload.StartsWith("joins, ", StringComparison.Ordinal) && !m.Workload.Contains("hot", StringComparison.Ordinal)).ToList();
        if (joins.Count > 0)
        {
            md.AppendLine("- " + Verdict("Durable joins across many rooms", joins, JoinTarget, JoinP99Limit, "joins/s"));
        }

        var reads = measurements.Where(m => m.System == "Partner" && !m.IsJoin).ToList();
        if (reads.Count > 0)
        {
            md.AppendLine("- " + Verdict("List reads", reads, ReadTarget, ReadP99Limit, "reads/s"));
        }

        md.AppendLine();
    }

    private static string Verdict(string what, List<Measurement> runs, double target, double p99Limit, string unit)
    {
        var meeting = runs.Where(m => m.Load.Rate >= target && m.Load.Latency.P99 <= p99Limit).MaxBy(m => m.Load.Rate);
        var head = $"{what}: target ≥ {target:N0} {unit} at p99 ≤ {p99Limit:0} ms. ";
        if (meeting is not null)
        {
            return head + $"**Met**: {Describe(meeting)}.";
        }

        var withinLatency = runs.Where(m => m.Load.Latency.P99 <= p99Limit).MaxBy(m => m.Load.Rate);
        var fastest = runs.MaxBy(m => m.Load.Rate)!;
        var text = head + "**Missed**: ";
        text += withinLatency is not null
            ? $"best within the latency limit {Describe(withinLatency)}, {withinLatency.Load.Rate / target:P0} of the target ({target - withinLatency.Load.Rate:N0} {unit} short)"
            : $"no run kept p99 within {p99Limit:0} ms";
        if (!ReferenceEquals(fastest, withinLatency))
        {
            text += $"; highest throughput {Describe(fastest)}" + (fastest.Load.Rate >= target ? string.Empty : $", {fastest.Load.Rate / target:P0} of the target");
        }

        return text + ".";
    }

    private static string Describe(Measurement m) =>
        $"{m.Load.Rate:N0}/s at p99 {m.Load.Latency.P99:0.0} ms ({m.Workload}, {m.Driver}, K={m.Load.Workers})";

    private static double DatabaseCpuPerOp(Measurement m) => m.Load.Rate > 0 ? m.Cpu.Processes.GetValueOrDefault("mariadb") * 10 / m.Load.Rate : double.NaN;

    private static string Ratio(Measurement partner, Measurement baseline) =>
        baseline.Load.Rate > 0 ? (partner.Load.Rate / baseline.Load.Rate).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "∞";

    private static string Outcomes(Measurement m)
    {
        var parts = m.Load.Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key}: {o.Value:N0}").ToList();
        if (m.Join is { } join)
        {
            parts.AddRange(join.Extra.Where(e => e.Value > 0).Select(e => $"{e.Key}: {e.Value:N0}"));
            if (join.Exhausted > 0)
            {
                parts.Add($"no spare room left: {join.Exhausted:N0}");
            }
        }

        return string.Join("; ", parts);
    }
}
