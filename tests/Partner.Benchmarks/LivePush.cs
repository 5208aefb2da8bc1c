using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Partner.Tests.Infrastructure;

namespace Partner.Benchmarks;

/// <summary>
/// The live suite on the normal deployment (2 silos, 2 API nodes, MariaDB, Redis): alarm receipt latency across API nodes
/// with a same-node baseline, then many idle connections on node A.
/// </summary>
public sealed class LivePush(BenchmarkOptions options, LiveReport report, CancellationToken stop)
{
    public const int JoinersPerRoom = 4;

    /// <summary>Connections of the raising client to node B: bounded, or a slow patch would open hundreds and take the open files the idle connections need.</summary>
    public const int RaiserConnections = 128;

    private const int SignInConcurrency = 64;

    /// <summary>Busy time of processes that are not the benchmark's, in percent of one core, below which a run may start.</summary>
    private const double QuietLimit = 20;

    /// <summary>Open files kept free in this process and in node A beyond the connections' sockets (servers, cluster, logs).</summary>
    private const int FileHeadroom = 500;

    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HubPingInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxQuietWait = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Orleans' own failure detection and call timeout instead of the tests' fast ones: on cores other work also wants, a
    /// 1-second probe timeout can declare a starved silo dead, and a 5-second call timeout answers 503, in the middle of a run.
    /// </summary>
    internal static readonly Dictionary<string, string?> ProductionTimeouts = new()
    {
        ["Partner__Cluster__Membership__ProbeTimeout"] = "00:00:05",
        ["Partner__Cluster__Membership__NumMissedProbesLimit"] = "3",
        ["Orleans__Messaging__ResponseTimeout"] = "00:00:30",
    };

