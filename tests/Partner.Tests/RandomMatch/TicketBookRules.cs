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
