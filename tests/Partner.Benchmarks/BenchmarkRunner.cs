using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using MySqlConnector;
using Partner.Tests.Infrastructure;

namespace Partner.Benchmarks;

/// <summary>
/// Starts private MariaDB and Redis, one silo and one API process in production mode, measures, prints
/// and writes the summary, and stops everything it started (processes before servers), also on Ctrl+C.
/// </summary>
public static class BenchmarkRunner
{
    private const double FirstGuessJoinRate = 1500;
    private const int ReadsOnlyRooms = 1000;

    /// <summary>The wait-transparency pair's <c>MaxEffectLag</c>: longer than any run, so back-pressure never holds its tickets.</summary>
    private static readonly TimeSpan PairEffectLag = TimeSpan.FromMinutes(10);

    /// <summary>The largest <c>Partner:RandomMatch:MaxLiveSegments</c> the options allow: old segments' tickets are then never carried forward in a run.</summary>
    private const int MaxLiveSegmentsAllowed = 100_000;

    private static readonly Dictionary<string, string?> ApiSettings = new()
    {
        ["Auth__DevLogin"] = "true",
        ["Partner__RateLimits__Auth__PermitLimit"] = "100000000",
        ["Partner__RateLimits__Writes__PermitLimit"] = "100000000",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["-h" or "--help"])
        {
            Console.WriteLine(BenchmarkOptions.Usage);
            return 0;
        }

        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(BenchmarkOptions.Usage);
            return 2;
        }

        if (!BuiltOutputsExist())
        {
            return 2;
        }

        // Raised here so that the API processes inherit it: a connection is an open file on both sides.
        if (options.RunsLive && !FileLimit.Raise(LivePush.FilesNeeded(options)))
        {
            Console.Error.WriteLine($"Warning: the open-file limit is {FileLimit.Of(Environment.ProcessId):N0} and could not be raised to {LivePush.FilesNeeded(options):N0} "
                + "(hard limit, and no CAP_SYS_RESOURCE): the idle connections are capped to what fits. Run `ulimit -n 200000` as root first to lift it.");
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops cleanly; a second one ends the process (children are killed at exit).
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                Console.Error.WriteLine("\nStopping: processes first, then servers...");
                stop.Cancel();
            }
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        var commandLine = "dotnet run -c Release --project tests/Partner.Benchmarks --" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args));
        if (options.RunsScale)
        {
            return await RunScaleAsync(options, commandLine, stop.Token);
        }

        var report = new Report(options, commandLine);
        var random = new RandomMatchReport(options, commandLine);
        MariaDbServer? database = null;
        RedisServer? redis = null;
        ProductionCluster? cluster = null;
        try
        {
            Console.WriteLine($"Partner benchmark: {options.Suite}, {options.Duration.TotalSeconds:0} s per run, "
                + (options.RunsRooms || options.RunsReads ? $"K = {string.Join(", ", options.Concurrency)}" : string.Empty)
                + (options.RunsRandom ? $" (random: in-memory K = {string.Join(", ", options.QueueConcurrency)}, HTTP K = {string.Join(", ", options.EnqueueConcurrency)})" : string.Empty)
                + (options.RunsLive ? $" (live: {options.AlarmRate:N0} alarms/s to {options.Receivers} receivers, {options.Connections:N0} idle connections, open-file limit {FileLimit.Of(Environment.ProcessId):N0})" : string.Empty));
            var clock = Stopwatch.StartNew();
            var startingDatabase = MariaDbServer.StartAsync(stop.Token);
            var startingRedis = RedisServer.StartAsync(persistent: true, stop.Token);
            database = await startingDatabase;
            redis = await startingRedis;
            await SetDurabilityAsync(database, options.FlushLogAtTrxCommit, stop.Token);
            Console.WriteLine($"MariaDB on {database.Port}, Redis on {redis.Port} ({clock.Elapsed.TotalSeconds:0.0} s)");

            var whole = options.RunsRooms || options.RunsReads;
            string? markdown = null;
            if (options.RunsSingleNode)
            {
                cluster = new ProductionCluster(database, redis);
                markdown = await RunSingleNodeAsync(options, cluster, database, redis, report, random, clock, stop.Token);

                // The live suite runs on its own deployment (2 silos, 2 API nodes) on the same servers.
                await cluster.DisposeAsync();
                cluster = null;
            }

            string? live = null;
            if (options.RunsLive)
            {
                var liveReport = new LiveReport(options, commandLine);
                await new LivePush(options, liveReport, stop.Token).RunAsync(database, redis, ApiSettings);
                live = liveReport.ToMarkdown();
            }

            Console.WriteLine();
            Console.WriteLine(markdown + (markdown is not null && live is not null ? "\n" : string.Empty) + live);
            if (options.WriteResults)
            {
                var path = options.ResultsPath ?? Path.Combine(TestEnvironment.RepoRoot, "tests", "Partner.Benchmarks", "results", "latest.md");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var existing = File.Exists(path) ? await File.ReadAllTextAsync(path, CancellationToken.None) : SummaryFile.Title;

                // The rooms and reads suites rewrite the summary; random and live replace only their own sections.
                var summary = whole ? markdown! : markdown is null ? existing : RandomMatchReport.Merge(existing, markdown);
                if ((live ?? (whole ? SummaryFile.Section(existing, LiveReport.Heading) : null)) is { } liveSection)
                {
                    summary = SummaryFile.Merge(summary, LiveReport.Heading, liveSection);
                }

                if (whole && SummaryFile.Section(existing, ScaleReport.Heading) is { } scaleSection)
                {
                    summary = SummaryFile.Merge(summary, ScaleReport.Heading, scaleSection);
                }

                await File.WriteAllTextAsync(path, summary, CancellationToken.None);
                Console.WriteLine($"Summary written to {path}");
            }

            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Interrupted. Runs finished so far:");
            foreach (var measurement in report.Measurements)
            {
                Console.Error.WriteLine(Report.Line(measurement));
            }

            return 130;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"Benchmark failed: {ex}");
            return 1;
        }
        finally
        {
            // Processes stop before the servers, or a silo's shutdown hangs retrying its membership update.
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }

            if (database is not null)
            {
                await database.DisposeAsync();
            }

            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            Console.WriteLine("Stopped the API, the silo, MariaDB and Redis.");
        }
    }

    /// <summary>The scale suite starts its own servers for each shape and replaces only its own section of the summary.</summary>
    private static async Task<int> RunScaleAsync(BenchmarkOptions options, string commandLine, CancellationToken stop)
    {
        try
        {
            var (section, complete) = await ScaleBenchmark.RunAsync(options, commandLine, ApiSettings, stop);
            Console.WriteLine();
            Console.WriteLine(section);
            if (options.WriteResults)
            {
                var path = options.ResultsPath ?? Path.Combine(TestEnvironment.RepoRoot, "tests", "Partner.Benchmarks", "results", "latest.md");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var existing = File.Exists(path) ? await File.ReadAllTextAsync(path, CancellationToken.None) : SummaryFile.Title;
                await File.WriteAllTextAsync(path, SummaryFile.Merge(existing, ScaleReport.Heading, section), CancellationToken.None);
                Console.WriteLine($"Summary written to {path}");
            }

            return complete ? 0 : 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"Benchmark failed: {ex}");
            return 1;
        }
        finally
        {
            Console.WriteLine("Stopped every process and server of the scale suite.");
        }
    }

    /// <summary>The suites on one silo and one API process (rooms, reads, random): their summary, or the random section alone.</summary>
    private static async Task<string> RunSingleNodeAsync(
        BenchmarkOptions options, ProductionCluster cluster, MariaDbServer database, RedisServer redis, Report report, RandomMatchReport random, Stopwatch clock, CancellationToken stop)
    {
        var silo = await cluster.StartSiloAsync().WaitAsync(stop);
        var api = await cluster.StartApiAsync(ApiSettings).WaitAsync(stop);
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(60)).WaitAsync(stop);
        Console.WriteLine($"silo (pid {silo.Process.Pid}) and API (pid {api.Process.Pid}, {api.Http.BaseAddress}) ready ({clock.Elapsed.TotalSeconds:0.0} s)");

        var redisVersion = (await redis.ExecuteAsync("INFO", "server") ?? string.Empty).Split('\n')
            .FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";
        report.Machine = await MachineFacts.CollectAsync(database.RootConnectionString, redisVersion, stop);
        var sampler = new CpuSampler(new Dictionary<string, int>
        {
            ["api"] = api.Process.Pid,
            ["silo"] = silo.Process.Pid,
            ["mariadb"] = PidFromFile(Path.Combine(database.DataDirectory, "mysqld.pid")),
            ["redis"] = PidFromFile(Path.Combine(redis.DataDirectory, "redis.pid")),
            ["bench"] = Environment.ProcessId,
        });
        var session = new Session(options, report, sampler, new DatabaseCounters(database.RootConnectionString), stop);

        using var client = new PartnerClient(api.Http.BaseAddress!);
        var partner = new PartnerJoins(client, options);
        if (options.RunsRooms)
        {
            await RunJoinsAsync(session, partner, database);
        }

        if (options.RunsReads)
        {
            await RunReadsAsync(session, partner, client);
        }

        if (options.RunsRandom)
        {
            await RunRandomAsync(session, client, random);
        }

        var whole = options.RunsRooms || options.RunsReads;
        Action<string> note = whole ? report.Note : random.Note;
        report.GrainStates = await session.Counters.GrainStatesAsync(stop);
        report.Note($"Load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}; total time {clock.Elapsed.TotalMinutes:0.0} min.");
        NoteServiceLog(note, "API", api.Process.Output);
        NoteServiceLog(note, "silo", silo.Process.Output);

        return whole ? report.ToMarkdown() + (options.RunsRandom ? "\n" + random.ToMarkdown() : string.Empty) : random.ToMarkdown();
    }

    /// <summary>What a room creation costs MariaDB on a day of a few rooms and on a day of 200: the day's directory must not make it grow.</summary>
    private static async Task MeasureCreatesAsync(Session session, PartnerJoins partner)
    {
        const int Probe = 50;
        const int Held = 200;
        var date = PartnerClient.Today().AddDays(20);
        var onEmpty = await CreateCostAsync(Probe);
        await partner.CreateOnDateAsync(date, Held - Probe, session.Stop);
        var onFull = await CreateCostAsync(Probe);
        session.Report.Note($"Room creation cost (MEAL rooms on {date:yyyy-MM-dd}, over HTTP, {Probe} per probe): while the day held 0–{Probe} rooms, "
            + $"{onEmpty.Bytes:N0} bytes to MariaDB, {onEmpty.Rows:0.00} rows written and {onEmpty.Calls:0.00} CALLs per create; "
            + $"while it held {Held}–{Held + Probe}, {onFull.Bytes:N0} bytes, {onFull.Rows:0.00} rows and {onFull.Calls:0.00} CALLs.");

        async Task<(double Bytes, double Rows, double Calls)> CreateCostAsync(int count)
        {
            var before = await session.Counters.ReadAsync(session.Stop);
            await partner.CreateOnDateAsync(date, count, session.Stop);
            var delta = DatabaseCounters.Between(before, await session.Counters.ReadAsync(session.Stop));
            return (delta["Bytes_received"] / (double)count,
                (delta["Handler_update"] + delta["Handler_write"]) / (double)count,
                delta["Com_call_procedure"] / (double)count);
        }
    }

    private static async Task RunJoinsAsync(Session session, PartnerJoins partner, MariaDbServer database)
    {
        var options = session.Options;
        var clock = Stopwatch.StartNew();
        await partner.SignInAsync(session.Stop);
        Console.WriteLine($"{options.Users:N0} users signed in ({clock.Elapsed.TotalSeconds:0.0} s)");

        var expected = FirstGuessJoinRate;
        var warm = await partner.RunAsync(await partner.PrepareAsync(options.Rooms, expected, options.Warmup, session.Stop), options.Concurrency.Max(), options.Warmup, session.Stop);
        Console.WriteLine($"warm-up: {warm.Load.Rate:N0} joins/s");
        expected = Math.Max(expected, warm.Load.Rate);
        foreach (var (workload, slots) in JoinWorkloads(options))
        {
            foreach (var workers in options.Concurrency)
            {
                var measurement = await session.MeasureAsync("Partner", workload, "HttpClient", async () =>
                {
                    var pool = await partner.PrepareAsync(slots, expected, options.Duration, session.Stop);
                    return async () => new RunOutcome(await partner.RunAsync(pool, workers, options.Duration, session.Stop));
                });
                expected = Math.Max(expected, measurement.Load.Rate);
            }
        }

        session.Report.Note($"Partner rooms were opened over HTTP before each run (not measured): {partner.RoomsCreated:N0} in all, "
            + $"at {partner.CreateRates.Min():N0} to {partner.CreateRates.Max():N0} rooms/s.");
        await MeasureCreatesAsync(session, partner);

        await using var baseline = new BaselineJoins(database.ConnectionString, options);
        await baseline.CreateSchemaAsync(session.Stop);
        var baselineExpected = FirstGuessJoinRate;
        var baselineWarm = await baseline.RunAsync(
            await baseline.PrepareAsync(options.Rooms, baselineExpected, options.Warmup, session.Stop), options.Concurrency.Max(), options.Warmup, session.Stop);
        Console.WriteLine($"baseline warm-up: {baselineWarm.Load.Rate:N0} joins/s");
        baselineExpected = Math.Max(baselineExpected, baselineWarm.Load.Rate);
        foreach (var (workload, slots) in JoinWorkloads(options))
        {
            foreach (var workers in options.Concurrency)
            {
                var measurement = await session.MeasureAsync("Baseline", workload, "MySqlConnector", async () =>
                {
                    var pool = await baseline.PrepareAsync(slots, baselineExpected, options.Duration, session.Stop);
                    return async () => new RunOutcome(await baseline.RunAsync(pool, workers, options.Duration, session.Stop));
                });
                baselineExpected = Math.Max(baselineExpected, measurement.Load.Rate);
            }
        }
    }

    private static IEnumerable<(string Workload, int Slots)> JoinWorkloads(BenchmarkOptions options) =>
    [
        ($"joins, {options.Rooms} rooms", options.Rooms),
        ($"joins, hot {options.HotRooms} rooms", options.HotRooms),
    ];

    private static async Task RunReadsAsync(Session session, PartnerJoins partner, PartnerClient client)
    {
        var options = session.Options;
        if (!options.RunsRooms)
        {
            await partner.SignInAsync(session.Stop);
            await partner.CreateRoomsAsync(ReadsOnlyRooms, session.Stop);
            Console.WriteLine($"{ReadsOnlyRooms:N0} rooms opened to list at {partner.CreateRates[^1]:N0} rooms/s");
        }

        var reads = new ListReads(client);
        var queries = ListReads.Queries(PartnerClient.Today());
        foreach (var query in queries)
        {
            var items = await reads.ItemsAsync(query, session.Stop);
            session.Report.Note($"`GET {query.Path}` answers {items} items per page.");
        }

        await reads.RunAsync(queries[0], options.Concurrency.Max(), options.Warmup, session.Stop);
        foreach (var query in queries)
        {
            foreach (var workers in options.Concurrency)
            {
                await session.MeasureAsync("Partner", query.Name, "HttpClient",
                    () => Task.FromResult<Func<Task<RunOutcome>>>(async () => new RunOutcome(await reads.RunAsync(query, workers, options.Duration, session.Stop))));
            }
        }

        var wrk = options.UseWrk ? Wrk.Find() : null;
        if (wrk is null && options.UseWrk && options.InstallWrk)
        {
            Console.WriteLine("wrk is missing: installing it with apt-get (--install-wrk)");
            wrk = await Wrk.InstallAsync(session.Stop);
        }

        if (wrk is null)
        {
            var why = options.UseWrk ? "wrk is not installed (pass --install-wrk, or apt-get install wrk)" : "--no-wrk";
            session.Report.Note($"Reads were driven by HttpClient only: {why}.");
            Console.WriteLine($"skipping wrk: {why}");
            return;
        }

        foreach (var query in queries)
        {
            foreach (var workers in options.Concurrency)
            {
                await session.MeasureAsync("Partner", query.Name, $"wrk -t{Math.Min(options.WrkThreads, workers)}",
                    () => Task.FromResult<Func<Task<RunOutcome>>>(async () =>
                    {
                        var (load, cpuSeconds) = await Wrk.RunAsync(wrk, new Uri(client.BaseAddress, query.Path), workers, options.WrkThreads, options.Duration, session.Stop);
                        return new RunOutcome(load, ExternalCpuSeconds: cpuSeconds);
                    }));
            }
        }
    }

    private static async Task RunRandomAsync(Session session, PartnerClient client, RandomMatchReport random)
    {
        var options = session.Options;
        var clock = Stopwatch.StartNew();
        random.LoadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        await RunQueueAsync(session, random);

        var users = await RandomUsersAsync(client, Math.Max(options.Users, 2 * options.PairsInFlight), session.Stop);
        Console.WriteLine($"{users.Length:N0} users signed in for random matching ({clock.Elapsed.TotalSeconds:0.0} s)");
        var latency = new MatchLatency(client, users);
        await latency.RunAsync(Math.Min(options.Pairs, 4 * options.PairsInFlight), options.PairsInFlight, session.Stop);
        PairRun? pairs = null;
        var pairsMeasurement = await session.MeasureOnlyAsync("Partner", $"random match readable, {options.Pairs} pairs", "HttpClient",
            () => Task.FromResult<Func<Task<RunOutcome>>>(async () =>
            {
                pairs = await latency.RunAsync(options.Pairs, options.PairsInFlight, session.Stop);
                return new RunOutcome(pairs.Load);
            }), random.Note);
        random.Pairs = (pairsMeasurement, pairs!);

        var enqueues = new RandomEnqueues(client, users);
        string[] meal = [TicketBodies.Meal];
        string[] both = [TicketBodies.Meal, TicketBodies.Study];
        var warm = await enqueues.RunAsync(meal, options.EnqueueConcurrency.Max(), options.Warmup, session.Stop);
        Console.WriteLine($"random enqueue warm-up: {warm.Rate:N0} tickets/s");
        foreach (var categories in new[] { meal, both })
        {
            foreach (var workers in options.EnqueueConcurrency)
            {
                var perCategory = Math.Max(1, workers / categories.Length);
                var queues = string.Join(" + ", categories);
                var measurement = await session.MeasureOnlyAsync("Partner", $"ticket PUTs, {queues}", "HttpClient",
                    () => Task.FromResult<Func<Task<RunOutcome>>>(async () =>
                        new RunOutcome(await enqueues.RunAsync(categories, perCategory, options.Duration, session.Stop))), random.Note);
                random.AddEnqueues(queues, measurement);
            }
        }

        random.LoadAtEnd = File.ReadAllText("/proc/loadavg").Trim();
        random.Took = clock.Elapsed;
    }

    /// <summary>
    /// The in-memory runs: the bare matcher; the queue grain as the embedded mode runs it, and a read-only call
    /// for the floor of a grain call; then two profiling variants, each on a fresh silo.
    /// </summary>
    private static async Task RunQueueAsync(Session session, RandomMatchReport random)
    {
        var options = session.Options;
        var stop = session.Stop;
        var queue = new QueueThroughput();
        QueueStream? stream = null;
        var bare = await session.MeasureOnlyAsync("Bare", "RandomMatcher, no Orleans", "one thread", () => Task.FromResult<Func<Task<RunOutcome>>>(async () =>
        {
            stream = await Task.Run(() => queue.RunBareMatcher(options.QueueWaiting, options.QueueStream), stop);
            return new RunOutcome(stream.Load);
        }), random.Note);
        random.AddQueueRun(new QueueRow(QueueRuns.BareMatcher, QueueSetup.None, "–", bare, stream!));

        // The queue as shipped, then two profiling variants: nothing stored, and no carrying forward of old segments' tickets.
        // What wait transparency costs is measured in pairs on the variant that stores nothing: the same queue without it, run
        // for run alternately (on, off, on, off, …), each run on a fresh silo filled and warmed up the same way, so that every
        // run starts alike: on one long-lived silo each run left ~10,000 new users' inbox, activity and match grains behind and
        // the next ran on a bigger heap (43k → 13k tickets/s over ten runs). The pair also runs with back-pressure out of reach
        // (PairEffectLag): otherwise a run whose effects (new users' grains activated for each match) fall 2 s behind is held
        // to the effects' rate, and that — not the queue — decides its figure (bimodal runs, 1.5k–37k tickets/s).
        foreach (var setup in new[] { QueueSetup.Shipped, QueueSetup.WritesDiscarded, QueueSetup.NoCarryForward })
        {
            var shipped = setup == QueueSetup.Shipped;
            var clock = Stopwatch.StartNew();
            if (setup == QueueSetup.WritesDiscarded)
            {
                await RunPairAsync(options.QueueConcurrency.Max(), clock);
                continue;
            }

            await using var embedded = await StartFilledAsync(setup, clock);
            foreach (var workers in shipped ? options.QueueConcurrency : [options.QueueConcurrency.Max()])
            {
                var runs = new List<(Measurement Measurement, QueueStream Stream)>();
                for (var repeat = 0; repeat < options.QueueRepeats; repeat++)
                {
                    runs.Add(await MeasureEnqueuesAsync(embedded, workers));
                }

                AddMedian(setup, Storage(setup, embedded), runs);
            }

            if (!shipped)
            {
                continue;
            }

            foreach (var workers in new[] { 1, options.QueueConcurrency.Max() }.Distinct())
            {
                var measurement = await session.MeasureOnlyAsync("Embedded", "queue Get", "IGrainFactory", async () =>
                {
                    await embedded.SettleAsync(stop);
                    return async () =>
                    {
                        stream = await QueueThroughput.RunGetsAsync(embedded, options.QueueStream, workers, stop);
                        return new RunOutcome(stream.Load);
                    };
                }, random.Note);
                random.AddQueueRun(new QueueRow(QueueRuns.Get, setup, Storage(setup, embedded), measurement, stream!));
            }
        }

        // Wait transparency on and off, alternately, each run on a fresh silo.
        async Task RunPairAsync(int workers, Stopwatch clock)
        {
            var runs = new Dictionary<QueueSetup, List<(Measurement Measurement, QueueStream Stream)>> { [QueueSetup.WritesDiscarded] = [], [QueueSetup.WaitInsightOff] = [] };
            var storage = new Dictionary<QueueSetup, string>();
            for (var repeat = 0; repeat < options.QueueRepeats; repeat++)
            {
                foreach (var variant in runs.Keys)
                {
                    await using var fresh = await StartFilledAsync(variant, clock, note: repeat == 0);
                    storage[variant] = Storage(variant, fresh);
                    runs[variant].Add(await MeasureEnqueuesAsync(fresh, workers));
                }
            }

            foreach (var (variant, list) in runs)
            {
                AddMedian(variant, storage[variant], list);
            }
        }

        async Task<EmbeddedQueue> StartFilledAsync(QueueSetup setup, Stopwatch clock, bool note = true)
        {
            var embedded = await EmbeddedQueue.StartAsync(
                discardWrites: setup is QueueSetup.WritesDiscarded or QueueSetup.WaitInsightOff,
                maxLiveSegments: setup == QueueSetup.NoCarryForward ? MaxLiveSegmentsAllowed : null,
                waitInsight: setup != QueueSetup.WaitInsightOff,
                maxEffectLag: setup is QueueSetup.WritesDiscarded or QueueSetup.WaitInsightOff ? PairEffectLag : null,
                stop);
            var storage = Storage(setup, embedded);
            var (waiting, enqueued) = await queue.PreloadAsync(embedded, options.QueueWaiting, stop);
            Console.WriteLine($"embedded silo ({storage}) started and filled: {enqueued:N0} tickets enqueued, {waiting:N0} wait ({clock.Elapsed.TotalSeconds:0.0} s)");
            if (note)
            {
                random.Note($"In-memory queue on {storage}: filled with {enqueued:N0} tickets of new users before the first run, after which {waiting:N0} waited.");
            }

            // Unmeasured: the first stream of a fresh silo also pays for JIT tiering and the heap's first growth.
            var warmUp = await QueueThroughput.RunAsync(embedded, queue.Tickets(options.QueueStream), options.QueueConcurrency.Max(), stop);
            Console.WriteLine($"warm-up stream: {warmUp.Load.Total / warmUp.Load.Elapsed.TotalSeconds:N0} tickets/s ({clock.Elapsed.TotalSeconds:0.0} s)");
            return embedded;
        }

        async Task<(Measurement, QueueStream)> MeasureEnqueuesAsync(EmbeddedQueue embedded, int workers)
        {
            var measurement = await session.MeasureOnlyAsync("Embedded", "queue Enqueue", "IGrainFactory", async () =>
            {
                await embedded.SettleAsync(stop);
                await queue.PreloadAsync(embedded, options.QueueWaiting, stop);
                await embedded.SettleAsync(stop);
                var tickets = queue.Tickets(options.QueueStream);

                // The earlier runs' garbage is collected now, not in the middle of this run (the heap holds both silos and
                // every activation of the earlier runs' users: a gen-2 collection there costs a run seconds).
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                return async () =>
                {
                    stream = await QueueThroughput.RunAsync(embedded, tickets, workers, stop);
                    return new RunOutcome(stream.Load);
                };
            }, random.Note);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    until the effects were written: {stream!.EffectsDoneAfter?.TotalSeconds:0.0} s, {stream.CpuMicrosPerTicket:N1} CPU µs/ticket in this process"));
            return (measurement, stream!);
        }

        void AddMedian(QueueSetup setup, string storage, List<(Measurement Measurement, QueueStream Stream)> runs)
        {
            var median = runs.OrderBy(r => r.Measurement.Load.Rate).ElementAt(runs.Count / 2);
            random.AddQueueRun(new QueueRow(
                QueueRuns.Enqueue, setup, storage, median.Measurement, median.Stream,
                [.. runs.Select(r => r.Measurement.Load.Rate)], [.. runs.Select(r => r.Stream.CpuMicrosPerTicket ?? double.NaN)]));
        }

        static string Storage(QueueSetup setup, EmbeddedQueue embedded) => setup switch
        {
            QueueSetup.WritesDiscarded => $"none ({embedded.Storage}: writes discarded)",
            QueueSetup.NoCarryForward => $"{embedded.Storage}, MaxLiveSegments = {MaxLiveSegmentsAllowed:N0}",
            QueueSetup.WaitInsightOff => $"none ({embedded.Storage}: writes discarded), WaitInsight = false",
            _ => embedded.Storage,
        };
    }

    private static async Task<BenchUser[]> RandomUsersAsync(PartnerClient client, int count, CancellationToken cancellationToken)
    {
        var users = new BenchUser[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, ct) =>
            users[i] = await client.SignInAsync($"random{i:D5}", ct));
        return users;
    }

    private static bool BuiltOutputsExist()
    {
        var configuration = TestEnvironment.BuildConfiguration;
        if (!string.Equals(configuration, "Release", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"Warning: this is a {configuration} build; it runs the {configuration} silo and API. Use `dotnet run -c Release --project tests/Partner.Benchmarks`.");
        }

        string[] outputs =
        [
            Path.Combine(TestEnvironment.RepoRoot, "silo", "bin", configuration, "net10.0", "Partner.Silo.dll"),
            Path.Combine(TestEnvironment.RepoRoot, "api", "bin", configuration, "net10.0", "Partner.Api.dll"),
        ];
        var missing = outputs.Where(o => !File.Exists(o)).ToList();
        if (missing.Count == 0)
        {
            return true;
        }

        Console.Error.WriteLine($"Not built: {string.Join(", ", missing)}. Build first: dotnet build Partner.sln -c {configuration}");
        return false;
    }

    internal static async Task SetDurabilityAsync(MariaDbServer database, int flushLogAtTrxCommit, CancellationToken cancellationToken)
    {
        // The test servers trade the fsync per commit for speed; a benchmark of durable writes restores the server default.
        await using var connection = new MySqlConnection(database.RootConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(
            string.Create(CultureInfo.InvariantCulture, $"SET GLOBAL innodb_flush_log_at_trx_commit = {flushLogAtTrxCommit}"), connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static int PidFromFile(string path)
    {
        for (var attempt = 0; attempt < 50 && !File.Exists(path); attempt++)
        {
            Thread.Sleep(100);
        }

        return int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
    }

    internal static void NoteServiceLog(Action<string> note, string name, string output)
    {
        // The console logger writes "warn: Category[id]" and the message on the next, indented line.
        var lines = output.Split('\n');
        var problems = lines
            .Select((line, i) => (line, message: i + 1 < lines.Length ? lines[i + 1].Trim() : string.Empty))
            .Where(l => l.line.StartsWith("warn:", StringComparison.Ordinal) || l.line.StartsWith("fail:", StringComparison.Ordinal) || l.line.StartsWith("crit:", StringComparison.Ordinal))
            .Select(l => $"{l.line.Trim()} {(l.message.Length > 160 ? l.message[..160] + "…" : l.message)}")
            .ToList();
        var summary = problems.Count == 0
            ? "no warnings or errors"
            : $"{problems.Count} warning/error entries: " + string.Join("; ", problems.Distinct().Take(4).Select(p => $"`{p}`"));
        note($"{name} log: {summary}.");
    }

    /// <summary>What every measured run needs; samples CPU and database counters around the run only.</summary>
    internal sealed class Session(BenchmarkOptions options, Report report, CpuSampler sampler, DatabaseCounters counters, CancellationToken stop)
    {
        /// <summary>Busy time of processes that are not the benchmark's, in percent of one core, below which a run may start.</summary>
        private const double QuietLimit = 20;

        private static readonly TimeSpan MaxQuietWait = TimeSpan.FromMinutes(5);

        public BenchmarkOptions Options => options;

        public DatabaseCounters Counters => counters;

        public Report Report => report;

        public CancellationToken Stop => stop;

        /// <summary>
        /// Prepares (unmeasured), waits for a quiet machine, then measures the run with CPU and database counters
        /// around it. A run that other processes disturbed is prepared and measured once more.
        /// </summary>
        public async Task<Measurement> MeasureAsync(string system, string workload, string driver, Func<Task<Func<Task<RunOutcome>>>> prepare)
        {
            var measurement = await MeasureOnlyAsync(system, workload, driver, prepare, report.Note);
            report.Add(measurement);
            return measurement;
        }

        /// <summary>As <see cref="MeasureAsync"/>, but the measurement is only returned, and notes go to <paramref name="note"/>.</summary>
        public async Task<Measurement> MeasureOnlyAsync(string system, string workload, string driver, Func<Task<Func<Task<RunOutcome>>>> prepare, Action<string> note)
        {
            for (var attempt = 1; ; attempt++)
            {
                var run = await prepare();
                await WaitForQuietMachineAsync(system, workload, note);
                var databaseBefore = await counters.ReadAsync(stop);
                var cpuBefore = sampler.Take();
                var outcome = await run();
                var cpuAfter = sampler.Take();
                var databaseAfter = await counters.ReadAsync(stop);
                var cpu = CpuSampler.Between(cpuBefore, cpuAfter);
                if (outcome.ExternalCpuSeconds > 0)
                {
                    cpu = cpu.With("wrk", outcome.ExternalCpuSeconds / (cpuAfter.At - cpuBefore.At).TotalSeconds * 100);
                }

                var measurement = new Measurement(system, workload, driver, outcome.Load, cpu, DatabaseCounters.Between(databaseBefore, databaseAfter), outcome.Join);
                if (cpu.Other > Report.DisturbedLimit)
                {
                    var what = $"{system} {workload}, {driver}, K={outcome.Load.Workers}: other processes used {cpu.Other:0} % of a core during the run";
                    if (attempt == 1 && options.WaitForQuiet)
                    {
                        Console.WriteLine($"{Report.Line(measurement)}\n  disturbed ({what}); measuring again");
                        note($"{what} ({outcome.Load.Rate:N0}/s, p99 {outcome.Load.Latency.P99:0.0} ms); it was measured again.");
                        continue;
                    }

                    note(options.WaitForQuiet ? $"{what}, twice; the second measurement is reported." : $"{what}.");
                }

                Console.WriteLine(Report.Line(measurement));
                return measurement;
            }
        }

        /// <summary>Other work on the machine (e.g. another build or test run) would take cores from the service: wait for it to end.</summary>
        private async Task WaitForQuietMachineAsync(string system, string workload, Action<string> note)
        {
            var waiting = Stopwatch.StartNew();
            while (options.WaitForQuiet)
            {
                var before = sampler.Take();
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
                var other = CpuSampler.Between(before, sampler.Take()).Other;
                if (other < QuietLimit)
                {
                    if (waiting.Elapsed > TimeSpan.FromSeconds(2))
                    {
                        note($"{system} {workload}: waited {waiting.Elapsed.TotalSeconds:0} s for other processes to leave the cores.");
                    }

                    return;
                }

                if (waiting.Elapsed > MaxQuietWait)
                {
                    note($"{system} {workload}: started while other processes used {other:0} % of a core (waited {MaxQuietWait.TotalMinutes:0} min).");
                    return;
                }

                if (waiting.Elapsed.TotalSeconds % 15 < 1.2)
                {
                    Console.WriteLine($"waiting for a quiet machine: other processes use {other:0} % of a core");
                }
            }
        }
    }
}
