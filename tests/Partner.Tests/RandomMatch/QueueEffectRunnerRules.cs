using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Partner.Alarms;
using Partner.Catalog;
using Partner.Matches;
using Partner.RandomMatch;
using Partner.Streams;

namespace Partner.Tests.RandomMatch;

public sealed class QueueEffectRunnerRules
{
    private static readonly CategoryDefinition Category = new(
        "MEAL",
        [
            new DimensionDefinition("place", ["SEOCHO", "GAEPO"], MatchedInRandom: true),
            new DimensionDefinition("timeOfEating", ["LUNCH", "DINNER"], MatchedInRandom: true),
        ],
        2);

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
    private readonly TicketBook book;
    private readonly RandomMatcher matcher = new(Category);
    private readonly List<MatchDefinition> recorded = [];
    private readonly List<(Guid Recipient, AlarmDraft Alarm)> raised = [];
    private readonly List<ImmutableArray<TicketChange>> pushed = [];
    private readonly QueueEffectRunner runner;
    private Exception? recordFailure;

    public QueueEffectRunnerRules()
    {
        var journal = new QueueJournal(new SegmentedLog<QueueEvent>(new MemorySegmentStorage(), "test-rmq-segment", "MEAL", 16), 16, 32, NullLogger.Instance, "MEAL");
        book = new TicketBook("MEAL", matcher, TimeSpan.FromMinutes(30), clock, journal);
        runner = new QueueEffectRunner(
            Category,
            book,
            match =>
            {
                recorded.Add(match);
                return recordFailure is null ? Task.CompletedTask : Task.FromException(recordFailure);
            },
            (recipient, alarm) =>
            {
                raised.Add((recipient, alarm));
                return Task.CompletedTask;
            },
            tickets =>
            {
                pushed.Add(tickets);
                return Task.CompletedTask;
            });
    }

    [Fact]
    public void AMatchGivesEachMemberTenPointsAndIsTitledByItsAgreedValuesInCatalogOrder()
    {
        var agreed = ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("timeOfEating", ["DINNER"]).Add("place", ["GAEPO", "SEOCHO"]);
        var matched = new GroupMatched(Guid.NewGuid(), [new GroupMember(1, Guid.NewGuid(), "a"), new GroupMember(2, Guid.NewGuid(), "b")], agreed, clock.GetUtcNow());

        var definition = QueueEffectRunner.Definition(Category, matched);

        Assert.Equal("Random MEAL match (GAEPO, DINNER)", definition.Title);
        Assert.Equal(MatchMethod.Random, definition.Method);
        Assert.Equal(matched.MatchId, definition.MatchId);
        Assert.All(definition.Members, m => Assert.Equal(QueueEffectRunner.MemberPoints, m.Points));
        Assert.Equal(matched.Members.Select(m => m.UserId), definition.Members.Select(m => m.UserId));
    }

    [Fact]
    public async Task AFormedGroupIsRecordedAsAMatchThenItsMembersSeeTheirTicketsMatched()
    {
        var matched = Match(Waiting(1), Waiting(2));

        await runner.RunAsync(matched);

        var match = Assert.Single(recorded);
        Assert.Equal((matched.MatchId, QueueEffectRunner.Definition(Category, matched).Title), (match.MatchId, match.Title));
        var changes = Assert.Single(pushed);
        Assert.Equal(matched.Members.Select(m => m.UserId), changes.Select(c => c.UserId));
        Assert.All(changes, c => Assert.Equal((TicketStatus.Matched, matched.MatchId), (c.Ticket.Status, c.Ticket.MatchId)));
    }

    [Fact]
    public async Task WhenTheMatchCannotBeRecordedNothingIsPushedAndTheEffectFails()
    {
        var matched = Match(Waiting(1), Waiting(2));
        recordFailure = new IOException("match grain down");

        await Assert.ThrowsAsync<IOException>(() => runner.RunAsync(matched));

        Assert.Empty(pushed);
    }

    [Fact]
    public async Task ATicketItsOwnerReplacedSinceIsNotPushed()
    {
        var first = Waiting(1);
        var matched = Match(first, Waiting(2));
        book.AddWaiting(Ticket(3, first.UserId), toMatcher: true);

        await runner.RunAsync(matched);

        Assert.Equal([matched.Members[1].UserId], Assert.Single(pushed).Select(c => c.UserId));
    }

    [Fact]
    public async Task ExpiredTicketsRaiseTheSameTicketExpiredAlarmsEachTimeTheEffectRuns()
    {
        var tickets = new[] { Waiting(1), Waiting(2) };
        var expired = new TicketsExpired(TicketBook.Members(tickets), clock.GetUtcNow());
        book.End(expired);

        await runner.RunAsync(expired);
        await runner.RunAsync(expired);

        Assert.Equal(4, raised.Count);
        var alarms = tickets.Select(t => (t.UserId, AlarmIds.TicketExpired("MEAL", t.Seq, t.UserId))).ToList();
        Assert.Equal(alarms.Concat(alarms), raised.Select(r => (r.Recipient, r.Alarm.AlarmId)));
        Assert.All(raised, r => Assert.Equal(AlarmType.TicketExpired, r.Alarm.Type));
        Assert.All(pushed, p => Assert.All(p, c => Assert.Equal(TicketStatus.Expired, c.Ticket.Status)));
        Assert.Equal(2, pushed.Count);
    }

    private WaitingTicket Waiting(long seq)
    {
        var ticket = Ticket(seq, Guid.NewGuid());
        book.AddWaiting(ticket, toMatcher: true);
        return ticket;
    }

    private GroupMatched Match(params WaitingTicket[] group)
    {
        var matched = book.Matched(group, clock.GetUtcNow());
        book.End(matched);
        return matched;
    }

    private WaitingTicket Ticket(long seq, Guid userId)
    {
        var now = clock.GetUtcNow();
        return matcher.Ticket(seq, userId, $"user{seq}", ImmutableDictionary<string, ImmutableArray<string>>.Empty, now, now + TimeSpan.FromMinutes(30), null);
    }
}
