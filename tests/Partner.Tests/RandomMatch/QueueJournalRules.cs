using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Partner.Catalog;
using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

public sealed class QueueJournalRules
{
    private const string Kind = "test-rmq-segment";
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(30);
    private static readonly CategoryDefinition Category = new("MEAL", [new DimensionDefinition("place", ["SEOCHO", "GAEPO"], MatchedInRandom: true)], 2);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
    private readonly MemorySegmentStorage storage = new();
    private readonly Guid[] users = [.. Enumerable.Range(0, 6).Select(_ => Guid.NewGuid())];

    [Fact]
    public async Task AReplayRebuildsTicketsAndOnlyTheEffectsNoMarkerSaysAreDone()
    {
        var matchId = Guid.NewGuid();
        await ScriptAsync(
            [Enqueued(1, 0), Enqueued(2, 1)],
            [new GroupMatched(matchId, [Member(1, 0), Member(2, 1)], Agreed, Now), Enqueued(3, 2)],
            [Enqueued(4, 3), new TicketsExpired([Member(3, 2)], Now)],
            [new EffectsSettled(2), new TicketCancelled(4, Now), Enqueued(5, 4)]);

        var queue = Queue();
        var (segments, nextSeq) = await queue.Journal.ReplayAsync(head: 0, nextSeq: 1, queue.Book, queue.Effects, waits: null);

        Assert.Equal(4, segments);
        Assert.Equal(6, nextSeq);
        Assert.Equal([5L], queue.Book.Waiting.Select(t => t.Seq));
        Assert.Equal(matchId, queue.Book.ViewOf(users[0], Now)?.MatchId);
        Assert.Equal(TicketStatus.Matched, queue.Book.ViewOf(users[1], Now)?.Status);
        Assert.Equal(TicketStatus.Expired, queue.Book.ViewOf(users[2], Now)?.Status);
        Assert.Equal(TicketStatus.Cancelled, queue.Book.ViewOf(users[3], Now)?.Status);

        // The match (segment 1, below the marker) was done; the expiry (segment 2) was not.
        Assert.Equal(1, queue.Effects.Outstanding);
        Assert.True(queue.Journal.IsSettled(1));
        Assert.False(queue.Journal.IsSettled(2));
        queue.Effects.Start();
        await queue.Timers.FireAsync();
        Assert.IsType<TicketsExpired>(Assert.Single(queue.Ran));
    }

    [Fact]
    public async Task ATicketCarriedForwardByCompactionLivesOnlyInItsNewSegment()
    {
        await ScriptAsync([Enqueued(1, 0)], [Enqueued(2, 1)], [Enqueued(1, 0)]);

        var queue = Queue();
        await queue.Journal.ReplayAsync(head: 0, nextSeq: 1, queue.Book, queue.Effects, waits: null);

        Assert.Equal(2, queue.Book.WaitingCount);
        Assert.True(queue.Journal.IsFree(0));
        Assert.False(queue.Journal.IsFree(2));
    }

    [Fact]
    public async Task ADoneEffectIsRecordedByTheNextAppendSoAReplayDoesNotRedoIt()
    {
        var queue = Queue();
        await queue.Journal.ReplayAsync(head: 0, nextSeq: 1, queue.Book, queue.Effects, waits: null);
        var segment = await queue.Journal.AppendAsync([new TicketsExpired([Member(1, 0)], Now)]);
        queue.Journal.EffectPending(segment);
        await queue.Journal.AppendAsync([new TicketCancelled(9, Now)]);
        Assert.Equal(1, (await ReplayedAsync()).Effects.Outstanding);

        queue.Journal.EffectDone(segment);
        Assert.True(queue.Journal.IsFree(segment));
        await queue.Journal.AppendAsync([new TicketCancelled(10, Now)]);

        Assert.Equal(0, (await ReplayedAsync()).Effects.Outstanding);
    }

