using System.Collections.Immutable;

namespace Partner.Users;

[GenerateSerializer, Alias("partner.user-status")]
public enum UserStatus
{
    Active,
    Withdrawn,
}

/// <summary>What an access token of a given session may still do.</summary>
[GenerateSerializer, Alias("partner.access-check")]
public enum AccessCheck
{
    /// <summary>The session is live and the user active: reads and writes.</summary>
    Active,

    /// <summary>The user withdrew: writes are refused with <c>user.withdrawn</c>, reads as an ended session.</summary>
    Withdrawn,

    /// <summary>Logged out, revoked, expired or unknown: the token no longer authenticates.</summary>
    SessionEnded,
}

/// <summary>Who is signing in, as the identity provider (42 intra, or dev login) describes them.</summary>
[GenerateSerializer, Immutable, Alias("partner.sign-in")]
public sealed record SignIn(
    [property: Id(0)] string Login,
    [property: Id(1)] string? Email,
    [property: Id(2)] string? ImageUrl,
    [property: Id(3)] long? IntraId,
    [property: Id(4)] bool IsAdmin);

[GenerateSerializer, Immutable, Alias("partner.user-profile")]
public sealed record UserProfile(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Login,
    [property: Id(2)] string Nickname,
    [property: Id(3)] string? Email,
    [property: Id(4)] string? ImageUrl,
    [property: Id(5)] ImmutableArray<string> Roles,
    [property: Id(6)] UserStatus Status)
{
    public bool IsAdmin => Roles.Contains(UserRoles.Admin);
}

public static class UserRoles
{
    public const string User = "USER";
    public const string Admin = "ADMIN";
}
