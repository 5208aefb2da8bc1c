using System.Security.Claims;
using Partner.Users;

namespace Partner.Api.Auth;

/// <summary>The authenticated caller, read from the access token's claims.</summary>
public sealed record CurrentUser(Guid UserId, string Nickname, Guid? SessionId, bool IsAdmin)
{
    public IUserGrain Grain(IGrainFactory grains) => grains.GetGrain<IUserGrain>(UserId);

    /// <summary>The caller as the grains' rules see it.</summary>
    public Actor Actor => new(UserId, Nickname, IsAdmin);

    public static CurrentUser? From(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(PartnerClaims.Subject), out var userId)
            ? new CurrentUser(
                userId,
                principal.FindFirstValue(PartnerClaims.Name) ?? "",
                Guid.TryParse(principal.FindFirstValue(PartnerClaims.Session), out var sessionId) ? sessionId : null,
                principal.IsInRole(UserRoles.Admin))
            : null;

    /// <summary>Minimal-API binding: endpoints taking a <see cref="CurrentUser"/> require authorization.</summary>
    public static ValueTask<CurrentUser?> BindAsync(HttpContext context) => ValueTask.FromResult(From(context.User));
}
