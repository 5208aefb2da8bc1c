using Partner.Api.Auth;

namespace Partner.Api.Hosting;

public static class ActiveUserFilter
{
    /// <summary>
    /// A write: authenticated, rate-limited per user, and refused with 403 <c>user.withdrawn</c> for a
    /// withdrawn account whose access token has not expired yet (one in-memory grain call).
    /// </summary>
    public static TBuilder RequireActiveUser<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .RequireAuthorization()
            .RequireRateLimiting(RateLimits.Writes)
            .AddEndpointFilter(async (context, next) =>
            {
                var me = CurrentUser.From(context.HttpContext.User) ?? throw Errors.NotFound("The user");
                await me.Grain(context.HttpContext.RequestServices.GetRequiredService<IGrainFactory>()).EnsureActive();
                return await next(context);
            });
}
