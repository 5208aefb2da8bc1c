using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Partner.Catalog;
using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

public sealed class EnqueuePlannerRules
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
    private readonly TicketBook book;
    private readonly EnqueuePlanner planner;

    public EnqueuePlannerRules()
    {
        var catalog = new CategoryCatalog(Options.Create(new CatalogOptions
        {
            Categories =
            {
                ["MEAL"] = new CategoryOptions
                {
                    RandomGroupSize = 2,
                    Dimensions =
                    [
                        new DimensionOptions { Name = "place", Values = ["SEOCHO", "GAEPO"] },
                        new DimensionOptions { Name = "mood", Values = ["CALM", "LOUD"], MatchedInRandom = false },
                    ],
                },
            },
        }));
        var category = catalog.Get("MEAL");
        var matcher = new RandomMatcher(category);
        var journal = new QueueJournal(new SegmentedLog<QueueEvent>(new MemorySegmentStorage(), "test-rmq-segment", "MEAL", 16), 16, 32, NullLogger.Instance, "MEAL");
        book = new TicketBook("MEAL", matcher, TimeSpan.FromMinutes(30), clock, journal);
        planner = new EnqueuePlanner(catalog, category, matcher, book, waits: null, Lifetime) { NextSeq = 7 };
    }

    private DateTimeOffset Now => clock.GetUtcNow();

    [Fact]
    public void TheRequestThatCompletesAGroupIsAnsweredMatchedAndTheGroupIsAnEffect()
    {
        var (first, second) = (Request(place: "SEOCHO"), Request());

        var plan = planner.Plan([first, second], Now, segment: 3);

        Assert.Equal([typeof(TicketEnqueued), typeof(TicketEnqueued), typeof(GroupMatched)], plan.Events.Select(e => e.GetType()));
        var matched = Assert.IsType<GroupMatched>(Assert.Single(plan.Effects));
        Assert.Equal([7L, 8], matched.Members.Select(m => m.Seq));
        Assert.Equal("SEOCHO", Assert.Single(matched.Agreed["place"]));
        Assert.Equal(TicketStatus.Waiting, plan.Outcomes[0].Result?.Ticket.Status);
        Assert.Equal((true, TicketStatus.Matched, matched.MatchId), (plan.Outcomes[1].Result!.Created, plan.Outcomes[1].Result!.Ticket.Status, plan.Outcomes[1].Result!.Ticket.MatchId));
        Assert.Equal(0, book.WaitingCount);
        Assert.Equal(9, planner.NextSeq);
    }

    [Fact]
    public void ARequestThatBreaksARuleGetsItsErrorAndChangesNothing()
    {
        var bad = Request() with { Conditions = Conditions("mood", "CALM") };
        var good = Request(place: "GAEPO");

        var plan = planner.Plan([bad, good], Now, segment: 0);

        Assert.Equal(ErrorCodes.Validation, plan.Outcomes[0].Error?.Code);
        Assert.Null(plan.Outcomes[0].Result);
        Assert.Equal(TicketStatus.Waiting, plan.Outcomes[1].Result?.Ticket.Status);
        Assert.Equal(7L, Assert.IsType<TicketEnqueued>(Assert.Single(plan.Events)).Seq);
        Assert.Equal(1, book.WaitingCount);
    }

    [Fact]
    public void AWaitingUserGetsTheirTicketForTheSameConditionsAndAnErrorForOthers()
    {
        var request = Request(place: "SEOCHO");
        planner.Plan([request], Now, segment: 0);

        var again = planner.Plan([request, request with { Conditions = Conditions("place", "GAEPO") }], Now, segment: 1);

        Assert.Empty(again.Events);
        Assert.Equal((false, TicketStatus.Waiting), (again.Outcomes[0].Result!.Created, again.Outcomes[0].Result!.Ticket.Status));
        Assert.Equal(ErrorCodes.RandomMatchAlreadyWaiting, again.Outcomes[1].Error?.Code);
    }

    [Fact]
    public void AnIdempotencyKeyAnswersItsTicketAfterItMatchedAndRefusesOtherConditions()
    {
        var keyed = Request(place: "SEOCHO") with { RequestId = "key-1" };
        planner.Plan([keyed, Request()], Now, segment: 0);

        var retried = planner.Plan([keyed, keyed with { Conditions = Conditions("place", "GAEPO") }], Now, segment: 1);

        Assert.Empty(retried.Events);
        Assert.Equal((false, TicketStatus.Matched), (retried.Outcomes[0].Result!.Created, retried.Outcomes[0].Result!.Ticket.Status));
        Assert.Equal(ErrorCodes.IdempotencyKeyReused, retried.Outcomes[1].Error?.Code);
    }

    [Fact]
    public void TicketsPastTheirDeadlineExpireFirstSoANewcomerNeverMeetsThem()
    {
        var late = Request();
        planner.Plan([late], Now, segment: 0);
        clock.Advance(Lifetime);

        var plan = planner.Plan([Request()], Now, segment: 1);

        var expired = Assert.IsType<TicketsExpired>(plan.Events[0]);
        Assert.Equal([late.User.UserId], expired.Tickets.Select(t => t.UserId));
        Assert.Same(expired, Assert.Single(plan.Effects));
        Assert.IsType<TicketEnqueued>(plan.Events[1]);
        Assert.Equal(2, plan.Events.Count);
        Assert.Equal(TicketStatus.Waiting, plan.Outcomes[0].Result?.Ticket.Status);
    }

    [Fact]
    public void ANewTicketLivesInTheSegmentItsBatchIsWrittenTo()
    {
        planner.Plan([Request()], Now, segment: 5);

        Assert.Equal(5L, Assert.Single(book.Waiting).Home);
        Assert.Equal(Now + Lifetime, book.NextDeadline);
    }

    private static EnqueueRequest Request(string? place = null) =>
        new(new Actor(Guid.NewGuid(), "nick", false), place is null ? ImmutableDictionary<string, ImmutableArray<string>>.Empty : Conditions("place", place), null);

    private static ImmutableDictionary<string, ImmutableArray<string>> Conditions(string dimension, string value) =>
        ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(dimension, [value]);
}
