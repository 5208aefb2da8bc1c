using System.Diagnostics;
using System.Globalization;

namespace Partner.Benchmarks;

/// <summary>
/// The measures of the scale suite on one deployment, in a fixed order: durable joins, the join/leave storm, room detail
/// reads, list reads, ticket PUTs on MEAL and STUDY at once, then one day's list read as that day fills up. Each measure gets
/// an unmeasured warm-up of the same load first; every load is spread round-robin over the API nodes.
/// </summary>
public sealed class ScaleSuite(BenchmarkOptions options, ScaleDeployment deployment, ScaleReport report, string? wrk, CancellationToken stop, int? round = null)
{
    /// <summary>The day whose list fills up: later than every other room's date, so it also heads the undated list at the end.</summary>
    public const int DayOffset = 20;

    /// <summary>The workload name of one day's list read, followed by the day's room count.</summary>
    public const string DayListWorkload = "GET one day's list, ";

    private const int SetupParallelism = 32;

    private const int CreateAttempts = 5;

    private readonly BenchmarkRunner.Session session = new(options, new Report(options, string.Empty), deployment.Sampler, deployment.Counters, stop);

    private long createRetries;

    private IReadOnlyList<PartnerClient> Nodes => deployment.Nodes;

    private string Shape => deployment.Shape.Name + (round is { } r ? $" round {r}" : string.Empty);

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var joins = new PartnerJoins(Nodes, options);
        await joins.SignInAsync(stop);
        Console.WriteLine($"{Shape}: {options.Users:N0} users signed in ({clock.Elapsed.TotalSeconds:0} s)");
        if (Runs("joins"))
        {
            await MeasureJoinsAsync(joins);
        }

        if (Runs("storm") || Runs("detail"))
        {
            var stormRooms = await OpenRoomsAsync("stormowner", options.StormRooms, i => PartnerClient.Today().AddDays(1 + (i % 14)));
            if (Runs("storm"))
            {
                var storm = new JoinLeaveStorm(Nodes, await SignInAsync("storm", options.StormUsers), stormRooms);
                await MeasureAsync($"join/leave storm, {options.StormUsers} users, {options.StormRooms} rooms", "HttpClient",
                    () => Task.FromResult<Func<Task<RunOutcome>>>(async () => new RunOutcome(await storm.RunAsync(options.Duration, stop))),
                    warmUp: () => storm.RunAsync(options.Warmup, stop));
            }

            if (Runs("detail"))
            {
                await MeasureReadsAsync($"GET /api/rooms/{{id}}, {options.StormRooms} rooms", [.. stormRooms.Select(r => $"/api/rooms/{r}")]);
            }
        }

        if (Runs("list"))
        {
            await MeasureReadsAsync("GET /api/rooms?category=MEAL&size=20", ["/api/rooms?category=MEAL&size=20"]);
        }

        if (Runs("tickets"))
        {
            await MeasureTicketsAsync(joins.Users);
        }

        if (Runs("day"))
        {
            await MeasureDayListsAsync(joins.Users);
        }

        foreach (var (name, process) in deployment.Processes)
        {
            if (process.HasExited)
            {
                report.Note($"**{Shape}: {name} exited during the suite.**");
            }

            BenchmarkRunner.NoteServiceLog(report.Note, $"{Shape} {name}", process.Output);
        }

        if (createRetries > 0)
        {
            report.Note(Invariant($"{Shape}: {createRetries:N0} room creations (setup, not measured) failed or timed out and were sent again with their Idempotency-Key."));
        }

