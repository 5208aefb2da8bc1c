using System.Collections.Immutable;

namespace Partner.Users;

/// <summary>
/// A user's refresh-token families. Only SHA-256 hashes of tokens are stored. Rotation consumes the
/// presented token; presenting a consumed one revokes its whole family (theft detection).
/// Called only by the user's own <see cref="IUserGrain"/>, which checks the user's status first.
/// </summary>
[Alias("partner.user-sessions")]
public interface IUserSessionsGrain : IGrainWithGuidKey
{
    [Alias("start")]
    Task Start(Guid familyId, ImmutableArray<byte> tokenHash, DateTimeOffset expiresAt);

    /// <summary>Replaces the family's current token by <paramref name="nextHash"/>; throws <c>auth.refresh-invalid</c> otherwise.</summary>
    [Alias("rotate")]
    Task Rotate(Guid familyId, ImmutableArray<byte> presentedHash, ImmutableArray<byte> nextHash, DateTimeOffset expiresAt);

    /// <summary>Every family that has not expired, with its expiry: until then its access tokens authenticate.</summary>
    [Alias("live")]
    Task<ImmutableDictionary<Guid, DateTimeOffset>> Live();

    [Alias("revoke")]
    Task Revoke(Guid familyId);

    [Alias("revoke-all")]
    Task RevokeAll();
}
