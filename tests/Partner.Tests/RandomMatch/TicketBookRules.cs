using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Partner.Catalog;
using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

public sealed class TicketBookRules
{
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(30);
    private static readonly CategoryDefinition Category = new("MEAL", [new DimensionDefinition("place", ["SEOCHO", "GAEPO"], MatchedInRandom: true)], 2);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
    private readonly RandomMatcher matcher = new(Category);
    private readonly QueueJournal journal = new(new SegmentedLog<QueueEvent>(new MemorySegmentStorage(), "test-rmq-segment", "MEAL", 16), 16, 32, NullLogger.Instance, "MEAL");
    private readonly TicketBook book;

    public TicketBookRules() => book = new TicketBook("MEAL", matcher, Retention, clock, journal);

    [Fact]
    public void AFinishedTicketKeepsItsSegmentUntilItsRetentionEnds()
    {
        var ticket = Ticket(1, Guid.NewGuid(), segment: 4);
        book.AddWaiting(ticket, toMatcher: true);
        Assert.False(journal.IsFree(4));

        book.EndWaiting(ticket, TicketStatus.Matched, Guid.NewGuid(), clock.GetUtcNow());
        Assert.False(journal.IsFree(4));
        Assert.Equal(TicketStatus.Matched, book.ViewOf(ticket.UserId, clock.GetUtcNow())?.Status);

        clock.Advance(Retention);
        book.Prune(clock.GetUtcNow());
        Assert.True(journal.IsFree(4));
        Assert.Null(book.ViewOf(ticket.UserId, clock.GetUtcNow()));
    }

    [Fact]
    public void ANewTicketOfTheUserForgetsTheirFinishedOneAndFreesItsSegment()
    {
        var userId = Guid.NewGuid();
        var first = Ticket(1, userId, segment: 0);
        book.AddWaiting(first, toMatcher: true);
        book.EndWaiting(first, TicketStatus.Cancelled, null, clock.GetUtcNow());

        book.AddWaiting(Ticket(2, userId, segment: 1), toMatcher: true);

        Assert.True(journal.IsFree(0));
        Assert.Equal(TicketStatus.Waiting, book.ViewOf(userId, clock.GetUtcNow())?.Status);
    }

    [Fact]
    public void AReplayedSnapshotOfAnOlderTicketNeverHidesTheNewerOne()
    {
        var userId = Guid.NewGuid();
        book.AddWaiting(Ticket(5, userId, segment: 3), toMatcher: false);

        book.Replay(Snapshot(3, userId, TicketStatus.Matched), segment: 4);

        Assert.Equal(TicketStatus.Waiting, book.ViewOf(userId, clock.GetUtcNow())?.Status);
        Assert.True(journal.IsFree(4));
    }

    [Fact]
    public void AReplayedSnapshotOfAKnownTicketMovesItsRecordsToTheNewSegment()
    {
        var userId = Guid.NewGuid();
        var ticket = Ticket(7, userId, segment: 1);
        book.AddWaiting(ticket, toMatcher: true);
        book.EndWaiting(ticket, TicketStatus.Expired, null, clock.GetUtcNow());

        book.Replay(Snapshot(7, userId, TicketStatus.Expired), segment: 6);

        Assert.True(journal.IsFree(1));
        Assert.False(journal.IsFree(6));
    }

    [Fact]
    public void OnlyTheRequestThatCreatedATicketIsAnsweredWithIt()
    {
        var userId = Guid.NewGuid();
        var ticket = Ticket(1, userId, segment: 0, requestId: "key-1");
        book.AddWaiting(ticket, toMatcher: true);
        book.EndWaiting(ticket, TicketStatus.Matched, Guid.NewGuid(), clock.GetUtcNow());

        Assert.Equal(TicketStatus.Matched, book.Answered(userId, "key-1", clock.GetUtcNow())?.Status);
        Assert.Null(book.Answered(userId, "key-2", clock.GetUtcNow()));
        clock.Advance(Retention);
        Assert.Null(book.Answered(userId, "key-1", clock.GetUtcNow()));
    }

