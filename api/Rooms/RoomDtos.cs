using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using Partner.Rooms;

namespace Partner.Api.Rooms;

public sealed record RoomRequest(
    string? Category,
    [property: Required, StringLength(100, MinimumLength = 1)] string? Title,
    [property: Required, StringLength(2000, MinimumLength = 1)] string? Content,
    [property: Required] DateOnly? Date,
    [property: Required, Range(2, 20)] int? Capacity,
    bool Anonymous,
    Dictionary<string, string[]?>? Conditions)
{
    public RoomDraft ToDraft(string category) => new(
        category,
        Title!,
        Content!,
        Date!.Value,
        Capacity!.Value,
        Anonymous,
        (Conditions ?? []).ToImmutableDictionary(pair => pair.Key, pair => pair.Value is null ? ImmutableArray<string>.Empty : [.. pair.Value]));
}

public sealed record CommentRequest([property: Required, StringLength(1000, MinimumLength = 1)] string? Content, Guid? ParentId);

public sealed record OwnerDto(Guid UserId, string Nickname);

public sealed record RoomSummaryDto(
    Guid RoomId, string Category, string Title, DateOnly Date, bool IsToday, int Capacity, int ParticipantCount,
    bool Anonymous, RoomStatus Status, OwnerDto? Owner, IReadOnlyDictionary<string, ImmutableArray<string>> Conditions, DateTimeOffset CreatedAt)
{
    public static RoomSummaryDto From(RoomSummary summary) => From(summary.Listing, summary.IsToday);

    public static RoomSummaryDto From(RoomListing l, bool isToday) => new(
        l.RoomId, l.Category, l.Title, l.Date, isToday, l.Capacity, l.ParticipantCount, l.Anonymous, l.Status,
        l.Owner is { } owner ? new OwnerDto(owner.UserId, owner.Nickname) : null, l.Conditions, l.CreatedAt);
}

public sealed record ParticipantDto(string? Nickname, bool IsOwner, bool IsMe);

public sealed record RoomDto(
    Guid RoomId, string Category, string Title, DateOnly Date, bool IsToday, int Capacity, int ParticipantCount,
    bool Anonymous, RoomStatus Status, OwnerDto? Owner, IReadOnlyDictionary<string, ImmutableArray<string>> Conditions, DateTimeOffset CreatedAt,
    string Content, ParticipantDto[] Participants, Guid? MatchId, DateTimeOffset UpdatedAt, long Version, bool? Deleted = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string ETag => $"\"{Version}\"";

    public static RoomDto From(RoomView view)
    {
        var s = RoomSummaryDto.From(view.Listing, view.IsToday);
        return new RoomDto(
            s.RoomId, s.Category, s.Title, s.Date, s.IsToday, s.Capacity, s.ParticipantCount, s.Anonymous, s.Status, s.Owner, s.Conditions, s.CreatedAt,
            view.Content, [.. view.Participants.Select(p => new ParticipantDto(p.Nickname, p.IsOwner, p.IsMe))], view.MatchId, view.UpdatedAt, view.Listing.Version);
    }
}

public sealed record CommentDto(Guid CommentId, Guid? ParentId, string? Content, string? AuthorNickname, bool IsMine, bool Deleted, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static CommentDto From(CommentView c) => new(c.CommentId, c.ParentId, c.Content, c.AuthorNickname, c.IsMine, c.Deleted, c.CreatedAt, c.UpdatedAt);
}

public sealed record MatchCreatedDto(Guid MatchId);
