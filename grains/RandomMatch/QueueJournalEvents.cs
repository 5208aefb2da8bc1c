using System.Collections.Immutable;

namespace Partner.RandomMatch;

/// <summary>One fact of a queue's journal. Replaying the journal in order rebuilds the queue.</summary>
[GenerateSerializer, Alias("partner.rmq.event")]
public abstract record QueueEvent;

/// <summary>A ticket entered the queue (or was carried forward by compaction: same seq, same deadline).</summary>
[GenerateSerializer, Immutable, Alias("partner.rmq.enqueued")]
public sealed record TicketEnqueued(
    [property: Id(0)] long Seq,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] string Nickname,
    [property: Id(3)] ImmutableDictionary<string, ImmutableArray<string>> Conditions,
    [property: Id(4)] DateTimeOffset EnqueuedAt,
    [property: Id(5)] DateTimeOffset ExpiresAt,
    [property: Id(6)] string? RequestId = null) : QueueEvent;

/// <summary>A member of a formed group, self-contained so the match can be re-created after older records are gone.</summary>
[GenerateSerializer, Immutable, Alias("partner.rmq.member")]
public sealed record GroupMember(
    [property: Id(0)] long Seq,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] string Nickname);

/// <summary>A group formed: these tickets ended MATCHED; the match is created from this record.</summary>
[GenerateSerializer, Immutable, Alias("partner.rmq.matched")]
public sealed record GroupMatched(
    [property: Id(0)] Guid MatchId,
    [property: Id(1)] ImmutableArray<GroupMember> Members,
    [property: Id(2)] ImmutableDictionary<string, ImmutableArray<string>> Agreed,
    [property: Id(3)] DateTimeOffset At) : QueueEvent;

[GenerateSerializer, Immutable, Alias("partner.rmq.cancelled")]
public sealed record TicketCancelled(
    [property: Id(0)] long Seq,
    [property: Id(1)] DateTimeOffset At) : QueueEvent;

/// <summary>Tickets whose deadline passed; each owner gets a TICKET_EXPIRED alarm from this record.</summary>
[GenerateSerializer, Immutable, Alias("partner.rmq.expired")]
public sealed record TicketsExpired(
    [property: Id(0)] ImmutableArray<GroupMember> Tickets,
    [property: Id(1)] DateTimeOffset At) : QueueEvent;

/// <summary>
/// Every effect (match creation, expiry alarms) recorded before this event in a segment below <see cref="Below"/>
/// is done: a replay need not redo them.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.rmq.settled")]
public sealed record EffectsSettled(
    [property: Id(0)] long Below) : QueueEvent;

/// <summary>A finished ticket, re-recorded whole by compaction so it stays visible to its owner for a while.</summary>
[GenerateSerializer, Immutable, Alias("partner.rmq.finished")]
public sealed record TicketFinished(
    [property: Id(0)] long Seq,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] ImmutableDictionary<string, ImmutableArray<string>> Conditions,
    [property: Id(3)] DateTimeOffset EnqueuedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] TicketStatus Status,
    [property: Id(6)] Guid? MatchId,
    [property: Id(7)] DateTimeOffset EndedAt,
    [property: Id(8)] string? RequestId) : QueueEvent;

/// <summary>The queue grain's own row: where its journal starts, and the next ticket seq.</summary>
[GenerateSerializer, Alias("partner.rmq.queue-state")]
public sealed class RandomQueueState
{
    /// <summary>The first journal segment still needed; older ones were compacted away.</summary>
    [Id(0)] public long Head { get; set; }

    /// <summary>A floor for the next seq (seqs are never reused, match ids derive from them).</summary>
    [Id(1)] public long NextSeq { get; set; } = 1;
}
