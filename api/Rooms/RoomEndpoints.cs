using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime;
using Partner.Api.Auth;
using Partner.Api.Hosting;
using Partner.Api.Idempotency;
using Partner.Rooms;

namespace Partner.Api.Rooms;

public static class RoomEndpoints
{
    public static RouteGroupBuilder MapRooms(this IEndpointRouteBuilder app)
    {
        var rooms = app.MapGroup("/api/rooms").WithTags("Rooms");
        rooms.MapGet("", List).WithSummary("Rooms, newest meeting date first, then newest created.");
        rooms.MapPost("", Create).RequireActiveUser().Idempotent().WithSummary("Opens a room; the owner is its first participant.");
        rooms.MapGet("/{roomId:guid}", Get).WithSummary("One room, with an ETag of its version.");
        rooms.MapPut("/{roomId:guid}", Edit).RequireActiveUser().WithSummary("Owner or admin; honours If-Match.");
        rooms.MapDelete("/{roomId:guid}", Delete).RequireActiveUser().WithSummary("Owner or admin; the room is gone for everyone.");
        rooms.MapPut("/{roomId:guid}/participants/me", Join).RequireActiveUser().Idempotent().WithSummary("Joins: 201 the first time, 200 when already in.");
        rooms.MapDelete("/{roomId:guid}/participants/me", Leave).RequireActiveUser().WithSummary("Leaves (not the owner).");
        rooms.MapPost("/{roomId:guid}/match", Complete).RequireActiveUser().Idempotent().WithSummary("Owner or admin: completes the room into a match.");
        rooms.MapGet("/{roomId:guid}/comments", Comments).WithSummary("Oldest first, replies after their parent.");
        rooms.MapPost("/{roomId:guid}/comments", AddComment).RequireActiveUser().Idempotent();
        rooms.MapPut("/{roomId:guid}/comments/{commentId:guid}", EditComment).RequireActiveUser();
        rooms.MapDelete("/{roomId:guid}/comments/{commentId:guid}", DeleteComment).RequireActiveUser();
        return rooms;
    }

    private static async Task<Ok<PageDto<RoomSummaryDto>>> List(string? category, string? status, string? date, string? page, string? size, RoomReadModel reads)
    {
        var query = new RoomQuery(category, Lifecycle(status), QueryTime.ParseDate("date", date), Paging.Page(page), Paging.Size(size));
        var result = await reads.Query(query);
        return TypedResults.Ok(PageDto<RoomSummaryDto>.From(result, RoomSummaryDto.From));
    }

    private static async Task<Created<RoomDto>> Create(RoomRequest request, CurrentUser me, HttpRequest http, IGrainFactory grains, RoomReadModel reads)
    {
        var roomId = IdempotentCreates.KeyOf(http) is { } key ? IdempotentCreates.DerivedId(me.UserId, "room", key) : Guid.NewGuid();
        var view = await grains.GetGrain<IRoomGrain>(roomId).Create(me.Actor, request.ToDraft(request.Category ?? throw Errors.Validation("category", "category is required.")));
        reads.Wrote(view.Listing);
        return TypedResults.Created($"/api/rooms/{roomId}", RoomDto.From(view));
    }

    private static async Task<Ok<RoomDto>> Get(Guid roomId, ClaimsPrincipal user, HttpResponse response, RoomReadModel reads)
    {
        var room = RoomDto.From(await reads.Get(roomId, CurrentUser.From(user)?.UserId));
        response.Headers.ETag = room.ETag;
        return TypedResults.Ok(room);
    }

    private static async Task<Ok<RoomDto>> Edit(Guid roomId, RoomRequest request, CurrentUser me, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, IGrainFactory grains, RoomReadModel reads)
    {
        var grain = grains.GetGrain<IRoomGrain>(roomId);
        var category = request.Category ?? (await grain.Get(me.UserId)).Listing.Category;
        var view = await reads.Writing(roomId, () => grain.Edit(me.Actor, request.ToDraft(category), ExpectedVersion(ifMatch)));
        reads.Wrote(view.Listing);
        var room = RoomDto.From(view);
        response.Headers.ETag = room.ETag;
        return TypedResults.Ok(room);
    }