    [Fact]
    public void DueListsWaitingTicketsAtOrPastTheirDeadlineEarliestFirst()
    {
        var later = Ticket(1, Guid.NewGuid(), segment: 0, lifetime: TimeSpan.FromMinutes(20));
        var sooner = Ticket(2, Guid.NewGuid(), segment: 0, lifetime: TimeSpan.FromMinutes(10));
        book.AddWaiting(later, toMatcher: true);
        book.AddWaiting(sooner, toMatcher: true);

        Assert.Empty(book.Due(clock.GetUtcNow()));
        Assert.Equal([sooner], book.Due(clock.GetUtcNow() + TimeSpan.FromMinutes(10)));
        Assert.Equal([sooner, later], book.Due(clock.GetUtcNow() + TimeSpan.FromHours(1)));
        Assert.Equal(sooner.ExpiresAt, book.NextDeadline);
    }

    [Fact]
    public void ASweepAfterAReplayFormsGroupsOldestFirstAndNeverWithAnExpiredTicket()
    {
        var expiring = Placed(1, null, TimeSpan.FromMinutes(1));
        var gaepo = Placed(2, "GAEPO");
        var any = Placed(3, null);
        var late = Placed(4, null);
        var seocho = Placed(5, "SEOCHO");
        foreach (var ticket in new[] { seocho, late, any, gaepo, expiring })
        {
            book.AddWaiting(ticket, toMatcher: false);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        var groups = book.Sweep(clock.GetUtcNow());

        Assert.Equal(new long[][] { [2, 3], [4, 5] }, groups.Select(g => g.Members.Select(m => m.Seq).Order().ToArray()));
        Assert.Equal(5, book.WaitingCount);

        // Only the expired ticket is left in the matcher (the groups' tickets wait until their event is recorded).
        Assert.Equal(1, matcher.CompatibleWaiting(Placed(6, null)));
    }

    [Fact]
    public void AGroupsMatchIdDerivesFromItsNewestTicketSoARerunFindsTheSameMatch()
    {
        var (a, b) = (Ticket(4, Guid.NewGuid(), segment: 0), Ticket(9, Guid.NewGuid(), segment: 0));

        var matched = book.Matched([a, b], clock.GetUtcNow());

        Assert.Equal(NameBasedGuid.Create("random-match:MEAL:9"), matched.MatchId);
        Assert.Equal(matched.MatchId, book.Matched([b, a], clock.GetUtcNow() + TimeSpan.FromHours(1)).MatchId);
        Assert.Equal([4L, 9], matched.Members.Select(m => m.Seq));
    }

    [Fact]
    public void OnlyTicketsAtOrPastTheirDeadlineExpire()
    {
        book.AddWaiting(Ticket(1, Guid.NewGuid(), segment: 0, lifetime: TimeSpan.FromMinutes(5)), toMatcher: true);
        book.AddWaiting(Ticket(2, Guid.NewGuid(), segment: 0, lifetime: TimeSpan.FromMinutes(6)), toMatcher: true);

        Assert.Null(book.Expiring(clock.GetUtcNow() + TimeSpan.FromMinutes(4)));
        var expired = book.Expiring(clock.GetUtcNow() + TimeSpan.FromMinutes(5));
        Assert.Equal([1L], expired?.Tickets.Select(t => t.Seq));
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(5), expired?.At);
    }

    private WaitingTicket Placed(long seq, string? place, TimeSpan? lifetime = null)
    {
        var now = clock.GetUtcNow();
        var conditions = place is null ? ImmutableDictionary<string, ImmutableArray<string>>.Empty : ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("place", [place]);
        return matcher.Ticket(seq, Guid.NewGuid(), "nick", conditions, now, now + (lifetime ?? TimeSpan.FromMinutes(30)), null);
    }

    private WaitingTicket Ticket(long seq, Guid userId, long segment, string? requestId = null, TimeSpan? lifetime = null)
    {
        var now = clock.GetUtcNow();
        var ticket = matcher.Ticket(seq, userId, "nick", ImmutableDictionary<string, ImmutableArray<string>>.Empty, now, now + (lifetime ?? TimeSpan.FromMinutes(30)), requestId);
        ticket.Home = segment;
        return ticket;
    }

    private TicketFinished Snapshot(long seq, Guid userId, TicketStatus status)
    {
        var now = clock.GetUtcNow();
        return new TicketFinished(seq, userId, ImmutableDictionary<string, ImmutableArray<string>>.Empty, now, now + TimeSpan.FromMinutes(30), status, null, now, null);
    }
}
