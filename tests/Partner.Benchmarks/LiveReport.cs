using System.Globalization;
using System.Text;

namespace Partner.Benchmarks;

/// <summary>The live-push section of the summary; it stands alone (own command, date, load averages) so a <c>live</c> run replaces only it.</summary>
public sealed class LiveReport(BenchmarkOptions options, string commandLine)
{
    public const string Heading = "## Live push";
    public const double ReceiptP99Limit = 100;
    public const int ConnectionsTarget = 20_000;
    public const double BytesPerConnectionLimit = 20 * 1024;

    private static readonly string[] CpuColumns = ["api A", "api B", "silo 1", "silo 2", "mariadb", "redis", "bench"];

    private readonly List<string> notes = [];

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.Now;

    public string LoadAtStart { get; set; } = "?";

    public string LoadAtEnd { get; set; } = "?";

    public TimeSpan Took { get; set; }

    public List<LiveRun> Runs { get; } = [];

    public IdleRun? Idle { get; set; }

    /// <summary>The same number of idle connections on a bare SignalR server: the same-run baseline of the memory figures.</summary>
    public BareIdleRun? Bare { get; set; }

    public void Note(string note) => notes.Add(note);

    public static string Line(LiveRun r) =>
        Invariant($"{r.Name,-44} receivers on {r.ReceiversOn}: {r.Rate:N0}/s asked, {r.Calls.Rate:N0}/s sent, sent {r.Sent:N0} raised {r.Raised:N0} received {r.Received:N0} missing {r.Missing:N0} duplicates {r.Duplicates:N0}  ")
        + Invariant($"receipt p50 {r.Receipt.P50:0.0} p95 {r.Receipt.P95:0.0} p99 {r.Receipt.P99:0.0} max {r.Receipt.Max:0} ms  ")
        + Invariant($"call p50 {r.Calls.Latency.P50:0.0} p99 {r.Calls.Latency.P99:0.0} ms  hub call p50 {r.HubRoundTrip.P50:0.00} p99 {r.HubRoundTrip.P99:0.00} ms  cpu: {Cpu(r.Cpu)} / other {r.Cpu.Other:0}");

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Heading).AppendLine();
        Paragraph(md,
            Invariant($"Command: `{commandLine}`; started {StartedAt:yyyy-MM-dd HH:mm zzz}, took {Took.TotalMinutes:0.0} min."),
            Invariant($"Load average (`/proc/loadavg`) at the start: {LoadAtStart}; at the end: {LoadAtEnd}."),
            Invariant($"{Environment.ProcessorCount} cores shared by everything; CPU columns are percent of one core, `other` is the busy time of processes that are not the benchmark's."));
        Paragraph(md,
            "The normal deployment on one machine: 2 silo processes and 2 API processes in production mode (Release build), a private MariaDB and Redis, and the benchmark process.",
            "Receivers are the real SignalR .NET client over WebSockets (straight to the socket, `SkipNegotiation`: the .NET client would otherwise keep one negotiate HTTP connection open per hub connection, which a browser shares; the token in the `Authorization` header), each calling `Resume(0)` after connecting.",
            Invariant($"Alarms are raised by REST calls through node B: {options.Receivers} owners have one room each; {LivePush.JoinersPerRoom} other users per room alternately join it (`PUT participants/me` → `ROOM_JOINED` to the owner) and leave it (`DELETE` → `ROOM_LEFT`),"),
            Invariant($"started open loop at the rate whatever the answers (over at most {LivePush.RaiserConnections} keep-alive connections to node B) ({options.Warmup.TotalSeconds:0} s warm-up, its first half at half the rate, then {options.Duration.TotalSeconds:0} s measured)."),
            "Receipt latency = receipt time in the client − the alarm's `createdAt` (stamped by the inbox grain as it raises the alarm, before its durable write; one machine clock):",
            "it covers the inbox's MariaDB write, the stream to the receiver's API node, and SignalR. Sent = calls answered 2xx (each raises exactly one alarm);",
            "raised = the owners' inbox seqs at the end (`lastSeq`; these users get no other alarm, so a call that failed at the client while its grain went on shows here);",
            "received = distinct seqs per receiver, missing = raised − received; every alarm is awaited up to 15 s after the run. The raising call's latency counts from when it was due.",
            "The hub call is `UnsubscribeRoom` of a room never subscribed (no grain call), every 20 ms on one receiver's connection during the measured run.");
        AppendRuns(md);
        AppendIdle(md);
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

    private void AppendRuns(StringBuilder md)
    {
        var runs = Idle is null ? Runs : [.. Runs, Idle.Push];
        if (runs.Count == 0)
        {
            return;
        }

        md.AppendLine("### Alarm receipt latency").AppendLine();
        md.AppendLine("| run | receivers on | receivers | alarms/s asked / sent | sent (2xx) | raised (inbox seqs) | received | missing | duplicates | p50 ms | p95 ms | p99 ms | max ms | raising call p50 / p99 ms | hub call p50 / p99 ms | CPU % api A / api B / silo 1 / silo 2 / db / redis / bench / other |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var r in runs)
        {
            md.AppendLine(Invariant(
                $"| {r.Name} | {r.ReceiversOn} | {r.Receivers:N0} | {r.Rate:N0} / {r.Calls.Rate:N0} | {r.Sent:N0} | {r.Raised:N0} | {r.Received:N0} | {r.Missing:N0} | {r.Duplicates:N0} | {r.Receipt.P50:0.0} | {r.Receipt.P95:0.0} | {r.Receipt.P99:0.0} | {r.Receipt.Max:0} | {r.Calls.Latency.P50:0.0} / {r.Calls.Latency.P99:0.0} | {r.HubRoundTrip.P50:0.00} / {r.HubRoundTrip.P99:0.00} | {Cpu(r.Cpu)} / {r.Cpu.Other:0} |"));
        }

        md.AppendLine();
        var failed = runs.Where(r => r.Calls.Outcomes.Keys.Any(k => k is not ("joined" or "left")) || r.Extra > 0).ToList();
        foreach (var r in failed)
        {
            md.AppendLine(Invariant($"- {r.Name}: calls {string.Join(", ", r.Calls.Outcomes.Select(o => $"{o.Key} {o.Value:N0}"))}; {r.Extra:N0} alarms raised beyond the calls answered 2xx."));
        }

        if (failed.Count > 0)
        {
            md.AppendLine();
        }

        if (Runs.Count >= 2)
        {
            var (across, same) = (Runs[0], Runs[1]);
            md.AppendLine("Ratios within this run:").AppendLine();
            md.AppendLine(Invariant($"- receipt p99 across nodes / same node: {Ratio(across.Receipt.P99, same.Receipt.P99)} (p50: {Ratio(across.Receipt.P50, same.Receipt.P50)})"));
            md.AppendLine(Invariant($"- receipt p99 across nodes / the raising REST call's p99: {Ratio(across.Receipt.P99, across.Calls.Latency.P99)} (p50: {Ratio(across.Receipt.P50, across.Calls.Latency.P50)})"));
            md.AppendLine(Invariant($"- receipt p50 across nodes / a trivial hub call's round trip p50 on node A: {Ratio(across.Receipt.P50, across.HubRoundTrip.P50)} (p99: {Ratio(across.Receipt.P99, across.HubRoundTrip.P99)})"));
            if (Idle is not null)
            {
                md.AppendLine(Invariant($"- receipt p99 with {Idle.Connected:N0} idle connections (at {Idle.Push.Rate:N0}/s) / across nodes without them (at {across.Rate:N0}/s): {Ratio(Idle.Push.Receipt.P99, across.Receipt.P99)}"));
            }
        }

        md.AppendLine();
    }

    private void AppendIdle(StringBuilder md)
    {
        if (Idle is not { } idle)
        {
            return;
        }

        md.AppendLine("### Idle connections on one API node (A)").AppendLine();
        Paragraph(md,
            Invariant($"{idle.Requested:N0} distinct users signed in by dev login through node B, then each opened one connection to node A ({options.ConnectConcurrency} being opened at once),"),
            "spread over 127.0.0.1–127.0.0.4 (node A listens on all four: more source ports). Memory is sampled after a 10 s settle, before and after they open:",
            "`VmRSS` from /proc, and the GC heap after a full blocking GC induced through the diagnostics port (as dotnet-gcdump does), read from the GC's heap statistics event.",
            "Each connection also holds its user's feed on node A (taken with the user's first connection).",
            Invariant($"Baseline in the same run, after node A's connections closed: a bare SignalR server (this benchmark's own executable as a child process, `{BareHub.Command}`: `AddSignalR()`, one empty hub at `{BareHub.HubPath}`, no auth, no other middleware, server GC like the API),"),
            "warmed up by a sample of connections opened and closed, gets the same number of connections from the same client (WebSockets, no negotiate), and its memory is sampled the same way.");
        md.AppendLine("| measure | value |");
        md.AppendLine("|---|--:|");
        md.AppendLine(Invariant($"| connections open / attempted | {idle.Connected:N0} / {idle.Requested:N0} |"));
        foreach (var (reason, count) in idle.Failures)
        {
            md.AppendLine(Invariant($"| failed: {reason.Replace('|', '/')} | {count:N0} |"));
        }

        md.AppendLine(Invariant($"| time to open them | {idle.ConnectTime.TotalSeconds:0.0} s |"));
        md.AppendLine(Invariant($"| connect rate (WebSocket upgrade with JWT + handshake + the user's feed + `Resume`) | {idle.ConnectRate:N0}/s |"));
        md.AppendLine(Invariant($"| one connect's latency p50 / p99 / max | {idle.ConnectLatency.P50:0} / {idle.ConnectLatency.P99:0} / {idle.ConnectLatency.Max:0} ms |"));
        md.AppendLine(Invariant($"| node A RSS before → after | {idle.Before.ResidentBytes / 1e6:N1} → {idle.After.ResidentBytes / 1e6:N1} MB |"));
        md.AppendLine(Invariant($"| node A GC heap (after a full GC) before → after | {idle.Before.GcHeapBytes / 1e6:N1} → {idle.After.GcHeapBytes / 1e6:N1} MB |"));
        md.AppendLine(Invariant($"| **RSS per connection** | **{idle.ResidentPerConnection / 1024:N1} KB** |"));
        md.AppendLine(Invariant($"| **GC heap per connection** | **{idle.HeapPerConnection / 1024:N1} KB** |"));
        if (Bare is { } bare)
        {
            md.AppendLine(Invariant($"| bare SignalR server (same-run baseline): connections open / failed | {bare.Connected:N0} / {bare.Failed:N0} |"));
            md.AppendLine(Invariant($"| bare server RSS before → after | {bare.Before.ResidentBytes / 1e6:N1} → {bare.After.ResidentBytes / 1e6:N1} MB |"));
            md.AppendLine(Invariant($"| bare server GC heap (after a full GC) before → after | {bare.Before.GcHeapBytes / 1e6:N1} → {bare.After.GcHeapBytes / 1e6:N1} MB |"));
            md.AppendLine(Invariant($"| **bare server RSS / GC heap per connection** | **{bare.ResidentPerConnection / 1024:N1} KB / {bare.HeapPerConnection / 1024:N1} KB** |"));
            md.AppendLine(Invariant($"| **node A / bare server per connection: RSS, GC heap** | **{Ratio(idle.ResidentPerConnection, bare.ResidentPerConnection)}, {Ratio(idle.HeapPerConnection, bare.HeapPerConnection)}** |"));
        }

        md.AppendLine(Invariant($"| CPU while they idle (10 s: keep-alive pings both ways every 15 s) | {Cpu(idle.IdleCpu)} / other {idle.IdleCpu.Other:0} % |"));
        md.AppendLine(Invariant($"| push latency p50 / p95 / p99 / max, {idle.Push.Receivers} of them at {idle.Push.Rate:N0} alarms/s | {idle.Push.Receipt.P50:0.0} / {idle.Push.Receipt.P95:0.0} / {idle.Push.Receipt.P99:0.0} / {idle.Push.Receipt.Max:0} ms |"));
        md.AppendLine(Invariant($"| alarms sent / raised / received / missing / duplicates | {idle.Push.Sent:N0} / {idle.Push.Raised:N0} / {idle.Push.Received:N0} / {idle.Push.Missing:N0} / {idle.Push.Duplicates:N0} |"));
        md.AppendLine(Invariant($"| connections still open at the end | {idle.StillConnected:N0} |"));
        md.AppendLine(Invariant($"| the benchmark process's RSS with them open (client side, not the service) | {idle.GeneratorResidentBytes / 1e6:N0} MB |"));
        md.AppendLine();
    }

    private void AppendTargets(StringBuilder md)
    {
        md.AppendLine("### Targets").AppendLine();
        if (Runs.Count > 0)
        {
            var across = Runs[0];
            var met = across.Receipt.P99 <= ReceiptP99Limit && across.Missing == 0 && across.Duplicates == 0;
            md.AppendLine(Invariant($"- Receipt across API nodes at {across.Rate:N0} alarms/s: target p99 ≤ {ReceiptP99Limit:0} ms, every alarm once. {(met ? "**Met**" : "**Missed**")}: p99 {across.Receipt.P99:0.0} ms ({across.Calls.Rate:N0} alarms/s sent), {across.Missing:N0} missing, {across.Duplicates:N0} duplicates."));
        }

        if (Idle is { } idle)
        {
            var count = idle.Connected >= ConnectionsTarget;
            var memory = idle.ResidentPerConnection <= BytesPerConnectionLimit;
            md.AppendLine(Invariant($"- Idle connections on one API node: target ≥ {ConnectionsTarget:N0}. {(count ? "**Met**" : "**Missed**")}: {idle.Connected:N0} open ({idle.StillConnected:N0} still open at the end)."));
            md.AppendLine(Invariant($"- Memory per connection (RSS of the API process): target ≤ {BytesPerConnectionLimit / 1024:0} KB. {(memory ? "**Met**" : "**Missed**")}: {idle.ResidentPerConnection / 1024:N1} KB (GC heap {idle.HeapPerConnection / 1024:N1} KB)")
                + (Bare is { } bare
                    ? Invariant($"; a bare SignalR server in the same run: {bare.ResidentPerConnection / 1024:N1} KB (GC heap {bare.HeapPerConnection / 1024:N1} KB), ratio {Ratio(idle.ResidentPerConnection, bare.ResidentPerConnection)} ({Ratio(idle.HeapPerConnection, bare.HeapPerConnection)}).")
                    : "."));
            md.AppendLine(Invariant($"- Push latency while they are connected: p99 {idle.Push.Receipt.P99:0.0} ms at {idle.Push.Rate:N0} alarms/s ({(idle.Push.Receipt.P99 <= ReceiptP99Limit ? "within" : "beyond")} the {ReceiptP99Limit:0} ms of the first target)."));
        }

        md.AppendLine();
    }

    private static string Cpu(CpuUsage cpu) =>
        string.Join(" / ", CpuColumns.Select(c => cpu.Processes.GetValueOrDefault(c).ToString("0", CultureInfo.InvariantCulture)));

    private static string Ratio(double value, double baseline) =>
        baseline > 0 ? (value / baseline).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";

    private static void Paragraph(StringBuilder md, params string[] sentences) => md.AppendLine(string.Join(' ', sentences)).AppendLine();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
