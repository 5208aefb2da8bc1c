using Partner.Api.Auth;
using Partner.Users;

namespace Partner.Api.Hosting;

public static class ActiveUserFilter
{
    /// <summary>
    /// A write: authenticated (its session checked afresh while authenticating), rate-limited per
    /// user, and refused with 403 <c>user.withdrawn</c> for a withdrawn account.
    /// </summary>
    public static TBuilder RequireActiveUser<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .WithMetadata(ActiveUserStep.Instance)
            .RequireAuthorization()
            .RequireRateLimiting(RateLimits.Writes)
            .AddEndpointFilter(async (context, next) =>
            {
                var http = context.HttpContext;
                var me = CurrentUser.From(http.User) ?? throw Errors.NotFound("The user");
                var check = SessionGate.Of(http) ?? await http.RequestServices.GetRequiredService<SessionGate>().CheckAsync(me, fresh: true);
                return check == AccessCheck.Withdrawn ? throw Errors.UserWithdrawn() : await next(context);
            });

    /// <summary>Whether the endpoint has the active-user step, the one place that answers a withdrawn user 403 <c>user.withdrawn</c>.</summary>
    public static bool HasActiveUserStep(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<ActiveUserStep>() is not null;

    private sealed class ActiveUserStep
    {
        public static readonly ActiveUserStep Instance = new();
    }
}
