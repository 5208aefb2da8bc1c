using System.Collections.Immutable;

namespace Partner.Users;

/// <summary>One user: profile, roles and status. Keyed by the user id.</summary>
[Alias("partner.user")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Registers the user on first sign-in (nickname = login, refused as <c>validation</c> naming <c>login</c> unless it is a
    /// clean single line, see <see cref="TextRules"/>; the provider's e-mail is kept only when it is a valid address); later
    /// sign-ins refresh roles and image. Withdrawn users are refused.
    /// </summary>
    [Alias("sign-in")]
    Task<UserProfile> SignIn(SignIn signIn);

    /// <summary>The profile, or null when no user has this id.</summary>
    [Alias("get")]
    Task<UserProfile?> Get();

    /// <summary>One plain address (<c>local@domain</c>, no display name, at most 254 characters), else <c>validation</c> naming <c>email</c>.</summary>
    [Alias("update-email")]
    Task<UserProfile> UpdateEmail(string email);

    /// <summary>Status WITHDRAWN, every refresh-token family revoked, then every withdrawal step run. Idempotent.</summary>
    [Alias("withdraw")]
    Task Withdraw();

    /// <summary>
    /// Whether an access token of session (refresh-token family) <paramref name="sessionId"/> still
    /// speaks for this user: <see cref="AccessCheck.SessionEnded"/> after logout, token theft
    /// detection or expiry; <see cref="AccessCheck.Withdrawn"/> once the user withdrew.
    /// </summary>
    [Alias("check-access")]
    Task<AccessCheck> CheckAccess(Guid sessionId);

    /// <summary>Starts a refresh-token family for an active user (sign-in).</summary>
    [Alias("start-session")]
    Task StartSession(Guid familyId, ImmutableArray<byte> tokenHash, DateTimeOffset expiresAt);

    /// <summary>Rotates a refresh token of an active user; throws <c>auth.refresh-invalid</c> when it cannot.</summary>
    [Alias("refresh-session")]
    Task<UserProfile> RefreshSession(Guid familyId, ImmutableArray<byte> presentedHash, ImmutableArray<byte> nextHash, DateTimeOffset expiresAt);

    /// <summary>Revokes one refresh-token family (logout).</summary>
    [Alias("end-session")]
    Task EndSession(Guid familyId);
}

/// <summary>
/// Maps one external identity ("42:{intraId}", "dev:{login}") to a user id, creating the user on
/// first sign-in. Its single-threaded turns make two racing first sign-ins create one user.
/// </summary>
[Alias("partner.user-account")]
public interface IUserAccountGrain : IGrainWithStringKey
{
    [Alias("sign-in")]
    Task<UserProfile> SignIn(SignIn signIn);

    /// <summary>The user this identity signed in as, or null when it never did.</summary>
    [Alias("user-id")]
    Task<Guid?> UserId();
}

public static class UserAccounts
{
    public static string Intra(long intraId) => $"42:{intraId}";

    public static string Dev(string login) => $"dev:{login}";
}
