using System.Collections.Immutable;
using Orleans.Concurrency;
using Partner.Streams;

namespace Partner.Rooms;

/// <summary>
/// One room. Its single-threaded turns enforce the capacity: no database lock, no retry. Every
/// command answers only once its change is durable.
/// </summary>
[Alias("partner.room")]
public interface IRoomGrain : IGrainWithGuidKey
{
    /// <summary>Opens the room with its owner as first participant (capacity counts the owner).</summary>
    [Alias("create")]
    Task<RoomView> Create(Actor owner, RoomDraft draft);

    /// <summary>The room for <paramref name="viewer"/> (null: anonymous viewer); not-found when unknown or deleted.</summary>
    [Alias("get"), SafeToRepeat]
    Task<RoomView> Get(Guid? viewer);

    /// <summary>The room as its pushes carry it (a deleted room included), or null when it was never created: what a lost push would have said.</summary>
    [Alias("changed"), SafeToRepeat]
    Task<RoomChanged?> Changed();

    /// <summary>The directory's view of this room, or null when unknown or deleted. Interleaves: the directory asks while rooms report to it.</summary>
    [Alias("listing"), AlwaysInterleave, SafeToRepeat]
    Task<RoomListing?> Listing();

    /// <summary>
    /// Owner or admin; category cannot change; capacity not below the participants; <paramref name="expectedVersion"/> (If-Match)
    /// must be current when given. Anonymity can be turned on at any time, but not off once anyone other than the owner has
    /// joined or commented (even if they left or deleted it since): <c>room.anonymity-locked</c>.
    /// </summary>
    [Alias("edit")]
    Task<RoomView> Edit(Actor actor, RoomDraft draft, long? expectedVersion);

    [Alias("delete")]
    Task Delete(Actor actor);

    /// <summary>Joins; idempotent (Joined is false when already in).</summary>
    [Alias("join"), SafeToRepeat]
    Task<JoinResult> Join(Actor user);

    [Alias("leave")]
    Task Leave(Actor user);

    /// <summary>Owner or admin: completes the room into a match (method ROOM); a retry after a crash converges on the same match.</summary>
    [Alias("complete")]
    Task<Guid> Complete(Actor actor);

    /// <summary>
    /// A withdrawn user's exit: an open room they own is deleted, an open room they joined is left (the owner
    /// gets ROOM_LEFT); anything else is unchanged. Idempotent.
    /// </summary>
    [Alias("remove-withdrawn")]
    Task RemoveWithdrawn(Guid userId);

    /// <summary>Oldest first, replies right after their parent.</summary>
    [Alias("comments"), SafeToRepeat]
    Task<ImmutableArray<CommentView>> Comments(Guid? viewer);

    /// <summary>
    /// A reply to a reply attaches to the top-level parent. With <paramref name="commentId"/> (derived from an
    /// Idempotency-Key) a retry returns the comment it already added.
    /// </summary>
    [Alias("add-comment")]
    Task<CommentView> AddComment(Actor author, string content, Guid? parentId, Guid? commentId = null);

    [Alias("edit-comment")]
    Task<CommentView> EditComment(Actor actor, Guid commentId, string content);

    [Alias("delete-comment")]
    Task DeleteComment(Actor actor, Guid commentId);
}

/// <summary>
/// The rooms of one category and one meeting date ("MEAL:2026-11-25"): which rooms were filed here is
/// durable (a room id appended once); the listings are the rooms' own, asked from them at activation and
/// refreshed in memory by the rooms, so joins never wait on it.
/// </summary>
[Alias("partner.room-day")]
public interface IRoomDayGrain : IGrainWithStringKey
{
    /// <summary>
    /// Durably files a room that is being created, before the room's own write: if the creation stops after that write,
    /// the directory finishes it (lists the room) by itself.
    /// </summary>
    [Alias("reserve")]
    Task Reserve(Guid roomId);

    /// <summary>Adds or replaces a listing (create, edit, complete), filing the room durably if it is new here; ends its reservation.</summary>
    [Alias("upsert")]
    Task Upsert(RoomListing listing);

    /// <summary>Removes a room (deletion, or a date change) once the room's own state says so.</summary>
    [Alias("remove")]
    Task Remove(Guid roomId);

    /// <summary>Refreshes a listing in memory, filing the room if it is new here; ignored when older than the one held.</summary>
    [Alias("touch"), OneWay]
    Task Touch(RoomListing listing);

    /// <summary>The listings, newest created first.</summary>
    [Alias("list")]
    Task<ImmutableArray<RoomListing>> List(RoomLifecycle? lifecycle);
}

/// <summary>The meeting dates that have rooms in one category.</summary>
[Alias("partner.room-dates")]
public interface IRoomDatesGrain : IGrainWithStringKey
{
    [Alias("add")]
    Task Add(DateOnly date);

    /// <summary>Newest first.</summary>
    [Alias("dates")]
    Task<ImmutableArray<DateOnly>> Dates();
}

/// <summary>Answers room list queries from the directories' memory; stateless, one per silo as needed.</summary>
[Alias("partner.room-listings")]
public interface IRoomListingsGrain : IGrainWithIntegerKey
{
    /// <summary>Newest meeting date first, then newest created.</summary>
    [Alias("query")]
    Task<Page<RoomSummary>> Query(RoomQuery query);
}

public static class RoomDirectory
{
    public static string DayKey(string category, DateOnly date) => $"{category}:{date:yyyy-MM-dd}";
}

/// <summary>A room's comments, one reply level. Called only by its <see cref="IRoomGrain"/>, which checks the room first.</summary>
[Alias("partner.room-comments")]
public interface IRoomCommentsGrain : IGrainWithGuidKey
{
    [Alias("list")]
    Task<ImmutableArray<CommentView>> List(Guid? viewer, bool anonymous);

    /// <summary>Adds a comment; a reply alarms the parent's author (unless it is the replier).</summary>
    [Alias("add")]
    Task<CommentView> Add(Actor author, string content, Guid? parentId, bool anonymous, string roomTitle, Guid? commentId = null);

    [Alias("edit")]
    Task<CommentView> Edit(Actor actor, Guid commentId, string content, bool anonymous);

    /// <summary>A comment with replies stays as a placeholder without content.</summary>
    [Alias("delete")]
    Task Delete(Actor actor, Guid commentId);

    /// <summary>The room was deleted: refuse everything from now on.</summary>
    [Alias("close")]
    Task Close();
}
