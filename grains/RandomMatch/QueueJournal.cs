using Microsoft.Extensions.Logging;

namespace Partner.RandomMatch;

/// <summary>Told when a ticket's journal records arrive in, or leave, a segment: such a segment must stay.</summary>
public interface IJournalResidency
{
    void Entered(long segment);

    void Left(long segment);
}

/// <summary>How compaction can move the journal's head now.</summary>
/// <param name="NewHead">The first segment still needed.</param>
/// <param name="Carry">A segment whose live tickets are to be re-recorded at the tail first (the head then moves past it too).</param>
public sealed record CompactionPlan(long NewHead, long? Carry);

/// <summary>
/// A queue's durable journal: the segmented log of its events; per segment, how many live tickets keep their records
/// there and how many effects recorded there are not done, with the <see cref="EffectsSettled"/> markers that ride on
/// appends to say which are done; the replay that rebuilds the tickets and pending effects; and the compaction that
/// moves the head past segments nobody needs.
/// </summary>
public sealed partial class QueueJournal(SegmentedLog<QueueEvent> log, int segmentEvents, int maxLiveSegments, ILogger logger, string category) : IJournalResidency
{
    private readonly Dictionary<long, SegmentUse> segments = [];
    private readonly SortedSet<long> unsettled = [];
    private long settledBelow;
    private bool effectsDoneSinceMarker;

    /// <summary>The first segment still needed (as stored in the queue's own row).</summary>
    public long Head { get; private set; }

    /// <summary>The segment new events go to.</summary>
    public long Tail => log.Tail;

    /// <summary>The segment the next append will go to.</summary>
    public long NextSegment => log.NextSegment;

    /// <summary>
    /// Reads the segments from <paramref name="head"/> on and replays them in order into the book (tickets), the waits
    /// (arrivals) and the effects (the ones no marker says are done); returns the segments read and the next free seq.
    /// </summary>
    public async Task<(int Segments, long NextSeq)> ReplayAsync(long head, long nextSeq, TicketBook book, QueueEffects effects, TicketWaits? waits)
    {
        Head = head;
        var stored = await log.ReadFromAsync(head);
        foreach (var (number, items) in stored)
        {
            foreach (var recorded in items)
            {
                switch (recorded)
                {
                    case TicketEnqueued enqueued when book.BySeq(enqueued.Seq) is { } carried:
                        book.MoveTo(carried, number);
                        break;
                    case TicketEnqueued enqueued:
                        var ticket = book.Replay(enqueued, number);
                        waits?.Arrived(ticket);
                        nextSeq = Math.Max(nextSeq, enqueued.Seq + 1);
                        break;
                    case GroupMatched or TicketsExpired:
                        book.End(recorded, fromMatcher: false);
                        AddEffect(effects, recorded, number);
                        break;
                    case TicketCancelled:
                        book.End(recorded, fromMatcher: false);
                        break;
                    case TicketFinished finished:
                        book.Replay(finished, number);
                        break;
                    case EffectsSettled settled:
                        foreach (var segment in effects.DropBelow(settled.Below))
                        {
                            Settle(segment);
                        }

                        settledBelow = Math.Max(settledBelow, settled.Below);
                        break;
                }
            }
        }

        return (stored.Count, nextSeq);
    }

    /// <summary>
    /// After the replay: records the groups a catalog change made possible among the waiting tickets
    /// (<see cref="TicketBook.Sweep"/>) in one append, ends their tickets and queues their effects.
    /// </summary>
    public async Task SweepAsync(TicketBook book, QueueEffects effects, DateTimeOffset now)
    {
        var groups = book.Sweep(now);
        if (groups.Count == 0)
        {
            return;
        }

        var segment = await AppendAsync(groups, marked: false);
        foreach (var matched in groups)
        {
            book.End(matched, fromMatcher: false);
            AddEffect(effects, matched, segment);
        }
    }

    /// <summary>
    /// Appends the events durably in one segment; returns its number. Unless <paramref name="marked"/> is false, an
    /// <see cref="EffectsSettled"/> marker rides along ahead of them when effects were done since the last one. After a
    /// failure the owner must reload: the write may have landed.
    /// </summary>
    public async Task<long> AppendAsync(IReadOnlyCollection<QueueEvent> events, bool marked = true)
    {
        var below = unsettled.Count == 0 ? log.Tail + 1 : unsettled.Min;
        if (marked && (below > settledBelow || effectsDoneSinceMarker))
        {
            events = [new EffectsSettled(below), .. events];
            effectsDoneSinceMarker = false;
        }

        var segment = await log.AppendAsync(events);
        if (marked)
        {
            settledBelow = Math.Max(settledBelow, below);
        }

        return segment;
    }

