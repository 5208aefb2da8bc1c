using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

public sealed class QueueEffectsRules
{
    private static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider clock = new();
    private readonly ManualEffectTimers timers = new();
    private readonly List<(QueueEvent Effect, TaskCompletionSource Run)> started = [];
    private readonly List<long> done = [];

    [Fact]
    public async Task EffectsStartInJournalOrderThroughAtMostTheirLanes()
    {
        var effects = Effects(lanes: 2);
        var queued = Enumerable.Range(0, 5).Select(i => Effect(i)).ToArray();
        for (var i = 0; i < queued.Length; i++)
        {
            effects.Add(queued[i], segment: i);
        }

        effects.Start();
        await timers.FireAsync();
        Assert.Equal(queued[..2], Started);
        Assert.Equal(2, effects.Running);

        started[1].Run.SetResult();
        Assert.Equal(queued[..3], Started);
        started[0].Run.SetResult();
        started[2].Run.SetResult();
        started[3].Run.SetResult();
        started[4].Run.SetResult();

        Assert.Equal(queued, Started);
        Assert.Equal([1L, 0, 2, 3, 4], done);
        Assert.Equal(0, effects.Outstanding);
        Assert.Equal(0, effects.Running);
    }

    [Fact]
    public async Task MoreLanesJoinAsEffectsArriveWhileOthersRun()
    {
        var effects = Effects(lanes: 3);
        effects.Add(Effect(0), segment: 0);
        effects.Start();
        await timers.FireAsync();
        Assert.Equal(1, effects.Running);

        effects.Add(Effect(1), segment: 0);
        effects.Add(Effect(2), segment: 0);
        effects.Start();
        await timers.FireAsync();

        Assert.Equal(3, effects.Running);
        Assert.Equal([Effect(0), Effect(1), Effect(2)], Started);
    }

    [Fact]
    public async Task AFailingEffectPausesEveryLaneAndIsRetriedAfterABackoffThatDoublesUntilOneSucceeds()
    {
        var effects = Effects(lanes: 1);
        effects.Add(Effect(0), segment: 0);
        effects.Add(Effect(1), segment: 1);
        effects.Start();
        await timers.FireAsync();

        started[0].Run.SetException(new IOException("down"));
        Assert.Single(started);
        effects.Start();
        Assert.Equal(1, timers.Armed);

        await timers.FireAsync();
        started[1].Run.SetException(new IOException("down"));
        await timers.FireAsync();
        Assert.Equal(Effect(0), started[2].Effect);
        started[2].Run.SetResult();
        started[3].Run.SetResult();
        Assert.Equal([0L, 1], done);

        effects.Add(Effect(2), segment: 2);
        effects.Start();
        await timers.FireAsync();
        started[4].Run.SetException(new IOException("down"));

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.Zero, TimeSpan.FromMilliseconds(200)], timers.Delays);
        Assert.Equal(1, effects.Outstanding);
    }

    [Fact]
    public Task CatchingUpWaitsWhileTheOldestEffectLagsAndReturnsOnceItsSuccessorsGetThrough() => OneTurnAtATime(async () =>
    {
        var effects = Effects(lanes: 1);
        for (var i = 0; i < 3; i++)
        {
            effects.Add(Effect(i), segment: 0);
        }

        Assert.True(effects.CaughtUpAsync().IsCompletedSuccessfully);
        effects.Start();
        await timers.FireAsync();
        clock.Advance(MaxLag + TimeSpan.FromSeconds(1));

        var caughtUp = effects.CaughtUpAsync();
        Assert.False(caughtUp.IsCompleted);

        // One done in 3 s: the two left would take longer than the lag at that rate.
        started[0].Run.SetResult();
        Assert.False(caughtUp.IsCompleted);

        // None waits to start any more.
        started[1].Run.SetResult();
        await caughtUp;
    });

    [Fact]
    public Task AFailureReleasesTheWaitRatherThanHoldingTicketsForIt() => OneTurnAtATime(async () =>
    {
        var effects = Effects(lanes: 1);
        effects.Add(Effect(0), segment: 0);
        effects.Add(Effect(1), segment: 0);
        effects.Start();
        await timers.FireAsync();
        clock.Advance(MaxLag + TimeSpan.FromSeconds(1));
        var caughtUp = effects.CaughtUpAsync();
        Assert.False(caughtUp.IsCompleted);

        started[0].Run.SetException(new IOException("down"));

        await caughtUp;
        Assert.Equal(2, effects.Outstanding);
    });

    [Fact]
    public void AReplayedMarkerDropsTheEffectsRecordedBelowItAndNamesTheirSegments()
    {
        var effects = Effects(lanes: 1);
        effects.Add(Effect(0), segment: 0);
        effects.Add(Effect(1), segment: 1);
        effects.Add(Effect(2), segment: 3);
        effects.Add(Effect(3), segment: 1);

        Assert.Equal([0L, 1, 1], effects.DropBelow(2));
        Assert.Equal(1, effects.Outstanding);
    }

    /// <summary>Runs the test as a grain runs its turns: continuations (a released wait re-checking) only between the test's steps.</summary>
    private static Task OneTurnAtATime(Func<Task> test) =>
        Task.Factory.StartNew(test, CancellationToken.None, TaskCreationOptions.None, new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Unwrap();

    private IEnumerable<QueueEvent> Started => started.Select(s => s.Effect);

    private static TicketCancelled Effect(int seq) => new(seq, DateTimeOffset.UnixEpoch);

    private QueueEffects Effects(int lanes) => new(
        lanes,
        MaxLag,
        effect =>
        {
            var run = new TaskCompletionSource();
            started.Add((effect, run));
            return run.Task;
        },
        done.Add,
        timers.Start,
        clock,
        NullLogger.Instance,
        "MEAL");
}
