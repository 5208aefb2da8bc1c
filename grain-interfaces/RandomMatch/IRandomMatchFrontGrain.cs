using System.Collections.Immutable;

namespace Partner.RandomMatch;

/// <summary>
/// The way into a category's queue for enqueues (keyed by the category name, one per silo): it gathers the
/// requests that arrive while the queue is busy and hands them over as one batch, so many tickets share one
/// durable journal write while the queue itself stays one-turn-at-a-time.
/// </summary>
[Alias("partner.random-match-front")]
public interface IRandomMatchFrontGrain : IGrainWithStringKey
{
    /// <summary>
    /// Puts the user's ticket in the queue, durably, and forms a group at once when the ticket completes one
    /// (the ticket then comes back MATCHED with its match id). Conditions use only the category's dimensions
    /// matched in random matching (else <c>validation</c>); a missing or empty dimension accepts any value.
    /// The same conditions already waiting return <c>Created = false</c>; different ones are
    /// <c>random-match.already-waiting</c>. A <paramref name="requestId"/> (the client's idempotency key) that
    /// created the user's current or recently finished ticket returns that ticket (<c>Created = false</c>), so a
    /// request retried after a lost answer never queues, or matches, the user twice; the same key with other conditions
    /// (compared as normalized: order, case, "any" spelled out do not matter) is <c>idempotency-key-reused</c>.
    /// </summary>
    [Alias("enqueue")]
    Task<TicketResult> Enqueue(Actor user, ImmutableDictionary<string, ImmutableArray<string>> conditions, string? requestId = null);
}
