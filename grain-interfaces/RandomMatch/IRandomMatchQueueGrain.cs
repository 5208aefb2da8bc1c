using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Partner.RandomMatch;

/// <summary>Where a ticket stands; UPPER_CASE in HTTP JSON.</summary>
[GenerateSerializer, Alias("partner.ticket-status")]
public enum TicketStatus
{
    Waiting,
    Matched,
    Expired,
    Cancelled,
}

/// <summary>
/// A user's ticket in one category's queue, as the user sees it. A waiting ticket also says how many other waiting
/// tickets could be grouped with it (<paramref name="CompatibleWaiting"/>) and, when the queue's recent arrivals say
/// enough, in how many seconds its group is expected (<paramref name="EstimatedWaitSeconds"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.ticket-view")]
public sealed record TicketView(
    [property: Id(0)] string Category,
    [property: Id(1)] ImmutableDictionary<string, ImmutableArray<string>> Conditions,
    [property: Id(2)] TicketStatus Status,
    [property: Id(3)] DateTimeOffset EnqueuedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] Guid? MatchId,
    [property: Id(6)] int? CompatibleWaiting = null,
    [property: Id(7)] int? EstimatedWaitSeconds = null);

/// <summary>The ticket after an enqueue, and whether this call created it (false: the same conditions were already waiting).</summary>
[GenerateSerializer, Immutable, Alias("partner.ticket-result")]
public sealed record TicketResult(
    [property: Id(0)] bool Created,
    [property: Id(1)] TicketView Ticket);

/// <summary>One user's enqueue, as <see cref="IRandomMatchQueueGrain.EnqueueBatch"/> takes it.</summary>
[GenerateSerializer, Immutable, Alias("partner.enqueue-request")]
public sealed record EnqueueRequest(
    [property: Id(0)] Actor User,
    [property: Id(1)] ImmutableDictionary<string, ImmutableArray<string>> Conditions,
    [property: Id(2)] string? RequestId);

/// <summary>What became of one request of a batch: its ticket, or the rule it broke.</summary>
[GenerateSerializer, Immutable, Alias("partner.enqueue-outcome")]
public sealed record EnqueueOutcome(
    [property: Id(0)] TicketResult? Result,
    [property: Id(1)] DomainException? Error);

/// <summary>
/// A batch's outcomes, one per request in order, and whether the next batch should first wait for
/// <see cref="IRandomMatchQueueGrain.EffectsCaughtUp"/> (back-pressure: the queue still has effects to do, which may
/// lag by then; the call returns at once when they do not).
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.enqueue-batch-result")]
public sealed record EnqueueBatchResult(
    [property: Id(0)] ImmutableArray<EnqueueOutcome> Outcomes,
    [property: Id(1)] bool WaitBeforeNextBatch);

/// <summary>The public face of a queue, plus the viewer's latest ticket when there is one.</summary>
[GenerateSerializer, Immutable, Alias("partner.queue-view")]
public sealed record QueueView(
    [property: Id(0)] string Category,
    [property: Id(1)] int WaitingCount,
    [property: Id(2)] TicketView? Ticket);

/// <summary>
/// The random-match queue of one category (keyed by the catalog's category name): the only matcher
/// of that category. Every ticket operation of the category runs in this grain's single-threaded
/// turns, so a cancel, an expiry and a group formation can never interleave.
/// </summary>
[Alias("partner.random-match-queue")]
public interface IRandomMatchQueueGrain : IGrainWithStringKey
{
    /// <summary>
    /// Several users' enqueues (see <see cref="IRandomMatchFrontGrain.Enqueue"/>, the way in) in one turn and one
    /// durable write, in order (each sees the ones before it). A request that breaks a rule gets its error and
    /// changes nothing; when the write fails, the whole batch fails with <c>unavailable</c>.
    /// </summary>
    [Alias("enqueue-batch")]
    Task<EnqueueBatchResult> EnqueueBatch(ImmutableArray<EnqueueRequest> requests);

    /// <summary>
    /// Returns once the queue's effects (match creations, expiry alarms) no longer lag beyond
    /// <c>Partner:RandomMatch:MaxEffectLag</c>, or are failing. Runs beside the queue's other calls, so holding
    /// enqueues back never holds up reads and cancels.
    /// </summary>
    [Alias("effects-caught-up"), AlwaysInterleave]
    Task EffectsCaughtUp();

    /// <summary>Cancels the user's waiting ticket durably; <c>not-found</c> when none is waiting (already matched, expired or cancelled).</summary>
    [Alias("cancel")]
    Task Cancel(Guid userId);

    /// <summary>
    /// The number of waiting tickets and, for a viewer, their latest ticket in this category: the waiting one, or
    /// one that finished within the retention (30 minutes by default); otherwise null.
    /// </summary>
    [Alias("get"), ReadOnly]
    Task<QueueView> Get(Guid? viewer);

    /// <summary>Ends every ticket whose deadline has passed (TICKET_EXPIRED alarm each). Called by the queue's own expiry timer.</summary>
    [Alias("expire-due"), OneWay]
    Task ExpireDue();
}
