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
    /// <summary>As <see cref="IRandomMatchQueueGrain.Enqueue"/>.</summary>
    [Alias("enqueue")]
    Task<TicketResult> Enqueue(Actor user, ImmutableDictionary<string, ImmutableArray<string>> conditions, string? requestId = null);
}
