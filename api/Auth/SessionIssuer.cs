using System.Buffers.Text;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Partner.Users;

namespace Partner.Api.Auth;

/// <summary>A signed-in session as the client receives it.</summary>
public sealed record IssuedSession(string AccessToken, int ExpiresIn, string RefreshToken, DateTimeOffset RefreshExpiresAt, UserProfile User);

/// <summary>
/// Issues JWT access tokens and opaque refresh tokens. A refresh token is 64 random-looking bytes:
/// the user id and family id (to route to the user's grain) and 256 secret bits; only its SHA-256
/// is stored, in the user's grains.
/// </summary>
public sealed class SessionIssuer(IGrainFactory grains, IOptions<AuthOptions> options, TimeProvider clock)
{
    private const int RefreshTokenBytes = 64;
    private static readonly JsonWebTokenHandler Tokens = new();

    public async Task<IssuedSession> StartAsync(UserProfile user)
    {
        var familyId = Guid.NewGuid();
        var (refreshToken, hash) = NewRefreshToken(user.UserId, familyId);
        var refreshExpiresAt = clock.GetUtcNow() + options.Value.RefreshTokenLifetime;
        await grains.GetGrain<IUserGrain>(user.UserId).StartSession(familyId, hash, refreshExpiresAt);
        return Issue(user, familyId, refreshToken, refreshExpiresAt);
    }

    /// <summary>Rotates <paramref name="refreshToken"/>; throws <c>auth.refresh-invalid</c> when it is not the family's current token.</summary>
    public async Task<IssuedSession> RefreshAsync(string refreshToken)
    {
        if (!TryReadRefreshToken(refreshToken, out var userId, out var familyId, out var presentedHash))
        {
            throw Errors.RefreshInvalid();
        }

        var (nextToken, nextHash) = NewRefreshToken(userId, familyId);
        var refreshExpiresAt = clock.GetUtcNow() + options.Value.RefreshTokenLifetime;
        var user = await grains.GetGrain<IUserGrain>(userId).RefreshSession(familyId, presentedHash, nextHash, refreshExpiresAt);
        return Issue(user, familyId, nextToken, refreshExpiresAt);
    }

    public Task EndAsync(Guid userId, Guid familyId) => grains.GetGrain<IUserGrain>(userId).EndSession(familyId);

    /// <summary>The family a refresh token belongs to, if it is one of ours.</summary>
    public static bool TryReadRefreshToken(string? token, out Guid userId, out Guid familyId, out ImmutableArray<byte> hash)
    {
        userId = familyId = Guid.Empty;
        hash = [];
        Span<byte> bytes = stackalloc byte[RefreshTokenBytes];
        // TryDecodeFromChars throws on characters outside the alphabet; IsValid screens them first.
        if (string.IsNullOrEmpty(token) || token.Length > 128
            || !Base64Url.IsValid(token, out var length) || length != RefreshTokenBytes
            || !Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != RefreshTokenBytes)
        {
            return false;
        }

        userId = new Guid(bytes[..16]);
        familyId = new Guid(bytes[16..32]);
        hash = [.. SHA256.HashData(bytes)];
        return true;
    }

    public static SymmetricSecurityKey SigningKey(JwtSettings jwt) =>
        new(Encoding.UTF8.GetBytes(jwt.SigningKey ?? JwtSettings.DevelopmentSigningKey));

    /// <summary>The signing key and, during a rotation, the previous ones: a token signed by any of them is valid.</summary>
    public static IEnumerable<SecurityKey> ValidationKeys(JwtSettings jwt) =>
        [SigningKey(jwt), .. jwt.PreviousSigningKeys.Where(key => !string.IsNullOrEmpty(key)).Select(key => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)))];

    private IssuedSession Issue(UserProfile user, Guid familyId, string refreshToken, DateTimeOffset refreshExpiresAt)
    {
        var jwt = options.Value.Jwt;
        var now = clock.GetUtcNow();
        var accessToken = Tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + jwt.AccessTokenLifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey(jwt), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [PartnerClaims.Subject] = user.UserId.ToString(),
                [PartnerClaims.Name] = user.Nickname,
                [PartnerClaims.Role] = user.Roles.ToArray(),
                [PartnerClaims.Session] = familyId.ToString(),
                [PartnerClaims.TokenId] = Guid.NewGuid().ToString("N"),
            },
        });
        return new IssuedSession(accessToken, (int)jwt.AccessTokenLifetime.TotalSeconds, refreshToken, refreshExpiresAt, user);
    }

    private static (string Token, ImmutableArray<byte> Hash) NewRefreshToken(Guid userId, Guid familyId)
    {
        Span<byte> bytes = stackalloc byte[RefreshTokenBytes];
        userId.TryWriteBytes(bytes[..16]);
        familyId.TryWriteBytes(bytes[16..32]);
        RandomNumberGenerator.Fill(bytes[32..]);
        return (Base64Url.EncodeToString(bytes), [.. SHA256.HashData(bytes)]);
    }
}

/// <summary>The claim names of Partner's access tokens.</summary>
public static class PartnerClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string Session = "sid";
    public const string TokenId = "jti";
}