    /// <summary>Node A listens on these too: clients spread over them get more source ports than one address offers.</summary>
    private static readonly string[] ExtraLoopback = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];

    /// <summary>Every address node A (and the bare hub) listens on.</summary>
    internal static readonly string[] Loopback = ["127.0.0.1", .. ExtraLoopback];

    private ApiProcess a = null!;
    private ApiProcess b = null!;
    private CpuSampler sampler = null!;
    private PartnerClient raiser = null!;

    /// <summary>Open files the suite needs in this process and in node A: a socket per connection on each side, and headroom.</summary>
    public static ulong FilesNeeded(BenchmarkOptions options) => (ulong)(options.Connections + 10_000);

    public async Task RunAsync(MariaDbServer database, RedisServer redis, IReadOnlyDictionary<string, string?> apiSettings)
    {
        var clock = Stopwatch.StartNew();
        report.LoadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        await using var cluster = new ProductionCluster(database, redis);
        var silos = await Task.WhenAll(cluster.StartSiloAsync(settings: ProductionTimeouts), cluster.StartSiloAsync(settings: ProductionTimeouts)).WaitAsync(stop);
        var settings = new Dictionary<string, string?>(apiSettings)
        {
            // The idle connections stay open longer than the default 15 minutes of a token (the hub closes them when it expires).
            ["Auth__Jwt__AccessTokenLifetime"] = "02:00:00",
        };
        foreach (var (key, value) in ProductionTimeouts)
        {
            settings[key] = value;
        }

        a = await cluster.StartApiAsync(settings, ExtraLoopback).WaitAsync(stop);
        b = await cluster.StartApiAsync(settings).WaitAsync(stop);
        await a.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Ready, body => body.Contains("2 active silo(s)", StringComparison.Ordinal)).WaitAsync(stop);
        await b.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Ready).WaitAsync(stop);
        Console.WriteLine($"live: 2 silos (pids {silos[0].Process.Pid}, {silos[1].Process.Pid}), API A (pid {a.Process.Pid}, {a.Http.BaseAddress}), "
            + $"API B (pid {b.Process.Pid}, {b.Http.BaseAddress}) ready ({clock.Elapsed.TotalSeconds:0.0} s)");
        sampler = new CpuSampler(new Dictionary<string, int>
        {
            ["api A"] = a.Process.Pid,
            ["api B"] = b.Process.Pid,
            ["silo 1"] = silos[0].Process.Pid,
            ["silo 2"] = silos[1].Process.Pid,
            ["mariadb"] = PidFile(Path.Combine(database.DataDirectory, "mysqld.pid")),
            ["redis"] = PidFile(Path.Combine(redis.DataDirectory, "redis.pid")),
            ["bench"] = Environment.ProcessId,
        });

        using var client = new PartnerClient(b.Http.BaseAddress!, RaiserConnections);
        raiser = client;
        var joiners = await SignInAsync("livej", Math.Max(options.Receivers, options.IdleSample) * JoinersPerRoom);
        // An unreported round first: on a 2-core machine near saturation the processes' first minute (tiered JIT, first
        // activations) outlasts any warm-up, and whichever run came first paid for it (receipt p99 226–1,900 ms first against
        // 40–224 ms second, the same load in the other order of runs).
        var first = await MeasureAlarmsAsync("warm-up round (not reported)", "A", a, await SignInAsync("livew", options.Receivers), joiners, options.AlarmRate);
        report.Note(Invariant($"An unreported warm-up round (the across-nodes run's load, its own owners) ran first: receipt p50 {first.Receipt.P50:0.0} / p99 {first.Receipt.P99:0.0} ms, raising calls p99 {first.Calls.Latency.P99:0.0} ms."));
        report.Runs.Add(await MeasureAlarmsAsync("across nodes", "A", a, await SignInAsync("livex", options.Receivers), joiners, options.AlarmRate));
        report.Runs.Add(await MeasureAlarmsAsync("same node (baseline)", "B", b, await SignInAsync("lives", options.Receivers), joiners, options.AlarmRate));
        report.Idle = await MeasureIdleAsync(joiners);
        report.Bare = await MeasureBareAsync(report.Idle.Connected);
        report.LoadAtEnd = File.ReadAllText("/proc/loadavg").Trim();
        report.Took = clock.Elapsed;
        var exited = new[] { ("silo 1", silos[0].Process), ("silo 2", silos[1].Process), ("API A", a.Process), ("API B", b.Process) }
            .Where(p => p.Item2.HasExited).Select(p => p.Item1).ToList();
        report.Note(exited.Count == 0 ? "All four processes were still running at the end." : $"**Exited during the suite: {string.Join(", ", exited)}.**");
        BenchmarkRunner.NoteServiceLog(report.Note, "API A", a.Process.Output);
        BenchmarkRunner.NoteServiceLog(report.Note, "API B", b.Process.Output);
        BenchmarkRunner.NoteServiceLog(report.Note, "silo 1", silos[0].Process.Output);
        BenchmarkRunner.NoteServiceLog(report.Note, "silo 2", silos[1].Process.Output);
    }

    private async Task<LiveRun> MeasureAlarmsAsync(string name, string nodeName, ApiProcess node, BenchUser[] owners, BenchUser[] joiners, double rate)
    {
        var rooms = await CreateRoomsAsync(owners);
        var ledger = new AlarmLedger();
        var (receivers, failures, _) = await ConnectAsync(owners, _ => node.Http.BaseAddress!, ledger, options.ConnectConcurrency);
        try
        {
            var run = await MeasureAsync(name, nodeName, owners, AllConnected(receivers, failures), rooms, joiners, ledger, rate);
            Console.WriteLine(LiveReport.Line(run));
            return run;
        }
        finally
        {
            await DisconnectAsync(receivers);
        }
    }

    /// <summary>A warm-up at the rate, then the measured run with a trivial hub call's round trip sampled meanwhile, then waits for the alarms to arrive.</summary>
    private async Task<LiveRun> MeasureAsync(
        string name, string nodeName, BenchUser[] owners, HubReceiver[] receivers, Guid[] rooms, BenchUser[] joiners, AlarmLedger ledger, double rate)
    {
        var slots = new List<TrafficSlot>();
        for (var room = 0; room < rooms.Length; room++)
        {
            for (var j = 0; j < JoinersPerRoom; j++)
            {
                slots.Add(new TrafficSlot(rooms[room], joiners[(room * JoinersPerRoom) + j], receivers[room]));
            }
        }

        var traffic = new AlarmTraffic(raiser, slots);
        await WaitForQuietMachineAsync(name);
        // A ramp: started cold at the full rate, the open loop builds a backlog of first activations (users, rooms, inboxes)
        // that a machine near saturation drains only slowly, and the measured run would inherit it (first runs measured
        // p99 2–4 s in their warm-up, the same load on a warm system 0.5–0.8 s).
        var ramp = await traffic.RunAsync(rate / 2, options.Warmup / 2, stop);
        var warm = await traffic.RunAsync(rate, options.Warmup / 2, stop);
        Console.WriteLine($"{name}: warm-up {ramp.Successes:N0} calls at half the rate (p99 {ramp.Latency.P99:0.0} ms), then {warm.Successes:N0} at the rate (p99 {warm.Latency.P99:0.0} ms)");
        ledger.MeasureFrom = DateTimeOffset.UtcNow;
        var cpuBefore = sampler.Take();
        using var pinging = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var pings = PingAsync(receivers[0], pinging.Token);
        var calls = await traffic.RunAsync(rate, options.Duration, stop);
        var cpu = CpuSampler.Between(cpuBefore, sampler.Take());
        await pinging.CancelAsync();
        var roundTrips = await pings;
        var sent = receivers.Sum(r => r.Expected);
        var drained = Stopwatch.StartNew();
        while (receivers.Sum(r => r.Distinct) < sent && drained.Elapsed < Drain)
        {
            await Task.Delay(100, stop);
        }

        long raised;
        while ((raised = await RaisedAsync(owners)) > receivers.Sum(r => r.Distinct) && drained.Elapsed < Drain)
        {
            await Task.Delay(500, stop);
        }

        var (timed, receipt) = ledger.Timed();
        return new LiveRun(name, nodeName, receivers.Length, rate, sent, raised, receivers.Sum(r => (long)r.Distinct), ledger.Duplicates, timed, receipt, calls,
            LatencySummary.FromMilliseconds([.. roundTrips]), cpu);
    }

    /// <summary>Alarms the owners' inboxes hold: the seq of each one's newest.</summary>
    private async Task<long> RaisedAsync(BenchUser[] owners)
    {
        var seqs = new long[owners.Length];
        await Parallel.ForAsync(0, owners.Length, new ParallelOptions { MaxDegreeOfParallelism = SignInConcurrency, CancellationToken = stop }, async (i, ct) =>
            seqs[i] = await raiser.LastAlarmSeqAsync(owners[i], ct));
        return seqs.Sum();
    }

    private async Task<IdleRun> MeasureIdleAsync(BenchUser[] joiners)
    {
        var clock = Stopwatch.StartNew();
        var count = ConnectionsThatFit();
        var users = await SignInAsync("idle", count);
        var sample = users[..options.IdleSample];
        var rooms = await CreateRoomsAsync(sample);
        Console.WriteLine($"idle: {users.Length:N0} users signed in and {rooms.Length} rooms opened through B ({clock.Elapsed.TotalSeconds:0} s)");

        await Task.Delay(Settle, stop);
        var before = await ProcessMemory.SampleAsync(a.Process.Pid, stop);
        Console.WriteLine($"idle: node A before: RSS {before.ResidentBytes / 1e6:N1} MB, GC heap {before.GcHeapBytes / 1e6:N1} MB");
        var ledger = new AlarmLedger();
        var addresses = new[] { a.Http.BaseAddress! }.Concat(ExtraLoopback.Select(address => new UriBuilder(a.Http.BaseAddress!) { Host = address }.Uri)).ToArray();
        var connecting = Stopwatch.StartNew();
        var (receivers, failures, connectLatency) = await ConnectAsync(users, i => addresses[i % addresses.Length], ledger, options.ConnectConcurrency);
        var connectTime = connecting.Elapsed;
        var connected = receivers.Count(r => r is not null);
        Console.WriteLine($"idle: {connected:N0} connected in {connectTime.TotalSeconds:0.0} s ({connected / connectTime.TotalSeconds:N0}/s), {failures.Values.Sum():N0} failed");
        try
        {
            var idleBefore = sampler.Take();
            await Task.Delay(Settle, stop);
            var idleCpu = CpuSampler.Between(idleBefore, sampler.Take());
            var after = await ProcessMemory.SampleAsync(a.Process.Pid, stop);
            Console.WriteLine($"idle: node A after: RSS {after.ResidentBytes / 1e6:N1} MB, GC heap {after.GcHeapBytes / 1e6:N1} MB");

            var push = await MeasureAsync($"push to {sample.Length} of {connected:N0} idle connections", "A", sample,
                AllConnected(receivers[..sample.Length], failures), rooms, joiners, ledger, options.IdleAlarmRate);
            Console.WriteLine(LiveReport.Line(push));
            return new IdleRun(users.Length, connected, failures, connectTime, connectLatency, before, after, idleCpu, push,
                receivers.Count(r => r?.IsConnected == true), ProcessMemory.ResidentBytes(Environment.ProcessId));
        }
        finally
        {
            await DisconnectAsync(receivers);
        }
    }

    /// <summary>
    /// The same number of idle connections on a bare SignalR server (its own process, warmed up by a sample of connections
    /// opened and closed, as node A was by the runs before), memory sampled the same way: what the framework alone costs.
    /// </summary>
    private async Task<BareIdleRun> MeasureBareAsync(int count)
    {
        await using var bare = await BareHub.StartAsync(stop);
        var addresses = Loopback.Select(bare.Address).ToArray();
        await DisconnectAsync((await ConnectBareAsync(addresses, options.IdleSample)).Connections);
        await Task.Delay(Settle, stop);
        var before = await ProcessMemory.SampleAsync(bare.Pid, stop);
        var (connections, failed) = await ConnectBareAsync(addresses, count);
        try
        {
            var connected = connections.Count(c => c is not null);
            Console.WriteLine($"bare hub (pid {bare.Pid}): {connected:N0} connected, {failed:N0} failed");
            await Task.Delay(Settle, stop);
            var after = await ProcessMemory.SampleAsync(bare.Pid, stop);
            var run = new BareIdleRun(connected, failed, before, after);
            Console.WriteLine(Invariant($"bare hub: RSS {before.ResidentBytes / 1e6:N1} → {after.ResidentBytes / 1e6:N1} MB, GC heap {before.GcHeapBytes / 1e6:N1} → {after.GcHeapBytes / 1e6:N1} MB; ")
                + Invariant($"per connection RSS {run.ResidentPerConnection / 1024:N1} KB, GC heap {run.HeapPerConnection / 1024:N1} KB"));
            return run;
        }
        finally
        {
            await DisconnectAsync(connections);
        }
    }

    private async Task<(HubConnection?[] Connections, int Failed)> ConnectBareAsync(Uri[] addresses, int count)
    {
        var connections = new HubConnection?[count];
        var failed = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency, CancellationToken = stop }, async (i, ct) =>
        {
            try
            {
                connections[i] = await BareHub.ConnectAsync(addresses[i % addresses.Length], ct);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref failed);
            }
        });
        return (connections, failed);
    }

    /// <summary>Other work on the machine (another build or test run) would take the cores from the service: waits for it to end, a few minutes at most.</summary>
    private async Task WaitForQuietMachineAsync(string name)
    {
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            var before = sampler.Take();
            await Task.Delay(TimeSpan.FromSeconds(1), stop);
            var other = CpuSampler.Between(before, sampler.Take()).Other;
            if (other < QuietLimit || waiting.Elapsed > MaxQuietWait)
            {
                if (waiting.Elapsed > TimeSpan.FromSeconds(2))
                {
                    report.Note(Invariant($"{name}: waited {waiting.Elapsed.TotalSeconds:0} s for other processes to leave the cores; they used {other:0} % of a core when it started."));
                }

                return;
            }

            if (waiting.Elapsed.TotalSeconds % 15 < 1.2)
            {
                Console.WriteLine($"waiting for a quiet machine: other processes use {other:0} % of a core");
            }
        }
    }

    /// <summary>The connections asked for, or fewer when node A's or this process's open-file limit could not be raised for them.</summary>
    private int ConnectionsThatFit()
    {
        var room = Math.Min(
            FileLimit.Of(a.Process.Pid) - FileLimit.OpenBy(a.Process.Pid),
            FileLimit.Of(Environment.ProcessId) - FileLimit.OpenBy(Environment.ProcessId)) - FileHeadroom;
        if (room >= options.Connections)
        {
            return options.Connections;
        }

        var fit = (int)Math.Max(options.IdleSample, room);
        report.Note(Invariant($"Idle connections capped at {fit:N0} instead of {options.Connections:N0}: the open-file limit is {FileLimit.Of(a.Process.Pid):N0} on node A ")
            + Invariant($"({FileLimit.OpenBy(a.Process.Pid):N0} open before) and {FileLimit.Of(Environment.ProcessId):N0} here, and could not be raised (`ulimit -n` above the hard limit needs CAP_SYS_RESOURCE, which this machine's root lacks); ")
            + Invariant($"{FileHeadroom} kept free on each side."));
        Console.WriteLine($"idle: capped at {fit:N0} connections by the open-file limit");
        return fit;
    }

    private async Task<BenchUser[]> SignInAsync(string prefix, int count)
    {
        var clock = Stopwatch.StartNew();
        var users = new BenchUser[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = SignInConcurrency, CancellationToken = stop }, async (i, ct) =>
            users[i] = await raiser.SignInAsync(string.Create(CultureInfo.InvariantCulture, $"{prefix}{i:D5}"), ct));
        report.Note(string.Create(CultureInfo.InvariantCulture, $"Signed in {count:N0} `{prefix}…` users by dev login through node B at {count / clock.Elapsed.TotalSeconds:N0}/s."));
        return users;
    }

    private async Task<Guid[]> CreateRoomsAsync(BenchUser[] owners)
    {
        var today = PartnerClient.Today();
        var rooms = new Guid[owners.Length];
        await Parallel.ForAsync(0, owners.Length, new ParallelOptions { MaxDegreeOfParallelism = SignInConcurrency, CancellationToken = stop }, async (i, ct) =>
            rooms[i] = await raiser.CreateRoomAsync(owners[i], "MEAL", today.AddDays(1 + (i % 14)), 20, ct));
        return rooms;
    }

    /// <summary>Connects every user (<paramref name="node"/> picks the address for the i-th); a failure leaves a null and is counted by its reason.</summary>
    private async Task<(HubReceiver?[] Receivers, IReadOnlyDictionary<string, int> Failures, LatencySummary Latency)> ConnectAsync(
        BenchUser[] users, Func<int, Uri> node, AlarmLedger ledger, int concurrency)
    {
        var receivers = new HubReceiver?[users.Length];
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        var latencies = new double[users.Length];
        var done = 0;
        await Parallel.ForAsync(0, users.Length, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = stop }, async (i, ct) =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                receivers[i] = await HubReceiver.ConnectAsync(node(i), users[i].Bearer.Parameter!, ledger, ct);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                var reason = ex.GetType().Name + ": " + ex.Message[..Math.Min(80, ex.Message.Length)];
                lock (failures)
                {
                    failures[reason] = failures.GetValueOrDefault(reason) + 1;
                }
            }

            if (Interlocked.Increment(ref done) % 5000 == 0)
            {
                Console.WriteLine($"  {done:N0} of {users.Length:N0} connections attempted");
            }
        });
        return (receivers, failures, LatencySummary.FromMilliseconds([.. latencies.Where((_, i) => receivers[i] is not null)]));
    }

    /// <summary>The receivers a run raises alarms to: all of them must have connected.</summary>
    private static HubReceiver[] AllConnected(HubReceiver?[] receivers, IReadOnlyDictionary<string, int> failures) =>
        receivers.All(r => r is not null)
            ? [.. receivers.Select(r => r!)]
            : throw new InvalidOperationException($"{receivers.Count(r => r is null)} receivers could not connect: {string.Join("; ", failures.Select(f => $"{f.Key} ×{f.Value}"))}");

    private static async Task DisconnectAsync(IEnumerable<IAsyncDisposable?> receivers) =>
        await Parallel.ForEachAsync(receivers.Where(r => r is not null), new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (receiver, _) => await receiver!.DisposeAsync());

    private static async Task<List<double>> PingAsync(HubReceiver receiver, CancellationToken cancellationToken)
    {
        var roundTrips = new List<double>();
        using var timer = new PeriodicTimer(HubPingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                roundTrips.Add(await receiver.TrivialRoundTripAsync(cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
            // The connection closed under the run: the run's still-open count tells.
        }

        return roundTrips;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static int PidFile(string path) => int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
}