    public void Entered(long segment) => Use(segment).Live++;

    public void Left(long segment) => Use(segment).Live--;

    /// <summary>Queues the effect of an event recorded in <paramref name="segment"/>, which stays until it is done.</summary>
    public void AddEffect(QueueEffects effects, QueueEvent effect, long segment)
    {
        effects.Add(effect, segment);
        EffectPending(segment);
    }

    /// <summary>An effect recorded in <paramref name="segment"/> is pending: the segment stays until it is done.</summary>
    public void EffectPending(long segment)
    {
        Use(segment).Unsettled++;
        unsettled.Add(segment);
    }

    /// <summary>An effect recorded in <paramref name="segment"/> is done; the next append records it.</summary>
    public void EffectDone(long segment)
    {
        Settle(segment);
        effectsDoneSinceMarker = true;
    }

    /// <summary>True when no live ticket and no pending effect needs the segment.</summary>
    public bool IsFree(long segment) => segments.GetValueOrDefault(segment) is null or { Live: 0, Unsettled: 0 };

    /// <summary>True when no pending effect needs the segment (its live tickets can be carried away).</summary>
    public bool IsSettled(long segment) => segments.GetValueOrDefault(segment) is null or { Unsettled: 0 };

    /// <summary>
    /// The head moves past the free segments. When more segments are live than allowed (and than twice what the
    /// <paramref name="liveTickets"/> fill) and the oldest is settled, its tickets are to be carried to the tail first:
    /// only when at most half the live journal is still needed, so each ticket is copied O(1) times on average.
    /// </summary>
    public CompactionPlan PlanCompaction(int liveTickets)
    {
        var newHead = Head;
        while (newHead < log.Tail && IsFree(newHead))
        {
            newHead++;
        }

        var needed = (liveTickets / segmentEvents) + 1;
        var carry = log.Tail - newHead + 1 > Math.Max(maxLiveSegments, 2 * needed) && IsSettled(newHead);
        return new CompactionPlan(newHead, carry ? newHead : null);
    }

    /// <summary>
    /// Moves the head past the segments nobody needs (<see cref="PlanCompaction"/>), first carrying the oldest segment's
    /// live tickets to the tail through <paramref name="append"/> (same seq, same deadline) when the plan says so; the
    /// new head is stored by <paramref name="storeHead"/> before any segment below it is deleted.
    /// </summary>
    public async Task CompactAsync(TicketBook book, Func<IReadOnlyCollection<QueueEvent>, Task<long>> append, Func<long, Task> storeHead)
    {
        var (newHead, carry) = PlanCompaction(book.LiveCount);
        if (carry is { } oldest)
        {
            var (waiting, finished) = book.LivingIn(oldest);
            var segment = await append([.. waiting.Select(TicketBook.Enqueued), .. finished.Select(TicketBook.Snapshot)]);
            foreach (var ticket in waiting.Concat<IJournalResident>(finished))
            {
                book.MoveTo(ticket, segment);
            }

            newHead = oldest + 1;
        }

        if (newHead == Head)
        {
            return;
        }

        await storeHead(newHead);
        await DropBelowAsync(newHead);
    }

    /// <summary>Deletes the segments below <paramref name="newHead"/>, once the owner has stored that head.</summary>
    public async Task DropBelowAsync(long newHead)
    {
        for (var number = Head; number < newHead; number++)
        {
            segments.Remove(number);
            unsettled.Remove(number);
            try
            {
                await log.ClearAsync(number);
            }
            catch (Exception ex)
            {
                // Below the stored head, a leftover segment is never read again; it only takes space.
                LogSegmentNotDeleted(logger, ex, category, number);
            }
        }

        Head = Math.Max(Head, newHead);
    }

    private void Settle(long segment)
    {
        if (--Use(segment).Unsettled == 0)
        {
            unsettled.Remove(segment);
        }
    }

    private SegmentUse Use(long segment)
    {
        if (!segments.TryGetValue(segment, out var use))
        {
            segments[segment] = use = new SegmentUse();
        }

        return use;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Category}: compacted journal segment {Segment} could not be deleted")]
    private static partial void LogSegmentNotDeleted(ILogger logger, Exception exception, string category, long segment);

    private sealed class SegmentUse
    {
        /// <summary>Waiting tickets, and finished ones still visible, whose records live in this segment.</summary>
        public int Live { get; set; }

        /// <summary>Effects recorded in this segment that are not done yet.</summary>
        public int Unsettled { get; set; }
    }
}