        report.Note(Invariant($"{Shape}: the suite took {clock.Elapsed.TotalMinutes:0.0} min after the processes were ready; load average at its end {File.ReadAllText("/proc/loadavg").Trim()}."));
    }

    private bool Runs(string measure) => options.ScaleMeasures.Contains(measure);

    private async Task MeasureJoinsAsync(PartnerJoins joins)
    {
        var expected = 1500.0;
        var warm = await joins.RunAsync(await joins.PrepareAsync(options.Rooms, expected, options.Warmup, stop), options.ScaleWorkers, options.Warmup, stop);
        Console.WriteLine(Invariant($"{Shape} durable joins: warm-up {warm.Load.Rate:N0}/s"));
        expected = Math.Max(expected, warm.Load.Rate);
        await MeasureAsync($"durable joins, {options.Rooms} rooms", "HttpClient", async () =>
        {
            var pool = await joins.PrepareAsync(options.Rooms, expected, options.Duration, stop);
            return async () =>
            {
                // A mark for a profiler attached from outside: the measured joins start now.
                Console.WriteLine($"{Shape} durable joins: measuring for {options.Duration.TotalSeconds:0} s");
                return new RunOutcome(await joins.RunAsync(pool, options.ScaleWorkers, options.Duration, stop));
            };
        });
    }

    private async Task MeasureReadsAsync(string workload, IReadOnlyList<string> paths)
    {
        var uris = Nodes.Select(n => n.BaseAddress).ToList();
        var driver = wrk is null ? "HttpClient" : Nodes.Count == 1 ? "wrk" : $"{Nodes.Count} wrk";
        await MeasureAsync(workload, driver,
            () => Task.FromResult<Func<Task<RunOutcome>>>(async () =>
            {
                if (wrk is null)
                {
                    return new RunOutcome(await NodeReads.RunAsync(Nodes, paths, options.ScaleWorkers, options.Duration, stop));
                }

                var (load, cpuSeconds) = await Wrk.RunOnNodesAsync(wrk, uris, paths, options.ScaleWorkers, options.WrkThreads, options.Duration, stop);
                return new RunOutcome(load, ExternalCpuSeconds: cpuSeconds);
            }),
            warmUp: async () => wrk is null
                ? await NodeReads.RunAsync(Nodes, paths, options.ScaleWorkers, options.Warmup, stop)
                : (await Wrk.RunOnNodesAsync(wrk, uris, paths, options.ScaleWorkers, options.WrkThreads, options.Warmup, stop)).Load);
    }

    private async Task MeasureTicketsAsync(IReadOnlyList<BenchUser> users)
    {
        var enqueues = new RandomEnqueues(Nodes, users);
        string[] both = [TicketBodies.Meal, TicketBodies.Study];
        var perCategory = Math.Max(1, options.ScaleWorkers / both.Length);
        await MeasureAsync("ticket PUTs, MEAL + STUDY at once", "HttpClient",
            () => Task.FromResult<Func<Task<RunOutcome>>>(async () => new RunOutcome(await enqueues.RunAsync(both, perCategory, options.Duration, stop))),
            warmUp: () => enqueues.RunAsync(both, perCategory, options.Warmup, stop));
    }

    /// <summary>Opens MEAL rooms on one day up to each count of <c>--day-rooms</c>, reading that day's first page at each.</summary>
    private async Task MeasureDayListsAsync(IReadOnlyList<BenchUser> owners)
    {
        var day = PartnerClient.Today().AddDays(DayOffset);
        var path = $"/api/rooms?category=MEAL&date={day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&size=20";
        var open = 0;
        foreach (var count in options.DayRooms)
        {
            var clock = Stopwatch.StartNew();
            var first = open;
            await Parallel.ForAsync(first, count, Parallelism(), async (i, ct) =>
                await CreateRoomAsync(i, owners[i % owners.Count], day, $"day-{i}", ct));
            open = count;
            Console.WriteLine($"{Shape}: {count - first:N0} rooms opened on {day:yyyy-MM-dd} at {(count - first) / clock.Elapsed.TotalSeconds:N0}/s, {count:N0} in all");
            using var page = await Nodes[^1].GetJsonAsync(path, stop);
            var items = page.RootElement.GetProperty("items").GetArrayLength();
            if (items != Math.Min(20, count))
            {
                report.Note(Invariant($"**{Shape}: the day's first page listed {items} rooms with {count:N0} open** (expected {Math.Min(20, count)}): the list lags behind the creations."));
            }

            await MeasureReadsAsync(DayListWorkload + Invariant($"{count:N0} rooms that day"), [path]);
        }
    }

    private async Task MeasureAsync(string workload, string driver, Func<Task<Func<Task<RunOutcome>>>> prepare, Func<Task<LoadResult>>? warmUp = null)
    {
        if (warmUp is not null)
        {
            var warm = await warmUp();
            Console.WriteLine(Invariant($"{Shape} {workload}: warm-up {warm.Rate:N0}/s"));
        }

        IReadOnlyDictionary<string, MessageCounts> messages = new Dictionary<string, MessageCounts>();
        var measurement = await session.MeasureOnlyAsync(deployment.Shape.Name, workload + ScaleReport.RoundSuffix(round), driver, async () =>
        {
            var run = await prepare();
            return async () =>
            {
                var before = await deployment.Messages.ReadAsync(stop);
                var outcome = await run();
                messages = OrleansMessages.Between(before, await deployment.Messages.ReadAsync(stop));
                return outcome;
            };
        }, report.Note);
        report.Add(new ScaleRun(deployment.Shape, measurement, workload, round, messages));
        Console.WriteLine(ScaleReport.Line(measurement));
    }

    private async Task<Guid[]> OpenRoomsAsync(string ownerPrefix, int count, Func<int, DateOnly> date)
    {
        var owners = await SignInAsync(ownerPrefix, count);
        var rooms = new Guid[count];
        await Parallel.ForAsync(0, count, Parallelism(), async (i, ct) =>
            rooms[i] = await CreateRoomAsync(i, owners[i], date(i), $"{ownerPrefix}-{i}", ct));
        return rooms;
    }

    /// <summary>
    /// Opens a MEAL room through node i mod n; a create that failed or timed out (an overloaded machine) is sent again with
    /// the same Idempotency-Key, so it opens one room at most.
    /// </summary>
    private async Task<Guid> CreateRoomAsync(int i, BenchUser owner, DateOnly date, string key, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Nodes[(i + attempt - 1) % Nodes.Count].CreateRoomAsync(owner, "MEAL", date, options.Capacity, cancellationToken, key);
            }
            catch (Exception ex) when (attempt < CreateAttempts && !cancellationToken.IsCancellationRequested
                && ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                Interlocked.Increment(ref createRetries);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private async Task<BenchUser[]> SignInAsync(string prefix, int count)
    {
        var users = new BenchUser[count];
        await Parallel.ForAsync(0, count, Parallelism(), async (i, ct) =>
            users[i] = await Nodes[i % Nodes.Count].SignInAsync(Invariant($"{prefix}{i:D5}"), ct));
        return users;
    }

    private ParallelOptions Parallelism() => new() { MaxDegreeOfParallelism = SetupParallelism, CancellationToken = stop };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