    [Fact]
    public async Task AnAppendWithoutMarkerWritesOnlyItsEvents()
    {
        var queue = Queue();
        await queue.Journal.ReplayAsync(head: 0, nextSeq: 1, queue.Book, queue.Effects, waits: null);

        await queue.Journal.AppendAsync([new TicketCancelled(1, Now)], marked: false);
        await queue.Journal.AppendAsync([new TicketCancelled(2, Now)]);

        var stored = await new SegmentedLog<QueueEvent>(storage, Kind, "MEAL", 16).ReadFromAsync(0);
        Assert.Equal([typeof(TicketCancelled), typeof(EffectsSettled), typeof(TicketCancelled)], stored.Single().Items.Select(e => e.GetType()));
    }

    [Fact]
    public void APendingEffectKeepsItsSegmentUntilDone()
    {
        var journal = Queue().Journal;
        journal.EffectPending(2);
        Assert.False(journal.IsFree(2));
        Assert.False(journal.IsSettled(2));

        journal.EffectDone(2);
        Assert.True(journal.IsFree(2));
    }

    [Fact]
    public async Task TheHeadMovesPastSegmentsThatNoTicketAndNoEffectNeeds()
    {
        var queue = Queue(segmentEvents: 1);
        await FillAsync(queue, segments: 5);
        queue.Journal.Entered(3);
        queue.Journal.EffectPending(2);

        Assert.Equal(new CompactionPlan(2, null), queue.Journal.PlanCompaction(liveTickets: 1));

        queue.Journal.EffectDone(2);
        Assert.Equal(new CompactionPlan(3, null), queue.Journal.PlanCompaction(liveTickets: 1));
    }

    [Fact]
    public async Task TheOldestLiveSegmentIsCarriedOnlyWhenTooManyAreLiveAndItsEffectsAreDone()
    {
        var queue = Queue(segmentEvents: 16, maxLiveSegments: 3);
        await FillAsync(queue, segments: 5);
        queue.Journal.Entered(1);
        queue.Journal.EffectPending(1);

        Assert.Equal(new CompactionPlan(1, null), queue.Journal.PlanCompaction(liveTickets: 1));

        queue.Journal.EffectDone(1);
        Assert.Equal(new CompactionPlan(1, 1), queue.Journal.PlanCompaction(liveTickets: 1));

        // Many live tickets: the segments are needed, carrying would only copy them.
        Assert.Equal(new CompactionPlan(1, null), queue.Journal.PlanCompaction(liveTickets: 40));
    }

    [Fact]
    public async Task DroppingBelowANewHeadDeletesThoseSegmentsRows()
    {
        var queue = Queue(segmentEvents: 1);
        await FillAsync(queue, segments: 4);

        await queue.Journal.DropBelowAsync(2);

        Assert.Equal(2, queue.Journal.Head);
        var log = new SegmentedLog<QueueEvent>(storage, Kind, "MEAL", 1);
        Assert.Equal(new HashSet<GrainId> { log.Id(2), log.Id(3) }, storage.Rows.ToHashSet());
    }

    [Fact]
    public async Task ASweepRecordsTheGroupsOfReplayedTicketsSoTheNextReplayFindsThemMatchedWithTheirEffectPending()
    {
        await ScriptAsync([Enqueued(1, 0)], [Enqueued(2, 1)]);
        var queue = await ReplayedAsync();

        await queue.Journal.SweepAsync(queue.Book, queue.Effects, Now);

        Assert.Equal(0, queue.Book.WaitingCount);
        Assert.Equal(1, queue.Effects.Outstanding);
        Assert.False(queue.Journal.IsSettled(queue.Journal.Tail));
        var again = await ReplayedAsync();
        Assert.Equal(0, again.Book.WaitingCount);
        Assert.Equal(TicketStatus.Matched, again.Book.ViewOf(users[1], Now)?.Status);
        Assert.Equal(1, again.Effects.Outstanding);
    }

