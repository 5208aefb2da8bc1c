using System.Collections.Immutable;
using Partner.Alarms;
using Partner.Catalog;
using Partner.Matches;
using Partner.Streams;

namespace Partner.RandomMatch;

/// <summary>
/// What one effect of a queue's journal does once its event is durable: a formed group becomes a match (method RANDOM,
/// <see cref="MemberPoints"/> each), expired tickets raise TICKET_EXPIRED for their owners, and the owners' devices learn
/// of their ended tickets. Each step is idempotent (the match and the alarms by id, a push repeats the same state), so
/// <see cref="QueueEffects"/> may retry it and a replay may run it again.
/// </summary>
/// <param name="recordMatch">Creates the match (the match grain's <c>Create</c>).</param>
/// <param name="raiseAlarm">Raises an alarm in its recipient's inbox.</param>
/// <param name="push">Pushes changed tickets to their owners' devices.</param>
public sealed class QueueEffectRunner(
    CategoryDefinition category,
    TicketBook book,
    Func<MatchDefinition, Task> recordMatch,
    Func<Guid, AlarmDraft, Task> raiseAlarm,
    Func<ImmutableArray<TicketChange>, Task> push)
{
    /// <summary>Activity points each member of a random match gets.</summary>
    public const int MemberPoints = 10;

    /// <summary>One effect; a throw retries it later.</summary>
    public async Task RunAsync(QueueEvent effect)
    {
        switch (effect)
        {
            case GroupMatched matched:
                var matchedTickets = Views(matched.Members);
                await recordMatch(Definition(category, matched));
                await push(matchedTickets);
                break;
            case TicketsExpired expired:
                var expiredTickets = Views(expired.Tickets);
                await Task.WhenAll(expired.Tickets.Select(t => raiseAlarm(t.UserId, ExpiryAlarm(category.Name, t))));
                await push(expiredTickets);
                break;
        }
    }

    /// <summary>The match a formed group records; the same on every re-run.</summary>
    public static MatchDefinition Definition(CategoryDefinition category, GroupMatched matched) => new(
        matched.MatchId,
        category.Name,
        MatchMethod.Random,
        null,
        matched.Agreed,
        [.. matched.Members.Select(m => new MatchMember(m.UserId, m.Nickname, MemberPoints))],
        matched.At,
        // Catalog order, not dictionary order: a re-run after a restart must build the very same definition.
        $"Random {category.Name} match ({string.Join(", ", category.Dimensions.Where(d => matched.Agreed.ContainsKey(d.Name)).Select(d => matched.Agreed[d.Name][0]))})");

    /// <summary>The TICKET_EXPIRED alarm of an expired ticket, its id derived from the ticket so a re-run raises the same one.</summary>
    public static AlarmDraft ExpiryAlarm(string category, GroupMember ticket) => new(
        AlarmIds.TicketExpired(category, ticket.Seq, ticket.UserId),
        AlarmType.TicketExpired,
        $"Your {category} random-match ticket expired without a match.",
        null,
        null,
        null,
        null);

    /// <summary>The ended tickets as their owners see them; one no longer kept (superseded, or past its retention) is not pushed.</summary>
    private ImmutableArray<TicketChange> Views(ImmutableArray<GroupMember> members) =>
        [.. members.Select(m => (m.UserId, View: book.FinishedView(m.UserId, m.Seq))).Where(v => v.View is not null).Select(v => new TicketChange(v.UserId, v.View!))];
}
