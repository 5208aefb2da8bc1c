using System.Globalization;

namespace Partner.Benchmarks;

/// <summary>What to run, parsed from the command line; every default is the documented benchmark.</summary>
public sealed record BenchmarkOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/Partner.Benchmarks -- [rooms|reads|random|live|scale|all] [options]
          rooms   durable joins over HTTP (many rooms, then hot rooms) and the optimistic-lock baseline on the same MariaDB
          reads   room list reads over HTTP (HttpClient, and wrk when it is on PATH)
          random  random matching: one queue grain in memory (embedded silo in this process), then in production mode
                  the time until a match is readable and durable ticket PUTs over HTTP; writes only its own section of the summary
          live    live push on 2 silos + 2 API nodes: alarm receipt latency across nodes at a fixed rate, then many idle
                  WebSocket connections on one API node (memory per connection, push latency); writes only its own section
          scale   the normal deployment (2 silos + 2 API nodes) beside 1 + 1, each on fresh servers, the load spread round-robin
                  over the API nodes: joins, a join/leave storm, room detail and list reads, ticket PUTs, list reads of one day
                  as it fills; p50/p99, CPU per operation per process, MariaDB writes per operation, and the ratio of the shapes;
                  writes only its own section of the summary (not part of all)
          all     rooms, then reads, then random, then live (default)
        options:
          --duration 20s            measured time of each run (s, ms or m suffix)
          --warmup 5s               unmeasured load before each system's first run
          --concurrency 32,64,128   closed-loop workers (HTTP connections, database connections, wrk connections)
          --users 2000              users signed in by dev login
          --rooms 200               rooms open at once in the spread workload
          --hot-rooms 10            rooms open at once in the hot-room workload
          --capacity 20             room capacity, owner included
          --owners fresh            fresh: every room gets its own newly signed-in owner; joiners: the joining users own the rooms in turn
                                    (their alarm inboxes then grow run after run, and so does the cost of a join)
          --retries 10              baseline: tries of one join before it gives up
          --flush-log-at-trx-commit 1   MariaDB durability for the run (1 = fsync at every commit, the server default)
          --queue-waiting 10000     random: tickets waiting in the in-memory queue before each run
          --queue-stream 30000      random: enqueues per in-memory run
          --queue-concurrency 1,16,64   random: concurrent callers of the in-memory queue grain
          --queue-repeats 3         random: in-memory runs per K (the table shows the median one)
          --pairs 300               random: pairs whose match latency is measured
          --pairs-in-flight 8       random: pairs under way at once (one MEAL cell each, at most 45)
          --enqueue-concurrency 16,64   random: closed-loop workers putting tickets over HTTP
          --alarm-rate 500          live: alarms per second raised through node B (open loop)
          --receivers 200           live: users connected to receive them, each owning one room
          --connections 20000       live: idle WebSocket connections of distinct users on node A
          --connect-concurrency 64  live: connections being opened at once
          --idle-alarm-rate 200     live: alarms per second raised to a sample of the idle connections' users
          --idle-sample 200         live: users of that sample
          --shapes 1+1,2+2          scale: silos+API nodes of each deployment measured, in order; Nco: N API nodes hosting a silo each (e.g. 1+1,2+2,2co)
          --scale-workers 64        scale: closed-loop workers (wrk connections) of the joins, reads and ticket PUTs, split over the API nodes
          --storm-users 400         scale: users of the join/leave storm, each a closed-loop worker
          --storm-rooms 100         scale: rooms the storm's users join and leave (also the rooms of the detail reads)
          --day-rooms 100,1000,10000   scale: open rooms on one day at which that day's list is read
          --scale-measures joins,storm,detail,list,tickets,day   scale: which measures run (in the suite's order)
          --rounds 1                scale: the shapes measured this many times, each round on fresh servers, the order reversed
                                    every other round (A B, B A, A B …); the ratio of the shapes is then also given as the median
                                    of the rounds' ratios (runs of the same setup here differ by up to a third from one minute to the next)
          --wrk-threads 1           wrk threads (the two cores are shared with the service)
          --no-wrk                  do not use wrk even when it is installed
          --install-wrk             apt-get install wrk when it is missing (root or sudo)
          --results PATH            where to write the summary (default tests/Partner.Benchmarks/results/latest.md)
          --no-results              do not write the summary file
          --busy-machine            start each run at once, measuring it once, even when other processes use the cores
                                    (the notes say how much they used); for comparing two builds on a shared machine
        """;

    public string Suite { get; init; } = "all";

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<int> Concurrency { get; init; } = [32, 64, 128];

    public int Users { get; init; } = 2000;

    public int Rooms { get; init; } = 200;

    public int HotRooms { get; init; } = 10;

    public int Capacity { get; init; } = 20;

    public int BaselineTries { get; init; } = 10;

    public bool FreshOwners { get; init; } = true;

    public int FlushLogAtTrxCommit { get; init; } = 1;

    public int QueueWaiting { get; init; } = 10_000;

    public int QueueStream { get; init; } = 30_000;

    public IReadOnlyList<int> QueueConcurrency { get; init; } = [1, 16, 64];

    public int QueueRepeats { get; init; } = 3;

    public int Pairs { get; init; } = 300;

    public int PairsInFlight { get; init; } = 8;

    public IReadOnlyList<int> EnqueueConcurrency { get; init; } = [16, 64];

    public double AlarmRate { get; init; } = 500;

    public int Receivers { get; init; } = 200;

    public int Connections { get; init; } = 20_000;

    public int ConnectConcurrency { get; init; } = 64;

    public double IdleAlarmRate { get; init; } = 200;

    public int IdleSample { get; init; } = 200;

    public IReadOnlyList<ScaleShape> Shapes { get; init; } = [new(1, 1), new(2, 2)];

    public int ScaleWorkers { get; init; } = 64;

    public int StormUsers { get; init; } = 400;

    public int StormRooms { get; init; } = 100;

    public IReadOnlyList<int> DayRooms { get; init; } = [100, 1000, 10_000];

    /// <summary>The scale suite's measures that run: joins, storm, detail, list, tickets, day.</summary>
    public IReadOnlySet<string> ScaleMeasures { get; init; } = new HashSet<string>(AllScaleMeasures);

    public int Rounds { get; init; } = 1;

    public static IReadOnlyList<string> AllScaleMeasures { get; } = ["joins", "storm", "detail", "list", "tickets", "day"];

    public int WrkThreads { get; init; } = 1;

    public bool UseWrk { get; init; } = true;

    public bool InstallWrk { get; init; }

    public string? ResultsPath { get; init; }

    public bool WriteResults { get; init; } = true;

    /// <summary>Whether a run waits for other processes to leave the cores, and is measured again when they disturbed it.</summary>
    public bool WaitForQuiet { get; init; } = true;

    public bool RunsRooms => Suite is "rooms" or "all";

    public bool RunsReads => Suite is "reads" or "all";

    public bool RunsRandom => Suite is "random" or "all";

    public bool RunsLive => Suite is "live" or "all";

    public bool RunsScale => Suite is "scale";

    /// <summary>Whether a suite on one silo and one API process runs (every suite but live).</summary>
    public bool RunsSingleNode => RunsRooms || RunsReads || RunsRandom;

    /// <summary>Seats a room offers to joiners: the owner holds one.</summary>
    public int Seats => Capacity - 1;

    private static HashSet<string> Measures(string value, string arg)
    {
        var measures = value.Split(',').ToHashSet();
        var unknown = measures.Except(AllScaleMeasures).FirstOrDefault();
        return unknown is null ? measures : throw new ArgumentException($"{arg} takes some of {string.Join(',', AllScaleMeasures)}, not '{unknown}'.");
    }

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            options = arg switch
            {
                "rooms" or "reads" or "random" or "live" or "scale" or "all" => options with { Suite = arg },
                "--duration" => options with { Duration = ParseTime(Value()) },
                "--warmup" => options with { Warmup = ParseTime(Value()) },
                "--concurrency" => options with { Concurrency = [.. Value().Split(',').Select(v => Positive(v, arg))] },
                "--users" => options with { Users = Positive(Value(), arg) },
                "--rooms" => options with { Rooms = Positive(Value(), arg) },
                "--hot-rooms" => options with { HotRooms = Positive(Value(), arg) },
                "--capacity" => options with { Capacity = Positive(Value(), arg) },
                "--owners" => options with { FreshOwners = Value() switch { "fresh" => true, "joiners" => false, var v => throw new ArgumentException($"{arg} is fresh or joiners, not {v}.") } },
                "--retries" => options with { BaselineTries = Positive(Value(), arg) },
                "--flush-log-at-trx-commit" => options with { FlushLogAtTrxCommit = Value() switch { "0" => 0, "1" => 1, "2" => 2, var v => throw new ArgumentException($"{arg} is 0, 1 or 2, not {v}.") } },
                "--queue-waiting" => options with { QueueWaiting = Positive(Value(), arg) },
                "--queue-stream" => options with { QueueStream = Positive(Value(), arg) },
                "--queue-concurrency" => options with { QueueConcurrency = [.. Value().Split(',').Select(v => Positive(v, arg))] },
                "--queue-repeats" => options with { QueueRepeats = Positive(Value(), arg) },
                "--pairs" => options with { Pairs = Positive(Value(), arg) },
                "--pairs-in-flight" => options with { PairsInFlight = Positive(Value(), arg) },
                "--enqueue-concurrency" => options with { EnqueueConcurrency = [.. Value().Split(',').Select(v => Positive(v, arg))] },
                "--alarm-rate" => options with { AlarmRate = Positive(Value(), arg) },
                "--receivers" => options with { Receivers = Positive(Value(), arg) },
                "--connections" => options with { Connections = Positive(Value(), arg) },
                "--connect-concurrency" => options with { ConnectConcurrency = Positive(Value(), arg) },
                "--idle-alarm-rate" => options with { IdleAlarmRate = Positive(Value(), arg) },
                "--idle-sample" => options with { IdleSample = Positive(Value(), arg) },
                "--shapes" => options with { Shapes = [.. Value().Split(',').Select(ScaleShape.Parse)] },
                "--scale-workers" => options with { ScaleWorkers = Positive(Value(), arg) },
                "--storm-users" => options with { StormUsers = Positive(Value(), arg) },
                "--storm-rooms" => options with { StormRooms = Positive(Value(), arg) },
                "--day-rooms" => options with { DayRooms = [.. Value().Split(',').Select(v => Positive(v, arg)).Order()] },
                "--scale-measures" => options with { ScaleMeasures = Measures(Value(), arg) },
                "--rounds" => options with { Rounds = Positive(Value(), arg) },
                "--wrk-threads" => options with { WrkThreads = Positive(Value(), arg) },
                "--no-wrk" => options with { UseWrk = false },
                "--install-wrk" => options with { InstallWrk = true },
                "--results" => options with { ResultsPath = Value() },
                "--no-results" => options with { WriteResults = false },
                "--busy-machine" => options with { WaitForQuiet = false },
                _ => throw new ArgumentException($"unknown argument '{arg}'."),
            };
        }

        if (options.Capacity is < 2 or > 20)
        {
            throw new ArgumentException("--capacity is 2 to 20 (the service's rule).");
        }

        if (options.PairsInFlight > TicketBodies.Of(TicketBodies.Meal).Count)
        {
            throw new ArgumentException($"--pairs-in-flight is at most {TicketBodies.Of(TicketBodies.Meal).Count} (one MEAL cell each).");
        }

        if (options.StormUsers > options.StormRooms * options.Seats)
        {
            throw new ArgumentException("--storm-users is at most --storm-rooms × (--capacity − 1): every user must fit in its room.");
        }

        if (options.IdleSample > options.Connections)
        {
            throw new ArgumentException("--idle-sample is at most --connections (the sample is of the connected users).");
        }

        return options;
    }

    private static int Positive(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} needs a positive whole number, not '{value}'.");

    private static TimeSpan ParseTime(string value)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : (value, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? TimeSpan.FromSeconds(parsed * unit)
            : throw new ArgumentException($"'{value}' is not a duration such as 20s, 500ms or 1m.");
    }
}
