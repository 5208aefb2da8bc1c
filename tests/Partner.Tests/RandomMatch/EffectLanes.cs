using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Matches;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

/// <summary>
/// A burst of groups does not flood the silo: the queue runs at most <c>MaxEffectsInFlight</c> match creations at
/// once, still creates every match exactly once, and retries the ones that failed.
/// </summary>
public sealed class EffectLanes : IDisposable
{
    private const int Lanes = 3;
    private readonly SlowCreates creates = new();
    private readonly PartnerApiFactory factory;

    public EffectLanes()
    {
        var settings = QueueTestCatalog.Settings(2, 2);
        settings["Partner:RandomMatch:MaxEffectsInFlight"] = Lanes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        factory = new PartnerApiFactory
        {
            Settings = settings,
            ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(creates),
        };
    }

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task ABurstOfGroupsIsCreatedAFewAtATimeEachOnceWithFailuresRetried()
    {
        const string category = "Q2_0";
        const int pairs = 40;
        var users = await Task.WhenAll(Enumerable.Range(0, 2 * pairs).Select(_ => factory.SignInAsync()));

        // Every user takes one cell shared with exactly one other: the pairs form while earlier matches are still being created.
        var cells = QueueTestCatalog.Places.SelectMany(p => QueueTestCatalog.Times.SelectMany(t => QueueTestCatalog.Ways.Select(w => new { place = new[] { p }, timeOfEating = new[] { t }, wayOfEating = new[] { w } }))).ToArray();
        var tickets = await Task.WhenAll(users.Select((user, i) => Task.Run(async () => await (await user.PutTicketAsync(category, cells[i % pairs])).TicketAsync())));
        var matchIds = tickets.Where(t => t.GetProperty("status").GetString() == "MATCHED").Select(t => t.GetProperty("matchId").GetGuid()).ToHashSet();
        Assert.Equal(pairs, matchIds.Count);

        await QueueTestCatalog.EventuallyAsync(() => Task.FromResult(matchIds.All(creates.Completed.ContainsKey)), "every match created", timeoutSeconds: 30);
        Assert.InRange(creates.MostAtOnce, 2, Lanes);
        Assert.NotEmpty(creates.Failed);
        Assert.All(matchIds, id => Assert.Equal(1, creates.Completed[id]));
        foreach (var user in users)
        {
            var history = await user.Http.GetFromJsonAsync<JsonElement>($"/api/matches?category={category}");
            Assert.Single(history.GetProperty("items").EnumerateArray());
        }
    }

    /// <summary>Makes each match creation take a while (so lanes overlap), fails every fifth call (once per match), and counts.</summary>
    private sealed class SlowCreates : IIncomingGrainCallFilter
    {
        private int running;
        private int calls;
        private int mostAtOnce;

        public ConcurrentDictionary<Guid, int> Completed { get; } = new();

        public ConcurrentDictionary<Guid, bool> Failed { get; } = new();

        public int MostAtOnce => Volatile.Read(ref mostAtOnce);

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name != nameof(IMatchGrain.Create) || context.InterfaceMethod.DeclaringType != typeof(IMatchGrain))
            {
                await context.Invoke();
                return;
            }

            var matchId = context.TargetId.GetGuidKey();
            var now = Interlocked.Increment(ref running);
            try
            {
                int seen;
                while (now > (seen = Volatile.Read(ref mostAtOnce)) && Interlocked.CompareExchange(ref mostAtOnce, now, seen) != seen)
                {
                }

                await Task.Delay(20);
                if (Interlocked.Increment(ref calls) % 5 == 0 && Failed.TryAdd(matchId, true))
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
