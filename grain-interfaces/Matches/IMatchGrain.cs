using System.Collections.Immutable;

namespace Partner.Matches;

[GenerateSerializer, Alias("partner.match-method")]
public enum MatchMethod
{
    Room,
    Random,
}

/// <summary>A member of a match and the activity points the match awards them.</summary>
[GenerateSerializer, Immutable, Alias("partner.match-member")]
public sealed record MatchMember(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] int Points);

[GenerateSerializer, Immutable, Alias("partner.match-definition")]
public sealed record MatchDefinition(
    [property: Id(0)] Guid MatchId,
    [property: Id(1)] string Category,
    [property: Id(2)] MatchMethod Method,
    [property: Id(3)] Guid? RoomId,
    [property: Id(4)] ImmutableDictionary<string, ImmutableArray<string>> Conditions,
    [property: Id(5)] ImmutableArray<MatchMember> Members,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] string Title);

[GenerateSerializer, Immutable, Alias("partner.match-view")]
public sealed record MatchView(
    [property: Id(0)] Guid MatchId,
    [property: Id(1)] string Category,
    [property: Id(2)] MatchMethod Method,
    [property: Id(3)] Guid? RoomId,
    [property: Id(4)] ImmutableDictionary<string, ImmutableArray<string>> Conditions,
    [property: Id(5)] ImmutableArray<MatchMemberView> Members,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] bool ReviewedByMe);

[GenerateSerializer, Immutable, Alias("partner.match-member-view")]
public sealed record MatchMemberView(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] bool IsMe);

/// <summary>One review line: a 1..5 score, or null for ABSENT.</summary>
[GenerateSerializer, Immutable, Alias("partner.review")]
public sealed record Review(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] int? Score);

/// <summary>One match: its members, the conditions they agreed on, and their reviews.</summary>
[Alias("partner.match")]
public interface IMatchGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Records the match, then — each step idempotent, all durable before it returns — awards each
    /// member's points, adds it to each member's history and raises MATCH_CONFIRMED for each member.
    /// Calling it again with the same definition converges; it never duplicates points or alarms.
    /// </summary>
    [Alias("create")]
    Task Create(MatchDefinition definition);

    /// <summary>Members and admins only (<c>match.not-member</c>); unknown matches are <c>not-found</c>.</summary>
    [Alias("get")]
    Task<MatchView> Get(Actor viewer);

    /// <summary>
    /// Each member reviews once (<c>match.already-reviewed</c>); targets are other members
    /// (<c>match.review-target-invalid</c>). Scores 1..5 give −10, 0, +10, +20, +42, ABSENT −200; the reviewer gets +20.
    /// </summary>
    [Alias("review")]
    Task Review(Actor reviewer, ImmutableArray<Review> reviews);
}
