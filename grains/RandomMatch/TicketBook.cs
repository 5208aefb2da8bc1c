using System.Collections.Immutable;

namespace Partner.RandomMatch;

/// <summary>A ticket whose records live in one journal segment, which must stay until they move on.</summary>
public interface IJournalResident
{
    /// <summary>The journal segment holding the ticket's latest records.</summary>
    long Home { get; set; }
}

/// <summary>A finished ticket its owner can still see (and a retried request still finds) until <see cref="VisibleUntil"/>.</summary>
public sealed record FinishedTicket(Guid UserId, long Seq, TicketView View, string? RequestId, DateTimeOffset EndedAt, DateTimeOffset VisibleUntil) : IJournalResident
{
    /// <summary>The journal segment whose records this ticket needs kept.</summary>
    public long Home { get; set; }
}

/// <summary>
/// What a queue knows about its tickets, in memory: the waiting ones (also in the matcher, by deadline, by
/// seq) and the recently finished ones. The journal is told which segment each one's records live in.
/// </summary>
public sealed class TicketBook(string category, RandomMatcher matcher, TimeSpan retention, TimeProvider clock, IJournalResidency journal)
{
    private readonly Dictionary<Guid, WaitingTicket> waiting = [];
    private readonly Dictionary<long, WaitingTicket> bySeq = [];
    private readonly SortedSet<(DateTimeOffset ExpiresAt, long Seq)> deadlines = [];
    private readonly Dictionary<Guid, FinishedTicket> finished = [];
    private readonly SortedSet<(DateTimeOffset VisibleUntil, long Seq, Guid UserId)> visibility = [];

    public int WaitingCount => waiting.Count;

    /// <summary>Waiting plus visible finished tickets: what a replay must find in the journal.</summary>
    public int LiveCount => waiting.Count + finished.Count;

    public IEnumerable<WaitingTicket> Waiting => waiting.Values;

    public DateTimeOffset? NextDeadline => deadlines.Count == 0 ? null : deadlines.Min.ExpiresAt;

    public bool TryGetWaiting(Guid userId, out WaitingTicket ticket) => waiting.TryGetValue(userId, out ticket!);

    public WaitingTicket? BySeq(long seq) => bySeq.GetValueOrDefault(seq);

    /// <summary>Waiting tickets whose deadline is at or before <paramref name="now"/>, earliest first.</summary>
    public List<WaitingTicket> Due(DateTimeOffset now)
    {
        var due = new List<WaitingTicket>();
        foreach (var (expiresAt, seq) in deadlines)
        {
            if (expiresAt > now)
            {
                break;
            }

            due.Add(bySeq[seq]);
        }

        return due;
    }

    /// <summary>The expiry of the waiting tickets due at <paramref name="now"/>, or null when none is due.</summary>
    public TicketsExpired? Expiring(DateTimeOffset now) => Due(now) is { Count: > 0 } due ? new TicketsExpired(Members(due), now) : null;

    /// <summary>The event of a formed group; its match id derives from the group's newest ticket, so a re-run finds the same match.</summary>
    public GroupMatched Matched(WaitingTicket[] group, DateTimeOffset now) =>
        new(NameBasedGuid.Create($"random-match:{category}:{group.Max(t => t.Seq)}"), Members(group), matcher.Agreed(group), now);

    /// <summary>
    /// After a replay: puts the waiting tickets into the matcher oldest first, forming any group a catalog change made
    /// possible (never with an expired ticket). The groups' tickets are left waiting until their events are recorded.
    /// </summary>
    public List<GroupMatched> Sweep(DateTimeOffset now)
    {
        var groups = new List<GroupMatched>();
        foreach (var ticket in waiting.Values.OrderBy(t => t.Seq).ToArray())
        {
            if (ticket.ExpiresAt > now && matcher.FindGroup(ticket, t => t.ExpiresAt > now) is { } group)
            {
                foreach (var member in group.Where(m => m != ticket))
                {
                    matcher.Remove(member);
                }

                groups.Add(Matched(group, now));
            }
            else
            {
                matcher.Add(ticket);
            }
        }

        return groups;
    }

