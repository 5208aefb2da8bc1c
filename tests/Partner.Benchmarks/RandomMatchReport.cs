using System.Globalization;
using System.Text;
using Partner.RandomMatch;

namespace Partner.Benchmarks;

/// <summary>How the in-memory queue was set up for a run.</summary>
public enum QueueSetup
{
    /// <summary>No queue grain: the bare matcher.</summary>
    None,

    /// <summary>As the API's embedded mode runs it: memory grain storage, default options.</summary>
    Shipped,

    /// <summary>Profiling variant: the grain storage stores nothing.</summary>
    WritesDiscarded,

    /// <summary>Profiling variant: <c>MaxLiveSegments</c> so high that compaction never carries tickets forward during the run.</summary>
    NoCarryForward,

    /// <summary>Comparison: wait transparency off (<c>Partner:RandomMatch:WaitInsight=false</c>), what it costs.</summary>
    WaitInsightOff,
}

/// <summary>One in-memory run (the median of <paramref name="Rates"/> when it was repeated): what ran, on which setup and storage, and the queue around it.</summary>
public sealed record QueueRow(string Run, QueueSetup Setup, string Storage, Measurement Measurement, QueueStream Stream, IReadOnlyList<double>? Rates = null, IReadOnlyList<double>? CpuMicros = null)
{
    public string AllRates => Rates is { Count: > 1 } ? string.Join(" / ", Rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture))) : "–";

    /// <summary>The median over the runs of the process's CPU µs per ticket until the effects were done.</summary>
    public double? MedianCpuMicros => CpuMicros is { Count: > 0 } cpu ? cpu.Order().ElementAt(cpu.Count / 2) : Stream.CpuMicrosPerTicket;
}

/// <summary>
/// The random-matching section of the summary: the in-memory queue, match latency and durable enqueues
/// over HTTP. It stands alone (with its own command, date and load averages), so a <c>random</c> run can
/// replace it in a summary written by an earlier <c>all</c> run and keep the other sections.
/// </summary>
public sealed class RandomMatchReport(BenchmarkOptions options, string commandLine)
{
    public const string Heading = "## Random matching";
    public const double QueueTarget = 20000;
    public const double ReadableP95Limit = 100;


    private static readonly string[] CpuColumns = ["api", "silo", "mariadb", "redis", "bench"];

    private readonly List<QueueRow> queueRuns = [];
    private readonly List<(string Categories, Measurement Measurement)> enqueues = [];
    private readonly List<string> notes = [];

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.Now;

    public string LoadAtStart { get; set; } = "?";

    public string LoadAtEnd { get; set; } = "?";

    public TimeSpan Took { get; set; }

    public (Measurement Measurement, PairRun Pairs)? Pairs { get; set; }

    public void AddQueueRun(QueueRow row) => queueRuns.Add(row);

    public void AddEnqueues(string categories, Measurement measurement) => enqueues.Add((categories, measurement));

    public void Note(string note) => notes.Add(note);

