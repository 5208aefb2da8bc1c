using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Matches;
using Partner.Tests.Api;
using IRandomMatchQueueGrain = Partner.RandomMatch.IRandomMatchQueueGrain;

namespace Partner.Tests.RandomMatch;

/// <summary>
/// A burst of groups does not flood the silo: the queue runs at most <c>MaxEffectsInFlight</c> match creations at
/// once, still creates every match exactly once, and retries the ones that failed.
/// </summary>
public sealed class EffectLanes : IDisposable
{
    private const string Category = "Q2_0";
    private PartnerApiFactory? factory;

    public void Dispose() => factory?.Dispose();

    [Fact]
    public async Task ABurstOfGroupsIsCreatedAFewAtATimeEachOnceWithFailuresRetried()
    {
        const int lanes = 3;
        const int pairs = 40;
        var creates = new SlowCreates(TimeSpan.FromMilliseconds(20), failEvery: 5);
        var api = Start(creates, lanes, maxEffectLag: TimeSpan.FromMinutes(1));
        var users = await Task.WhenAll(Enumerable.Range(0, 2 * pairs).Select(_ => api.SignInAsync()));

        // Every user takes one cell shared with exactly one other: the pairs form while earlier matches are still being created.
        var tickets = await Task.WhenAll(users.Select((user, i) => Task.Run(async () => await (await user.PutTicketAsync(Category, Cell(i % pairs))).TicketAsync())));
        var matchIds = tickets.Where(t => t.GetProperty("status").GetString() == "MATCHED").Select(t => t.GetProperty("matchId").GetGuid()).ToHashSet();
        Assert.Equal(pairs, matchIds.Count);

        await QueueTestCatalog.EventuallyAsync(() => Task.FromResult(matchIds.All(creates.Completed.ContainsKey)), "every match created", timeoutSeconds: 30);
        Assert.InRange(creates.MostAtOnce, 2, lanes);
        Assert.NotEmpty(creates.Failed);
        Assert.All(matchIds, id => Assert.Equal(1, creates.Completed[id]));
        foreach (var user in users)
        {
            var history = await user.Http.GetFromJsonAsync<JsonElement>($"/api/matches?category={Category}");
            Assert.Single(history.GetProperty("items").EnumerateArray());
        }
    }

    [Fact]
    public async Task AnOverloadedQueueSlowsItsAnswersDownInsteadOfLettingMatchesLagBehind()
    {
        const int pairs = 200;
        // Unchecked, the backlog of answered matches not yet being created grows with every pair (80 of 100 pairs measured
        // on a quiet machine); held to a 20 ms lag with 25 ms creates it stays at a few, up to 18 measured in a loaded CI run.
        // The bound sits between the two, leaving room for a busy machine's stalls without timing anything.
        const int backlogBound = 50;
        var creates = new SlowCreates(TimeSpan.FromMilliseconds(25));
        var api = Start(creates, lanes: 1, maxEffectLag: TimeSpan.FromMilliseconds(20));
        var users = await Task.WhenAll(Enumerable.Range(0, 2 * pairs).Select(_ => api.SignInAsync()));

        // One match at a time, 25 ms each, while pairs come as fast as the queue answers them (about 1 ms a PUT here).
        var answered = new List<(Guid MatchId, long At)>();
        for (var i = 0; i < pairs; i++)
        {
            await (await users[2 * i].PutTicketAsync(Category, Cell(i % Cells.Length))).TicketAsync();
            var matched = await (await users[(2 * i) + 1].PutTicketAsync(Category, Cell(i % Cells.Length))).TicketAsync();
            answered.Add((matched.GetProperty("matchId").GetGuid(), Stopwatch.GetTimestamp()));
        }

        // Whenever a pair was answered, count the matches answered before it whose creation had not started yet.
        var backlogs = answered.Select((answer, i) => answered.Take(i)
            .Count(earlier => !creates.Started.TryGetValue(earlier.MatchId, out var started) || started > answer.At)).ToList();
        Assert.True(backlogs.Max() <= backlogBound, $"up to {backlogs.Max()} answered matches were waiting to be created when a later pair was answered (bound {backlogBound})");

        await QueueTestCatalog.EventuallyAsync(() => Task.FromResult(creates.Completed.Count == pairs), "every match created");
    }

