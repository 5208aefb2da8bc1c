using System.Collections.Immutable;

namespace Partner.Alarms;

[GenerateSerializer, Alias("partner.alarm-type")]
public enum AlarmType
{
    RoomJoined,
    RoomLeft,
    MatchConfirmed,
    CommentReply,
    TicketExpired,
}

/// <summary>An alarm to raise. <see cref="AlarmId"/> is chosen by the raiser and makes raising idempotent.</summary>
[GenerateSerializer, Immutable, Alias("partner.alarm-draft")]
public sealed record AlarmDraft(
    [property: Id(0)] Guid AlarmId,
    [property: Id(1)] AlarmType Type,
    [property: Id(2)] string Text,
    [property: Id(3)] Guid? RoomId,
    [property: Id(4)] Guid? CommentId,
    [property: Id(5)] Guid? MatchId,
    [property: Id(6)] string? ActorNickname);

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
    /// <summary>Stores the alarm durably and returns its seq; raising the same <see cref="AlarmDraft.AlarmId"/> again returns the first seq.</summary>
    [Alias("raise")]
    Task<long> Raise(AlarmDraft alarm);

    /// <summary>Alarms with seq &gt; <paramref name="afterSeq"/> ascending (at most <paramref name="limit"/>), or the newest <paramref name="limit"/> when null.</summary>
    [Alias("list")]
    Task<AlarmPage> List(long? afterSeq, int limit);

    /// <summary>Marks every alarm with seq ≤ <paramref name="upToSeq"/> read.</summary>
    [Alias("mark-read")]
    Task MarkRead(long upToSeq);
}
