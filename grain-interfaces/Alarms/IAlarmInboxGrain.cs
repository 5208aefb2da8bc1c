using System.Collections.Immutable;

namespace Partner.Alarms;

/// <summary>What happened; UPPER_CASE in HTTP and SignalR JSON.</summary>
[GenerateSerializer, Alias("partner.alarm-type")]
public enum AlarmType
{
    RoomJoined,
    RoomLeft,
    MatchConfirmed,
    CommentReply,
    TicketExpired,
}

/// <summary>
/// An alarm to raise. <see cref="AlarmId"/> is chosen by the raiser and makes raising idempotent.
/// <see cref="Text"/> is kept up to 200 characters.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.alarm-draft")]
public sealed record AlarmDraft(
    [property: Id(0)] Guid AlarmId,
    [property: Id(1)] AlarmType Type,
    [property: Id(2)] string Text,
    [property: Id(3)] Guid? RoomId,
    [property: Id(4)] Guid? CommentId,
    [property: Id(5)] Guid? MatchId,
    [property: Id(6)] string? ActorNickname);

/// <summary>A stored alarm as its recipient sees it.</summary>
[GenerateSerializer, Immutable, Alias("partner.alarm")]
public sealed record Alarm(
    [property: Id(0)] Guid AlarmId,
    [property: Id(1)] long Seq,
    [property: Id(2)] AlarmType Type,
    [property: Id(3)] string Text,
    [property: Id(4)] Guid? RoomId,
    [property: Id(5)] Guid? CommentId,
    [property: Id(6)] Guid? MatchId,
    [property: Id(7)] string? ActorNickname,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] bool Read);

/// <summary>Some alarms ascending by seq, the unread count of the whole inbox, and the inbox's last seq.</summary>
[GenerateSerializer, Immutable, Alias("partner.alarm-page")]
public sealed record AlarmPage(
    [property: Id(0)] ImmutableArray<Alarm> Items,
    [property: Id(1)] int UnreadCount,
    [property: Id(2)] long LastSeq);

/// <summary>
/// A user's alarms, each with a per-user monotonically increasing sequence number. Keeps the
/// newest <c>500</c>; older ones are dropped (their sequence numbers are never reused).
/// </summary>
[Alias("partner.alarm-inbox")]
public interface IAlarmInboxGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Stores the alarm durably and returns its seq; raising the same <see cref="AlarmDraft.AlarmId"/> again
    /// returns the first seq without storing anything, as long as that alarm is still kept.
    /// </summary>
    [Alias("raise")]
    Task<long> Raise(AlarmDraft alarm);

    /// <summary>
    /// Alarms with seq &gt; <paramref name="afterSeq"/> ascending (at most <paramref name="limit"/>), or the newest
    /// <paramref name="limit"/> when null; a gap after <paramref name="afterSeq"/> means those alarms were dropped.
    /// <paramref name="limit"/> is 1..100 and <paramref name="afterSeq"/> 0 or more,
    /// else a <c>validation</c> error naming the argument.
    /// </summary>
    [Alias("list")]
    Task<AlarmPage> List(long? afterSeq, int limit);

    /// <summary>Every kept alarm with seq &gt; <paramref name="afterSeq"/> (at most the inbox's 500), ascending: a catch-up in one call.</summary>
    [Alias("since")]
    Task<ImmutableArray<Alarm>> Since(long afterSeq);

    /// <summary>Marks every alarm with seq ≤ <paramref name="upToSeq"/> read; alarms raised later arrive unread.</summary>
    [Alias("mark-read")]
    Task MarkRead(long upToSeq);
}