    /// <summary><paramref name="summary"/> with its random-matching section replaced by <paramref name="section"/>, or with it appended.</summary>
    public static string Merge(string summary, string section) => SummaryFile.Merge(summary, Heading, section);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Heading).AppendLine();
        Paragraph(md,
            Invariant($"Command: `{commandLine}`; started {StartedAt:yyyy-MM-dd HH:mm zzz}, took {Took.TotalMinutes:0.0} min."),
            Invariant($"Load average (`/proc/loadavg`) at the start: {LoadAtStart}; at the end: {LoadAtEnd}."),
            Invariant($"{Environment.ProcessorCount} cores; CPU columns are percent of one core, `other` is the busy time of processes that are not the benchmark's."));
        AppendQueue(md);
        AppendPairs(md);
        AppendEnqueues(md);
        AppendTargets(md);
        if (notes.Count > 0)
        {
            md.AppendLine("### Notes").AppendLine();
            foreach (var note in notes)
            {
                md.AppendLine("- " + note);
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    private void AppendQueue(StringBuilder md)
    {
        if (queueRuns.Count == 0)
        {
            return;
        }

        md.AppendLine("### One queue grain in memory").AppendLine();
        Paragraph(md,
            "An embedded-mode silo in the benchmark process (`AddPartnerSilo()` with `Partner:Mode=Embedded`: localhost clustering, memory grain storage and reminders),",
            "its queue grain called through `IGrainFactory` (no HTTP).",
            Invariant($"Category `{BenchCategory.Name}` declared by configuration: four dimensions matched in random, {BenchCategory.Shape} = {BenchCategory.Cells:N0} cells, groups of {BenchCategory.GroupSize};"),
            Invariant($"conditions: one value per dimension, except {ConditionMix.TwoValues:P0} of tickets with two values in one dimension and {ConditionMix.AnyValue:P0} with any value in one."),
            Invariant($"The queue is filled to at least {options.QueueWaiting:N0} waiting tickets before each run; a run enqueues {options.QueueStream:N0} tickets, each by a new user"),
            "(`Actor(Guid.NewGuid(), nickname, false)`), with K concurrent callers; latency is per call, as the caller sees it.",
            "Groups formed = enqueues answered MATCHED; the matches they create (match grain, members' activity and alarms) run in the same process from the queue's effects timer,",
            "so their CPU is in the process's CPU time (CPU µs/ticket).",
            Invariant($"After the first fill, one unmeasured stream warms the silo up; then each K is run {options.QueueRepeats} times and the row shows the median run (all runs' rates beside it)."),
            Invariant($"The process runs the GC the API runs its embedded silo with (server GC: {System.Runtime.GCSettings.IsServerGC}, concurrent)."));
        Paragraph(md,
            "The storage columns count what went through the grain storage during the run: journal segment writes and the events they stored (a write stores its whole segment),",
            "the wall time the queue spent awaiting them (it runs one command at a time), and writes of other states (the queue's own row at compaction, matches, members' activity and alarm inboxes).",
            "`tickets/s until effects done` counts the run until the last storage write of the effects it caused (the matches of the groups it formed, with points, history and alarms, which run after the answers).",
            "The last two rows are profiling variants on fresh silos, not the shipped setup: a grain storage that stores nothing, and",
            "`Partner:RandomMatch:MaxLiveSegments` raised so that compaction does not carry old segments' waiting tickets forward during the run.");
        md.AppendLine("| run | journal storage | K | tickets | tickets/s | tickets/s of each run | tickets/s until effects done | p50 ms | p95 ms | p99 ms | max ms | groups formed | waiting before → after | CPU % bench / other | CPU µs/ticket | journal writes/ticket | events stored/ticket | µs awaiting journal writes/ticket | other writes/ticket |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var row in queueRuns)
        {
            var (run, _, storage, m, stream, _, _) = row;
            string PerTicket(long count) => run == QueueRuns.Enqueue ? (count / (double)m.Load.Total).ToString("0.00", CultureInfo.InvariantCulture) : "–";
            var l = m.Load.Latency;
            var bench = m.Cpu.Processes.GetValueOrDefault("bench");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {run} | {storage} | {m.Load.Workers} | {m.Load.Total:N0} | {m.Load.Rate:N0} | {row.AllRates} | {(stream.RateWithEffects is { } withEffects ? withEffects.ToString("N0", CultureInfo.InvariantCulture) : "–")} | {l.P50:0.000} | {l.P95:0.000} | {l.P99:0.000} | {l.Max:0.0} | {stream.Matches:N0} | {stream.WaitingBefore:N0} → {stream.WaitingAfter:N0} | {bench:0} / {m.Cpu.Other:0} | {PerOp(bench, m.Load.Rate, 10_000):0.0} | {PerTicket(stream.Storage.JournalWrites)} | {PerTicket(stream.Storage.JournalEvents)} | {(run == QueueRuns.Enqueue ? (stream.Storage.JournalMilliseconds * 1000 / m.Load.Total).ToString("0.0", CultureInfo.InvariantCulture) : "–")} | {PerTicket(stream.Storage.OtherWrites)} |");
        }

        md.AppendLine();
    }

    private void AppendPairs(StringBuilder md)
    {
        if (Pairs is not { } pair)
        {
            return;
        }

        var (m, pairs) = pair;

        md.AppendLine("### Match readable after the ticket that completes it (production mode)").AppendLine();
        Paragraph(md,
            "One silo and one API process in production mode, a private MariaDB (fsync at every commit) and Redis, started as for the rooms runs.",
            Invariant($"{m.Load.Total:N0} pairs of signed-in users, {m.Load.Workers} pairs in flight: A puts a `{MatchLatency.Category}` ticket in a cell that no other pair in flight uses (201 WAITING),"),
            "B puts the same one (201 MATCHED with the match id), then A and B both poll `GET /api/matches/{matchId}` every 2 ms until each gets 200.",
            "The match is created after B's answer, from the queue's effects timer: the match grain's write, then each member's activity and alarm inbox.");
        md.AppendLine("| measure | pairs | p50 ms | p95 ms | p99 ms | max ms |");
        md.AppendLine("|---|--:|--:|--:|--:|--:|");
        void Row(string what, LatencySummary l) => md.AppendLine(CultureInfo.InvariantCulture,
            $"| {what} | {m.Load.Successes:N0} | {l.P50:0.0} | {l.P95:0.0} | {l.P99:0.0} | {l.Max:0.0} |");
        Row("**B's 201 → match readable by A and B**", m.Load.Latency);
        Row("A's PUT (201 WAITING)", pairs.FirstPut);
        Row("B's PUT (201 MATCHED)", pairs.SecondPut);
        Row("B's PUT sent → match readable by both", pairs.SecondPutToVisible);
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Outcomes: {Outcomes(m.Load)}; {pairs.PollsPerPair:0.0} GETs per pair; CPU % api / silo / db / redis / bench / other: {Cpu(m)}.").AppendLine();
    }

    private void AppendEnqueues(StringBuilder md)
    {
        if (enqueues.Count == 0)
        {
            return;
        }

        md.AppendLine("### Durable enqueues over HTTP (production mode)").AppendLine();
        Paragraph(md,
            "`PUT /api/random-match/{category}/ticket` by K closed-loop workers, each request by the next signed-in user in turn. Every user has one fixed cell",
            "(one value per dimension; MEAL has 45 cells, STUDY 6), so a cell's tickets alternate between waiting and completing a pair with the one waiting:",
            "half the 201s are WAITING, half MATCHED. Each 201 is one journal append to MariaDB by the category's queue grain before the answer;",
            "a MATCHED one also creates a match afterwards (the match row, then each member's activity and alarm inbox rows).",
            Invariant($"{options.Duration.TotalSeconds:0} s per run after a {options.Warmup.TotalSeconds:0} s warm-up. With two categories, K is split evenly between their queues."));
        md.AppendLine("| categories | K | 201/s | p50 ms | p95 ms | p99 ms | max ms | outcomes | CPU % api / silo / db / redis / bench / other | CALLs/201 | rows written/201 | fsyncs/s |");
        md.AppendLine("|---|--:|--:|--:|--:|--:|--:|---|---|--:|--:|--:|");
        foreach (var (categories, m) in enqueues)
        {
            var l = m.Load.Latency;
            double PerOk(string name) => m.Load.Successes == 0 ? double.NaN : m.Database.GetValueOrDefault(name) / (double)m.Load.Successes;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {categories} | {m.Load.Workers} | {m.Load.Rate:N0} | {l.P50:0.0} | {l.P95:0.0} | {l.P99:0.0} | {l.Max:0} | {Outcomes(m.Load)} | {Cpu(m)} | {PerOk("Com_call_procedure"):0.00} | {PerOk("Handler_update") + PerOk("Handler_write"):0.00} | {m.Database.GetValueOrDefault("Innodb_data_fsyncs") / m.Load.Elapsed.TotalSeconds:N0} |");
        }

        md.AppendLine();
        md.AppendLine("CALLs/201 counts 1 per grain-state write (`CALL OrleansStorageWrite`), for the journal and for the matches created in the background.").AppendLine();
    }

    private void AppendTargets(StringBuilder md)
    {
        var grainRuns = queueRuns.Where(r => r.Run == QueueRuns.Enqueue && r.Setup == QueueSetup.Shipped).ToList();
        if (grainRuns.Count == 0 && Pairs is null)
        {
            return;
        }

        md.AppendLine("### Targets").AppendLine();
        if (grainRuns.Count > 0)
        {
            var best = grainRuns.MaxBy(r => r.Measurement.Load.Rate)!;
            var rate = best.Measurement.Load.Rate;
            var slowest = best.Rates is { Count: > 0 } rates ? rates.Min() : rate;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- One queue grain in memory, ~{options.QueueWaiting:N0} waiting: target ≥ {QueueTarget:N0} tickets/s. {(rate >= QueueTarget ? "**Met**" : "**Missed**")}: {rate:N0}/s at K={best.Measurement.Load.Workers}, the median of {best.Rates?.Count ?? 1} runs (slowest {slowest:N0}/s; median run's p99 {best.Measurement.Load.Latency.P99:0.00} ms){(rate >= QueueTarget ? "." : $", {rate / QueueTarget:P0} of the target.")} "
                + $"Counted until the groups' effects (matches, points, alarms, run after the answers, at most `MaxEffectsInFlight` at once) were all written: {best.Stream.RateWithEffects:N0}/s; best over K: {grainRuns.Max(r => r.Stream.RateWithEffects ?? 0):N0}/s.");
            if (WhereTimeGoes(best) is { } breakdown)
            {
                md.AppendLine("  " + breakdown);
            }

            var withOff = queueRuns.FirstOrDefault(r => r.Run == QueueRuns.Enqueue && r.Setup == QueueSetup.WaitInsightOff);
            var on = queueRuns.FirstOrDefault(r => r.Run == QueueRuns.Enqueue && r.Setup == QueueSetup.WritesDiscarded && r.Measurement.Load.Workers == withOff?.Measurement.Load.Workers);
            var floor = queueRuns.Where(r => r.Run == QueueRuns.Get).MaxBy(r => r.Measurement.Load.Rate);
            if (withOff is not null && on is not null)
            {
                var ratio = on.Measurement.Load.Rate / withOff.Measurement.Load.Rate;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"- Wait transparency (`compatibleWaiting`, `estimatedWaitSeconds`, pushes) must keep ≥ 95 % of the queue's rate without it (both on a storage that costs nothing, runs alternating). {(ratio >= 0.95 ? "**Met**" : "**Missed**")}: "
                    + $"{on.Measurement.Load.Rate:N0}/s on vs {withOff.Measurement.Load.Rate:N0}/s off at K={on.Measurement.Load.Workers} ({ratio:P0}; medians of {on.Rates?.Count ?? 1} and {withOff.Rates?.Count ?? 1} runs: "
                    + $"on {Runs(on)}, off {Runs(withOff)}){(floor is null ? "" : $"; the grain-call floor (`Get`, K={floor.Measurement.Load.Workers}) in the same run: {floor.Measurement.Load.Rate:N0}/s, so on = {on.Measurement.Load.Rate / floor.Measurement.Load.Rate:P0} and off = {withOff.Measurement.Load.Rate / floor.Measurement.Load.Rate:P0} of it")}.");
                if (on.MedianCpuMicros is { } onCpu && withOff.MedianCpuMicros is { } offCpu)
                {
                    md.AppendLine(CultureInfo.InvariantCulture,
                        $"  The same pair by CPU: the benchmark process spent {onCpu:N1} µs per ticket on vs {offCpu:N1} µs off (medians, off / on = {offCpu / onCpu:P0}; each run counted "
                        + $"from its first call until its groups' effects were written, callers and effects included — mostly the effects' new grains; on {CpuRuns(on)}, off {CpuRuns(withOff)}). "
                        + $"Runs of one setting spread over {Spread(on.CpuMicros)} and {Spread(withOff.CpuMicros)} of their median, so a difference smaller than that is not read from this figure.");
                }
            }
        }

        if (Pairs is { Measurement: var m })
        {
            var p95 = m.Load.Latency.P95;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- Match readable by both members after the completing ticket's 201: target p95 ≤ {ReadableP95Limit:0} ms. {(p95 <= ReadableP95Limit ? "**Met**" : "**Missed**")}: p95 {p95:0.0} ms (p50 {m.Load.Latency.P50:0.0}, p99 {m.Load.Latency.P99:0.0}, max {m.Load.Latency.Max:0.0} ms; {m.Load.Workers} pairs in flight).");
        }

        md.AppendLine();
    }

    /// <summary>
    /// The queue grain runs one command at a time, so 1/rate is its turn time per ticket. Set beside it: the
    /// time its journal writes were awaited, the bare matcher, a grain call, and the two profiling variants.
    /// </summary>
    private string? WhereTimeGoes(QueueRow best)
    {
        var bare = queueRuns.FirstOrDefault(r => r.Run == QueueRuns.BareMatcher);
        var call = queueRuns.FirstOrDefault(r => r.Run == QueueRuns.Get && r.Measurement.Load.Workers == 1);
        var discarded = queueRuns.FirstOrDefault(r => r.Setup == QueueSetup.WritesDiscarded);
        var noCarry = queueRuns.FirstOrDefault(r => r.Setup == QueueSetup.NoCarryForward);
        if (bare is null || call is null || discarded is null || noCarry is null)
        {
            return null;
        }

        static double Micros(QueueRow r) => 1e6 / r.Measurement.Load.Rate;
        static double PerTicket(QueueRow r, double count) => count / r.Measurement.Load.Total;
        var ticks = best.Stream.Storage;
        return string.Create(CultureInfo.InvariantCulture,
            $"Where the time goes (K={best.Measurement.Load.Workers}): a ticket takes {Micros(best):0} µs of the grain's one-at-a-time turns, {PerTicket(best, ticks.JournalMilliseconds * 1000):0} µs of it awaiting "
            + $"{PerTicket(best, ticks.JournalWrites):0.00} journal writes that store {PerTicket(best, ticks.JournalEvents):0} events (each write stores its whole segment; memory storage copies it through the serializer and a storage grain call), "
            + $"and the process spends {PerOp(best.Measurement.Cpu.Processes.GetValueOrDefault("bench"), best.Measurement.Load.Rate, 10_000):0} µs of CPU per ticket. "
            + $"For scale: the matcher alone takes {Micros(bare):0.0} µs per ticket, a grain call (read-only `Get`, K=1) {call.Measurement.Load.Latency.P50 * 1000:0.0} µs. "
            + $"With writes discarded the same grain takes {Micros(discarded):0} µs per ticket ({discarded.Measurement.Load.Rate:N0}/s at K={discarded.Measurement.Load.Workers}; "
            + $"its effects fall behind at that rate, so matches are partly created after the run and compaction waits for them). "
            + $"With `MaxLiveSegments` raised so that compaction does not carry old segments' waiting tickets forward, a ticket stores {PerTicket(noCarry, noCarry.Stream.Storage.JournalEvents):0} events in "
            + $"{PerTicket(noCarry, noCarry.Stream.Storage.JournalWrites):0.00} writes and takes {Micros(noCarry):0} µs ({noCarry.Measurement.Load.Rate:N0}/s at K={noCarry.Measurement.Load.Workers}): "
            + $"the difference is what carrying costs: once the live journal is more than twice what its waiting and recently finished tickets fill, "
            + $"the oldest segment's live tickets are re-recorded at the tail so that the segment can go.");
    }

    private static string Spread(IReadOnlyList<double>? values) =>
        values is { Count: > 1 } && values.Order().ElementAt(values.Count / 2) is var median and > 0
            ? string.Create(CultureInfo.InvariantCulture, $"±{(values.Max() - values.Min()) / 2 / median:P0}")
            : "–";

    private static string CpuRuns(QueueRow row) =>
        string.Join(" / ", (row.CpuMicros ?? []).Select(r => r.ToString("N1", CultureInfo.InvariantCulture)));

    private static string Runs(QueueRow row) =>
        string.Join(" / ", (row.Rates ?? [row.Measurement.Load.Rate]).Select(r => r.ToString("N0", CultureInfo.InvariantCulture)));

    private static void Paragraph(StringBuilder md, params string[] sentences) => md.AppendLine(string.Join(' ', sentences)).AppendLine();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Per operation, from a CPU percent of one core and a rate: <paramref name="scale"/> 10 gives ms, 10,000 gives µs.</summary>
    public static double PerOp(double percent, double rate, double scale) => rate > 0 ? percent * scale / rate : double.NaN;

    private static string Cpu(Measurement m) =>
        string.Join(" / ", CpuColumns.Select(c => m.Cpu.Processes.GetValueOrDefault(c).ToString("0", CultureInfo.InvariantCulture)))
        + " / " + m.Cpu.Other.ToString("0", CultureInfo.InvariantCulture);

    private static string Outcomes(LoadResult load) =>
        string.Join("; ", load.Outcomes.OrderByDescending(o => o.Value).Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key}: {o.Value:N0}")));
}

/// <summary>Names of the in-memory runs, shared by the runner and the report.</summary>
public static class QueueRuns
{
    public const string BareMatcher = "`RandomMatcher` alone, one thread (no Orleans, validation or journal)";
    public const string Enqueue = "queue grain `Enqueue`";
    public const string Get = "queue grain `Get` (read-only, no work: grain call floor)";
}
