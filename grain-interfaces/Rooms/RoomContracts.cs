using System.Collections.Immutable;

namespace Partner.Rooms;

/// <summary>A room's life: open (joinable until full), completed into a match, or deleted (gone for everyone).</summary>
[GenerateSerializer, Alias("partner.room-lifecycle")]
public enum RoomLifecycle
{
    Open,
    Completed,
    Deleted,
}

/// <summary>What clients see: OPEN, FULL (open without a seat left) or COMPLETED.</summary>
[GenerateSerializer, Alias("partner.room-status")]
public enum RoomStatus
{
    Open,
    Full,
    Completed,
}

[GenerateSerializer, Immutable, Alias("partner.user-ref")]
public sealed record UserRef(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Nickname);

/// <summary>What the owner writes when opening or editing a room. Category is fixed at creation.</summary>
[GenerateSerializer, Immutable, Alias("partner.room-draft")]
public sealed record RoomDraft(
    [property: Id(0)] string Category,
    [property: Id(1)] string Title,
    [property: Id(2)] string Content,
    [property: Id(3)] DateOnly Date,
    [property: Id(4)] int Capacity,
    [property: Id(5)] bool Anonymous,
    [property: Id(6)] ImmutableDictionary<string, ImmutableArray<string>> Conditions);

/// <summary>A room as the directory lists it; owner is null in anonymous rooms.</summary>
[GenerateSerializer, Immutable, Alias("partner.room-listing")]
public sealed record RoomListing(
    [property: Id(0)] Guid RoomId,
    [property: Id(1)] string Category,
    [property: Id(2)] string Title,
    [property: Id(3)] DateOnly Date,
    [property: Id(4)] int Capacity,
    [property: Id(5)] int ParticipantCount,
    [property: Id(6)] bool Anonymous,
    [property: Id(7)] RoomLifecycle Lifecycle,
    [property: Id(8)] UserRef? Owner,
    [property: Id(9)] ImmutableDictionary<string, ImmutableArray<string>> Conditions,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] long Version)
{
    public RoomStatus Status => Lifecycle == RoomLifecycle.Completed ? RoomStatus.Completed
        : ParticipantCount >= Capacity ? RoomStatus.Full : RoomStatus.Open;
}

/// <summary>A listing with the one fact that depends on when it is read.</summary>
[GenerateSerializer, Immutable, Alias("partner.room-summary")]
public sealed record RoomSummary(
    [property: Id(0)] RoomListing Listing,
    [property: Id(1)] bool IsToday);

[GenerateSerializer, Immutable, Alias("partner.participant-view")]
public sealed record ParticipantView(
    [property: Id(0)] string? Nickname,
    [property: Id(1)] bool IsOwner,
    [property: Id(2)] bool IsMe);

/// <summary>A room as one viewer sees it: nicknames hidden in anonymous rooms, <c>isMe</c> set for the viewer.</summary>
[GenerateSerializer, Immutable, Alias("partner.room-view")]
public sealed record RoomView(
    [property: Id(0)] RoomListing Listing,
    [property: Id(1)] string Content,
    [property: Id(2)] ImmutableArray<ParticipantView> Participants,
    [property: Id(3)] Guid? MatchId,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] bool IsToday);

[GenerateSerializer, Immutable, Alias("partner.join-result")]
public sealed record JoinResult(
    [property: Id(0)] bool Joined,
    [property: Id(1)] RoomView Room);

[GenerateSerializer, Immutable, Alias("partner.comment-view")]
public sealed record CommentView(
    [property: Id(0)] Guid CommentId,
    [property: Id(1)] Guid? ParentId,
    [property: Id(2)] string? Content,
    [property: Id(3)] string? AuthorNickname,
    [property: Id(4)] bool IsMine,
    [property: Id(5)] bool Deleted,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("partner.room-query")]
public sealed record RoomQuery(
    [property: Id(0)] string? Category,
    [property: Id(1)] RoomLifecycle? Lifecycle,
    [property: Id(2)] DateOnly? Date,
    [property: Id(3)] int Page,
    [property: Id(4)] int Size);
