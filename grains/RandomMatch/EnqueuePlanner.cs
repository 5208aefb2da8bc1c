using System.Collections.Immutable;
using Partner.Catalog;

namespace Partner.RandomMatch;

/// <summary>An enqueue batch planned in memory: the events to write in one append, the effects they call for, and one outcome per request.</summary>
public sealed class EnqueuePlan(int requests)
{
    public List<QueueEvent> Events { get; } = [];

    /// <summary>The events whose effects run once the append is durable.</summary>
    public List<QueueEvent> Effects { get; } = [];

    public EnqueueOutcome[] Outcomes { get; } = new EnqueueOutcome[requests];
}

/// <summary>
/// The part of an enqueue batch before its write: the expiry of tickets already due (an arrival never meets them), then
/// per request its rules (catalog conditions, idempotency key, one waiting ticket per user) and its events applied to
/// memory — the new ticket, the group it completes. A request that breaks a rule gets its error and changes nothing.
/// Memory runs ahead of storage only inside the grain's turn: when its write fails, the activation is dropped.
/// </summary>
public sealed class EnqueuePlanner(CategoryCatalog catalog, CategoryDefinition category, RandomMatcher matcher, TicketBook book, TicketWaits? waits, TimeSpan ticketLifetime)
{
    /// <summary>The seq of the next ticket (never reused: match ids derive from seqs).</summary>
    public long NextSeq { get; set; } = 1;

    /// <param name="segment">The journal segment the batch's append will go to (where its new tickets live).</param>
    public EnqueuePlan Plan(ImmutableArray<EnqueueRequest> requests, DateTimeOffset now, long segment)
    {
        var plan = new EnqueuePlan(requests.Length);
        if (book.Expiring(now) is { } expired)
        {
            book.End(expired);
            plan.Events.Add(expired);
            plan.Effects.Add(expired);
        }

        for (var i = 0; i < requests.Length; i++)
        {
            try
            {
                plan.Outcomes[i] = new EnqueueOutcome(Plan(requests[i], now, segment, plan), null);
            }
            catch (DomainException error)
            {
                plan.Outcomes[i] = new EnqueueOutcome(null, error);
            }
        }

        return plan;
    }

    /// <summary>The user's ticket as they see it (<see cref="TicketBook.ViewOf"/>), with its wait figures while it waits.</summary>
    public TicketView? ViewOf(Guid userId, DateTimeOffset now) => WithWait(book.ViewOf(userId, now), userId, now);

    private TicketResult Plan(EnqueueRequest request, DateTimeOffset now, long segment, EnqueuePlan plan)
    {
        var (user, conditions, requestId) = request;
        var chosen = catalog.Conditions(category, conditions, randomOnly: true).Where(c => !c.Value.IsEmpty).ToImmutableDictionary();
        // The ticket a key created holds that request's conditions, normalized: they are what the key was used with.
        if (requestId is not null && book.Answered(user.UserId, requestId, now) is { } answered)
        {
            return matcher.SameConditions(answered.Conditions, chosen) ? new TicketResult(false, WithWait(answered, user.UserId, now)) : throw Errors.IdempotencyKeyReused();
        }

        if (book.TryGetWaiting(user.UserId, out var current))
        {
            return RandomMatcher.SameConditions(current, matcher.Masks(chosen))
                ? new TicketResult(false, WithWait(book.View(current, TicketStatus.Waiting, null), user.UserId, now))
                : throw Errors.RandomMatchAlreadyWaiting();
        }

        var ticket = matcher.Ticket(NextSeq++, user.UserId, user.Nickname, chosen, now, now + ticketLifetime, requestId);
        ticket.Home = segment;
        plan.Events.Add(TicketBook.Enqueued(ticket));
        waits?.Arrived(ticket);
        if (matcher.FindGroup(ticket) is not { } group)
        {
            book.AddWaiting(ticket, toMatcher: true);
            return new TicketResult(true, WithWait(book.View(ticket, TicketStatus.Waiting, null), user.UserId, now));
        }

        var matched = book.Matched(group, now);
        book.End(matched);
        book.Finish(ticket, TicketStatus.Matched, matched.MatchId, now);
        plan.Events.Add(matched);
        plan.Effects.Add(matched);
        return new TicketResult(true, book.View(ticket, TicketStatus.Matched, matched.MatchId));
    }

    /// <summary>A waiting ticket's view with its wait figures (when wait insight is on).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(view))]
    private TicketView? WithWait(TicketView? view, Guid userId, DateTimeOffset now) =>
        view is { Status: TicketStatus.Waiting } && waits is not null && book.TryGetWaiting(userId, out var ticket) ? waits.Describe(view, ticket, now) : view;
}