    /// <summary>The user's waiting ticket (EXPIRED once past its deadline) or visible finished one.</summary>
    public TicketView? ViewOf(Guid userId, DateTimeOffset now) =>
        waiting.TryGetValue(userId, out var current) ? View(current, current.ExpiresAt > now ? TicketStatus.Waiting : TicketStatus.Expired, null)
        : finished.TryGetValue(userId, out var done) && done.VisibleUntil > now ? done.View
        : null;

    /// <summary>The finished ticket <paramref name="seq"/> of the user, while it is still kept.</summary>
    public TicketView? FinishedView(Guid userId, long seq) => finished.TryGetValue(userId, out var done) && done.Seq == seq ? done.View : null;

    /// <summary>The user's current or visible finished ticket when <paramref name="requestId"/> created it.</summary>
    public TicketView? Answered(Guid userId, string requestId, DateTimeOffset now) =>
        waiting.TryGetValue(userId, out var current) && current.RequestId == requestId ? ViewOf(userId, now)
        : finished.TryGetValue(userId, out var done) && done.RequestId == requestId && done.VisibleUntil > now ? done.View
        : null;

    public TicketView View(WaitingTicket ticket, TicketStatus status, Guid? matchId) =>
        new(category, ticket.Conditions, status, ticket.EnqueuedAt, ticket.ExpiresAt, matchId);

    /// <summary>Starts waiting (the user's older finished ticket is forgotten); replays defer the matcher to a sweep.</summary>
    public void AddWaiting(WaitingTicket ticket, bool toMatcher)
    {
        if (finished.TryGetValue(ticket.UserId, out var previous))
        {
            Forget(previous);
        }

        waiting[ticket.UserId] = ticket;
        bySeq[ticket.Seq] = ticket;
        deadlines.Add((ticket.ExpiresAt, ticket.Seq));
        journal.Entered(ticket.Home);
        if (toMatcher)
        {
            matcher.Add(ticket);
        }
    }

    public void EndWaiting(WaitingTicket ticket, TicketStatus status, Guid? matchId, DateTimeOffset at, bool fromMatcher = true)
    {
        if (waiting.TryGetValue(ticket.UserId, out var current) && current == ticket)
        {
            waiting.Remove(ticket.UserId);
        }

        bySeq.Remove(ticket.Seq);
        deadlines.Remove((ticket.ExpiresAt, ticket.Seq));
        journal.Left(ticket.Home);
        if (fromMatcher)
        {
            matcher.Remove(ticket);
        }

        Finish(ticket, status, matchId, at);
    }

    /// <summary>Ends the tickets an event ends (matched, expired, cancelled); tickets already gone are skipped.</summary>
    public void End(QueueEvent ending, bool fromMatcher = true)
    {
        var (seqs, status, matchId, at) = ending switch
        {
            GroupMatched matched => (matched.Members.Select(m => m.Seq), TicketStatus.Matched, (Guid?)matched.MatchId, matched.At),
            TicketsExpired expired => (expired.Tickets.Select(t => t.Seq), TicketStatus.Expired, null, expired.At),
            TicketCancelled cancelled => ([cancelled.Seq], TicketStatus.Cancelled, null, cancelled.At),
            _ => throw new ArgumentException($"{ending.GetType().Name} ends no ticket.", nameof(ending)),
        };
        foreach (var seq in seqs)
        {
            // A ticket whose enqueue record was compacted away had ended before; nothing to undo.
            if (BySeq(seq) is { } ticket)
            {
                EndWaiting(ticket, status, matchId, at, fromMatcher);
            }
        }
    }

