using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Partner.Api.Auth;
using Partner.Api.Hosting;
using Partner.Matches;
using Partner.Users;

namespace Partner.Api.Users;

public static class UserEndpoints
{
    public static RouteGroupBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/users/me").WithTags("Users").RequireAuthorization();
        me.MapGet("", Get).WithSummary("My profile.");
        me.MapPatch("", UpdateEmail).RequireActiveUser().WithSummary("Changes my e-mail address.");
        me.MapDelete("", Withdraw).RequireActiveUser().WithSummary("Withdraws my account: tokens revoked, open rooms and queues left.");
        me.MapGet("/activity-score", ActivityScore)
            .WithSummary("My activity points in [from, to) (instants with offset, or dates in the school's time zone), optionally in one category.");
        return me;
    }

    private static async Task<Ok<UserDto>> Get(CurrentUser me, IGrainFactory grains)
    {
        var user = await me.Grain(grains).Get() ?? throw Errors.NotFound("The user");
        return TypedResults.Ok(UserDto.From(user));
    }

    private static async Task<Ok<UserDto>> UpdateEmail(UpdateEmailRequest request, CurrentUser me, IGrainFactory grains)
    {
        var user = await me.Grain(grains).UpdateEmail(request.Email!);
        return TypedResults.Ok(UserDto.From(user));
    }

    private static async Task<Ok<ActivityScoreDto>> ActivityScore(
        string? category, string? from, string? to, CurrentUser me, IGrainFactory grains)
    {
        var (start, end) = (QueryTime.Parse("from", from), QueryTime.Parse("to", to));
        var score = await grains.GetGrain<IUserActivityGrain>(me.UserId).Score(string.IsNullOrWhiteSpace(category) ? null : category, start, end);
        return TypedResults.Ok(new ActivityScoreDto(score));
    }

    private static async Task<NoContent> Withdraw(CurrentUser me, HttpResponse response, IGrainFactory grains, SessionGate sessions)
    {
        await me.Grain(grains).Withdraw();
        if (me.SessionId is { } sessionId)
        {
            sessions.Forget(sessionId);
        }

        RefreshCookie.Clear(response);
        return TypedResults.NoContent();
    }
}

public sealed record UpdateEmailRequest([property: Required, EmailAddress, StringLength(254)] string? Email);

public sealed record UserDto(Guid UserId, string Login, string Nickname, string? Email, string? ImageUrl, string[] Roles, UserStatus Status)
{
    public static UserDto From(UserProfile user) =>
        new(user.UserId, user.Login, user.Nickname, user.Email, user.ImageUrl, [.. user.Roles], user.Status);
}

public sealed record ActivityScoreDto(long Score);