    private static async Task<NoContent> Delete(Guid roomId, CurrentUser me, IGrainFactory grains, RoomReadModel reads)
    {
        await reads.Writing(roomId, async () =>
        {
            await grains.GetGrain<IRoomGrain>(roomId).Delete(me.Actor);
            return true;
        });
        reads.Deleted(roomId);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<RoomDto>, Ok<RoomDto>>> Join(Guid roomId, CurrentUser me, IGrainFactory grains, RoomReadModel reads)
    {
        var result = await reads.Writing(roomId, () => grains.GetGrain<IRoomGrain>(roomId).Join(me.Actor));
        reads.Wrote(result.Room.Listing);
        var room = RoomDto.From(result.Room);
        return result.Joined ? TypedResults.Created($"/api/rooms/{roomId}", room) : TypedResults.Ok(room);
    }

    private static async Task<NoContent> Leave(Guid roomId, CurrentUser me, IGrainFactory grains, RoomReadModel reads)
    {
        var room = grains.GetGrain<IRoomGrain>(roomId);
        try
        {
            await reads.Writing(roomId, async () =>
            {
                await room.Leave(me.Actor);
                return true;
            });
        }
        catch (SiloUnavailableException)
        {
            // The silo left mid-call: the leave may have run, and sending it again would answer not-participant (409) if it
            // did. Settled by the room itself: when the user is not in it, what the client asked for holds.
            if ((await room.Get(me.UserId)).Participants.Any(p => p.IsMe))
            {
                throw;
            }
        }

        await reads.WroteAsync(roomId);
        return TypedResults.NoContent();
    }

    private static async Task<Created<MatchCreatedDto>> Complete(Guid roomId, CurrentUser me, IGrainFactory grains, RoomReadModel reads)
    {
        var matchId = await reads.Writing(roomId, () => grains.GetGrain<IRoomGrain>(roomId).Complete(me.Actor));
        await reads.WroteAsync(roomId);
        return TypedResults.Created($"/api/matches/{matchId}", new MatchCreatedDto(matchId));
    }

    private static async Task<Ok<CommentDto[]>> Comments(Guid roomId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var comments = await grains.GetGrain<IRoomGrain>(roomId).Comments(CurrentUser.From(user)?.UserId);
        return TypedResults.Ok(comments.Select(CommentDto.From).ToArray());
    }

    private static async Task<Created<CommentDto>> AddComment(Guid roomId, CommentRequest request, CurrentUser me, HttpRequest http, IGrainFactory grains)
    {
        var commentId = IdempotentCreates.KeyOf(http) is { } key ? IdempotentCreates.DerivedId(me.UserId, $"comment {roomId:N}", key) : (Guid?)null;
        var comment = await grains.GetGrain<IRoomGrain>(roomId).AddComment(me.Actor, request.Content!, request.ParentId, commentId);
        return TypedResults.Created($"/api/rooms/{roomId}/comments/{comment.CommentId}", CommentDto.From(comment));
    }

    private static async Task<Ok<CommentDto>> EditComment(Guid roomId, Guid commentId, CommentRequest request, CurrentUser me, IGrainFactory grains)
    {
        var comment = await grains.GetGrain<IRoomGrain>(roomId).EditComment(me.Actor, commentId, request.Content!);
        return TypedResults.Ok(CommentDto.From(comment));
    }

    private static async Task<NoContent> DeleteComment(Guid roomId, Guid commentId, CurrentUser me, IGrainFactory grains)
    {
        await grains.GetGrain<IRoomGrain>(roomId).DeleteComment(me.Actor, commentId);
        return TypedResults.NoContent();
    }

    private static RoomLifecycle? Lifecycle(string? status) => status?.ToLowerInvariant() switch
    {
        null or "" => null,
        "open" => RoomLifecycle.Open,
        "completed" => RoomLifecycle.Completed,
        _ => throw Errors.Validation("status", "status is 'open' or 'completed'."),
    };

    /// <summary>If-Match: "*" or absent matches any version; an ETag we did not issue can never match.</summary>
    private static long? ExpectedVersion(string? ifMatch) =>
        string.IsNullOrWhiteSpace(ifMatch) || ifMatch.Trim() == "*" ? null
        : long.TryParse(ifMatch.Trim().TrimStart('W', '/').Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version
        : -1;
}