    [Fact]
    public async Task CompactionCarriesTheOldestLiveTicketsToTheTailAndStoresTheNewHeadBeforeDeletingBelowIt()
    {
        var queue = Queue(segmentEvents: 16, maxLiveSegments: 3);
        await FillAsync(queue, segments: 5);
        var carried = queue.Book.Replay(Enqueued(1, 0), segment: 1);
        var log = new SegmentedLog<QueueEvent>(storage, Kind, "MEAL", 16);
        var stored = new List<(long Head, bool OldRowsThere)>();

        await queue.Journal.CompactAsync(queue.Book, events => queue.Journal.AppendAsync(events), head =>
        {
            stored.Add((head, storage.Rows.Contains(log.Id(0))));
            return Task.CompletedTask;
        });

        Assert.Equal([(2L, true)], stored);
        Assert.Equal(queue.Journal.Tail, carried.Home);
        Assert.Equal(2, queue.Journal.Head);
        Assert.DoesNotContain(log.Id(1), storage.Rows);
        var replayed = Queue();
        await replayed.Journal.ReplayAsync(head: 2, nextSeq: 1, replayed.Book, replayed.Effects, waits: null);
        Assert.Equal([1L], replayed.Book.Waiting.Select(t => t.Seq));
    }

    [Fact]
    public async Task CompactionStoresNothingWhenTheHeadCannotMove()
    {
        var queue = Queue(segmentEvents: 1);
        await FillAsync(queue, segments: 3);
        queue.Journal.Entered(0);
        var stored = 0;

        await queue.Journal.CompactAsync(queue.Book, events => queue.Journal.AppendAsync(events), _ =>
        {
            stored++;
            return Task.CompletedTask;
        });

        Assert.Equal(0, stored);
        Assert.Equal(0, queue.Journal.Head);
    }

    private DateTimeOffset Now => clock.GetUtcNow();

    private static ImmutableDictionary<string, ImmutableArray<string>> Agreed => ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("place", ["SEOCHO"]);

    private TicketEnqueued Enqueued(long seq, int user) =>
        new(seq, users[user], $"user{user}", ImmutableDictionary<string, ImmutableArray<string>>.Empty, Now, Now + TimeSpan.FromMinutes(30));

    private GroupMember Member(long seq, int user) => new(seq, users[user], $"user{user}");

    /// <summary>Writes the segments as given (no markers added), numbered from 0.</summary>
    private async Task ScriptAsync(params QueueEvent[][] segments)
    {
        var log = new SegmentedLog<QueueEvent>(storage, Kind, "MEAL", 1);
        foreach (var segment in segments)
        {
            await log.AppendAsync(segment);
        }
    }

    private static async Task FillAsync(TestQueue queue, int segments)
    {
        await queue.Journal.ReplayAsync(head: 0, nextSeq: 1, queue.Book, queue.Effects, waits: null);
        while (queue.Journal.Tail < segments - 1 || queue.Journal.NextSegment == queue.Journal.Tail)
        {
            await queue.Journal.AppendAsync([new TicketCancelled(queue.Journal.Tail, DateTimeOffset.UnixEpoch)], marked: false);
        }
    }

    private async Task<TestQueue> ReplayedAsync()
    {
        var queue = Queue();
        await queue.Journal.ReplayAsync(head: 0, nextSeq: 1, queue.Book, queue.Effects, waits: null);
        return queue;
    }

    private TestQueue Queue(int segmentEvents = 16, int maxLiveSegments = 32)
    {
        var journal = new QueueJournal(new SegmentedLog<QueueEvent>(storage, Kind, "MEAL", segmentEvents), segmentEvents, maxLiveSegments, NullLogger.Instance, "MEAL");
        var book = new TicketBook("MEAL", new RandomMatcher(Category), Retention, clock, journal);
        var ran = new List<QueueEvent>();
        var timers = new ManualEffectTimers();
        var effects = new QueueEffects(8, TimeSpan.FromSeconds(2), e =>
        {
            ran.Add(e);
            return Task.CompletedTask;
        }, journal.EffectDone, timers.Start, clock, NullLogger.Instance, "MEAL");
        return new TestQueue(journal, book, effects, timers, ran);
    }

    private sealed record TestQueue(QueueJournal Journal, TicketBook Book, QueueEffects Effects, ManualEffectTimers Timers, List<QueueEvent> Ran);
}
