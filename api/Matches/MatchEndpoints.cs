using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Partner.Api.Auth;
using Partner.Api.Hosting;
using Partner.Api.Idempotency;
using Partner.Matches;

namespace Partner.Api.Matches;

public static class MatchEndpoints
{
    public static RouteGroupBuilder MapMatches(this IEndpointRouteBuilder app)
    {
        var matches = app.MapGroup("/api/matches").WithTags("Matches").RequireAuthorization();
        matches.MapGet("", List).WithSummary("My matches, newest first; filter by category and method (ROOM, RANDOM).");
        matches.MapGet("/{matchId:guid}", Get).WithSummary("One match: its conditions and members. Members and admins only.");
        matches.MapPost("/{matchId:guid}/reviews", Review).RequireActiveUser().Idempotent()
            .WithSummary("Reviews the other members once: a score of 1 to 5, or ABSENT.");
        return matches;
    }

    private static async Task<Ok<PageDto<MatchSummaryDto>>> List(
        string? category, string? method, string? page, string? size, CurrentUser me, IGrainFactory grains)
    {
        var matches = await grains.GetGrain<IUserActivityGrain>(me.UserId)
            .Matches(Blank(category), MethodOf(method), Paging.Page(page), Paging.Size(size));
        return TypedResults.Ok(PageDto<MatchSummaryDto>.From(matches, MatchSummaryDto.From));
    }

    private static async Task<Ok<MatchDto>> Get(Guid matchId, CurrentUser me, IGrainFactory grains)
    {
        var match = await grains.GetGrain<IMatchGrain>(matchId).Get(me.Actor);
        return TypedResults.Ok(MatchDto.From(match));
    }

    private static async Task<Created<ReviewedDto>> Review(Guid matchId, ReviewsRequest request, CurrentUser me, IGrainFactory grains)
    {
        await grains.GetGrain<IMatchGrain>(matchId).Review(me.Actor, request.ToReviews());
        return TypedResults.Created($"/api/matches/{matchId}", new ReviewedDto(matchId));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static MatchMethod? MethodOf(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : Enum.GetValues<MatchMethod>().Cast<MatchMethod?>().FirstOrDefault(m => m.ToString()!.Equals(value, StringComparison.OrdinalIgnoreCase))
            ?? throw Errors.Validation("method", "method is ROOM or RANDOM.");
}

public sealed record MatchSummaryDto(Guid MatchId, string Category, MatchMethod Method, Guid? RoomId, string Title, int MemberCount, DateTimeOffset CreatedAt)
{
    public static MatchSummaryDto From(MatchRecord match) =>
        new(match.MatchId, match.Category, match.Method, match.RoomId, match.Title, match.MemberCount, match.CreatedAt);
}

public sealed record MatchDto(
    Guid MatchId,
    string Category,
    MatchMethod Method,
    Guid? RoomId,
    IReadOnlyDictionary<string, string[]> Conditions,
    MatchMemberDto[] Members,
    DateTimeOffset CreatedAt,
    bool ReviewedByMe)
{
    public static MatchDto From(MatchView match) => new(
        match.MatchId,
        match.Category,
        match.Method,
        match.RoomId,
        match.Conditions.ToDictionary(c => c.Key, c => c.Value.ToArray(), StringComparer.Ordinal),
        [.. match.Members.Select(m => new MatchMemberDto(m.UserId, m.Nickname, m.IsMe))],
        match.CreatedAt,
        match.ReviewedByMe);
}

public sealed record MatchMemberDto(Guid UserId, string Nickname, bool IsMe);

public sealed record ReviewsRequest([property: Required] ReviewLineRequest?[]? Reviews)
{
    public ImmutableArray<Review> ToReviews() =>
        [.. (Reviews ?? []).Select((line, i) => line is { UserId: { } userId, Score: { } score }
            ? new Review(userId, score.Stars)
            : throw Errors.Validation(line is null ? $"reviews[{i}]" : line.UserId is null ? $"reviews[{i}].userId" : $"reviews[{i}].score",
                "Each review line is {userId, score}."))];
}

public sealed record ReviewLineRequest([property: Required] Guid? UserId, [property: Required] ReviewScore? Score);

public sealed record ReviewedDto(Guid MatchId);