    [Fact]
    public async Task ReadsAndCancelsGoOnWhileEnqueuesAreHeldBack()
    {
        var creates = new SlowCreates(TimeSpan.Zero);
        var api = Start(creates, lanes: 1, maxEffectLag: TimeSpan.FromMilliseconds(10));
        var users = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => api.SignInAsync()));
        var reader = users[^1];
        await (await reader.PutTicketAsync(Category, Cell(Cells.Length - 1))).TicketAsync();

        // The first match's creation blocks, so the second waits behind it and grows older than the lag.
        var gate = creates.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<HttpResponseMessage> held;
        try
        {
            for (var i = 0; i < 2; i++)
            {
                await (await users[2 * i].PutTicketAsync(Category, Cell(i))).TicketAsync();
                await (await users[(2 * i) + 1].PutTicketAsync(Category, Cell(i))).TicketAsync();
            }

            // Older than the 10 ms lag by then, so the next batch must wait for the effects.
            await Task.Delay(50);
            held = users[4].PutTicketAsync(Category, Cell(2));
            // The front asks the queue to wait for its effects only when it has a batch to send: this one.
            await creates.HoldBegan.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(held.IsCompleted, "an enqueue behind lagging effects was not held back");

            // Held in the queue's own turn, these would wait for the gate, which opens only after them.
            var queue = await reader.QueueAsync(Category).WaitAsync(TimeSpan.FromSeconds(10));
            var cancel = await reader.Http.DeleteAsync($"/api/random-match/{Category}/ticket").WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("WAITING", queue.GetProperty("ticket").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
            Assert.False(held.IsCompleted);
        }
        finally
        {
            gate.TrySetResult();
        }

        Assert.Equal("WAITING", (await (await held).TicketAsync()).GetProperty("status").GetString());
        await QueueTestCatalog.EventuallyAsync(() => Task.FromResult(creates.Completed.Count == 2), "every match created");
    }

    [Fact]
    public async Task FailingEffectsDoNotHoldTicketsUp()
    {
        var creates = new SlowCreates(TimeSpan.Zero, failEvery: 1);
        var api = Start(creates, lanes: 1, maxEffectLag: TimeSpan.FromMilliseconds(10));
        var users = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => api.SignInAsync()));

        for (var i = 0; i < 10; i++)
        {
            await (await users[2 * i].PutTicketAsync(Category, Cell(i))).TicketAsync();
            await Task.Delay(20);
            var matched = await (await users[(2 * i) + 1].PutTicketAsync(Category, Cell(i))).TicketAsync();
            Assert.Equal("MATCHED", matched.GetProperty("status").GetString());
        }

        Assert.Empty(creates.Completed);
        Assert.NotEmpty(creates.Failed);
    }

    private PartnerApiFactory Start(SlowCreates creates, int lanes, TimeSpan maxEffectLag)
    {
        var settings = QueueTestCatalog.Settings(2, 2);
        settings["Partner:RandomMatch:MaxEffectsInFlight"] = lanes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Partner:RandomMatch:MaxEffectLag"] = maxEffectLag.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        factory = new PartnerApiFactory
        {
            Settings = settings,
            ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(creates),
        };
        return factory;
    }

    private static readonly object[] Cells = [.. QueueTestCatalog.Places.SelectMany(p => QueueTestCatalog.Times.SelectMany(t => QueueTestCatalog.Ways.Select(w =>
        (object)new { place = new[] { p }, timeOfEating = new[] { t }, wayOfEating = new[] { w } })))];

    private static object Cell(int n) => Cells[n];

    /// <summary>Makes each match creation take <paramref name="delay"/>, fails every <paramref name="failEvery"/>th call (at most once per match; 0: never), and counts.</summary>
    private sealed class SlowCreates(TimeSpan delay, int failEvery = 0) : IIncomingGrainCallFilter
    {
        private int running;
        private int calls;
        private int mostAtOnce;

        public ConcurrentDictionary<Guid, int> Completed { get; } = new();

        /// <summary>When each match's first creation began (<see cref="Stopwatch.GetTimestamp"/>).</summary>
        public ConcurrentDictionary<Guid, long> Started { get; } = new();

        public ConcurrentDictionary<Guid, bool> Failed { get; } = new();

        public int MostAtOnce => Volatile.Read(ref mostAtOnce);

        /// <summary>When set, every creation waits for it after its delay.</summary>
        public TaskCompletionSource? Gate { get; set; }

        /// <summary>Set when a queue is first asked to wait for its effects (back-pressure holding a batch).</summary>
        public TaskCompletionSource HoldBegan { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(IRandomMatchQueueGrain.EffectsCaughtUp) && context.InterfaceMethod.DeclaringType == typeof(IRandomMatchQueueGrain))
            {
                HoldBegan.TrySetResult();
            }

            if (context.InterfaceMethod?.Name != nameof(IMatchGrain.Create) || context.InterfaceMethod.DeclaringType != typeof(IMatchGrain))
            {
                await context.Invoke();
                return;
            }

            var matchId = context.TargetId.GetGuidKey();
            Started.TryAdd(matchId, Stopwatch.GetTimestamp());
            var now = Interlocked.Increment(ref running);
            try
            {
                int seen;
                while (now > (seen = Volatile.Read(ref mostAtOnce)) && Interlocked.CompareExchange(ref mostAtOnce, now, seen) != seen)
                {
                }

                await Task.Delay(delay);
                if (Gate is { } gate)
                {
                    await gate.Task;
                }

                if (failEvery > 0 && Interlocked.Increment(ref calls) % failEvery == 0 && (Failed.TryAdd(matchId, true) || failEvery == 1))
                {
                    throw new TimeoutException("injected: the match grain did not answer");
                }

                await context.Invoke();
                Completed.AddOrUpdate(matchId, 1, (_, n) => n + 1);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }
    }
}