    /// <summary>Keeps a finished ticket visible (and its journal records) for the retention, replacing the user's older one.</summary>
    public void Finish(WaitingTicket ticket, TicketStatus status, Guid? matchId, DateTimeOffset at) =>
        Remember(new FinishedTicket(ticket.UserId, ticket.Seq, View(ticket, status, matchId), ticket.RequestId, at, at + retention) { Home = ticket.Home });

    /// <summary>A replayed ticket starts waiting again (the matcher gets it from the sweep that follows the replay).</summary>
    public WaitingTicket Replay(TicketEnqueued record, long segment)
    {
        var ticket = matcher.Ticket(record.Seq, record.UserId, record.Nickname, record.Conditions, record.EnqueuedAt, record.ExpiresAt, record.RequestId);
        ticket.Home = segment;
        AddWaiting(ticket, toMatcher: false);
        return ticket;
    }

    /// <summary>A finished ticket re-recorded by compaction: it moves, is superseded by a newer ticket, or is new to this replay.</summary>
    public void Replay(TicketFinished record, long segment)
    {
        if (finished.TryGetValue(record.UserId, out var known) && known.Seq >= record.Seq)
        {
            if (known.Seq == record.Seq)
            {
                MoveTo(known, segment);
            }

            return;
        }

        if (waiting.TryGetValue(record.UserId, out var newer) && newer.Seq > record.Seq)
        {
            return;
        }

        Remember(new FinishedTicket(
            record.UserId,
            record.Seq,
            new TicketView(category, record.Conditions, record.Status, record.EnqueuedAt, record.ExpiresAt, record.MatchId),
            record.RequestId,
            record.EndedAt,
            record.EndedAt + retention) { Home = segment });
    }

    /// <summary>Forgets finished tickets whose retention is over, so their journal segments can go.</summary>
    public void Prune(DateTimeOffset now)
    {
        while (visibility.Count > 0 && visibility.Min.VisibleUntil <= now)
        {
            var (_, seq, userId) = visibility.Min;
            if (finished.TryGetValue(userId, out var done) && done.Seq == seq)
            {
                Forget(done);
            }
            else
            {
                visibility.Remove(visibility.Min);
            }
        }
    }

    /// <summary>The tickets whose records live in <paramref name="segment"/>, for carrying them to the tail.</summary>
    public (WaitingTicket[] Waiting, FinishedTicket[] Finished) LivingIn(long segment) =>
        ([.. waiting.Values.Where(t => t.Home == segment).OrderBy(t => t.Seq)], [.. finished.Values.Where(f => f.Home == segment)]);

    public void MoveTo(IJournalResident ticket, long segment)
    {
        journal.Left(ticket.Home);
        ticket.Home = segment;
        journal.Entered(segment);
    }

    public static TicketEnqueued Enqueued(WaitingTicket t) => new(t.Seq, t.UserId, t.Nickname, t.Conditions, t.EnqueuedAt, t.ExpiresAt, t.RequestId);

    public static TicketFinished Snapshot(FinishedTicket f) =>
        new(f.Seq, f.UserId, f.View.Conditions, f.View.EnqueuedAt, f.View.ExpiresAt, f.View.Status, f.View.MatchId, f.EndedAt, f.RequestId);

    public static ImmutableArray<GroupMember> Members(IEnumerable<WaitingTicket> tickets) =>
        [.. tickets.Select(t => new GroupMember(t.Seq, t.UserId, t.Nickname))];

    private void Remember(FinishedTicket ticket)
    {
        if (finished.TryGetValue(ticket.UserId, out var previous))
        {
            Forget(previous);
        }

        if (ticket.VisibleUntil <= clock.GetUtcNow())
        {
            return;
        }

        finished[ticket.UserId] = ticket;
        visibility.Add((ticket.VisibleUntil, ticket.Seq, ticket.UserId));
        journal.Entered(ticket.Home);
    }

    private void Forget(FinishedTicket ticket)
    {
        finished.Remove(ticket.UserId);
        visibility.Remove((ticket.VisibleUntil, ticket.Seq, ticket.UserId));
        journal.Left(ticket.Home);
    }
}
