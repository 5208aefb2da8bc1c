using System.Net;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Partner.Api.Auth;
using Partner.Tests.Api;

namespace Partner.Tests.Security;

/// <summary>Access tokens an attacker could build: none of them gets past authentication.</summary>
public sealed class TokenForgeryProbes(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    public static TheoryData<string> Forgeries() =>
    [
        "alg-none",
        "another-key",
        "another-issuer",
        "another-audience",
        "expired",
        "not-yet-valid",
        "tampered-subject",
        "no-session",
        "unknown-session",
        "hs512",
    ];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task IsRefused(string forgery)
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var token = forgery switch
        {
            "alg-none" => TokenForgeries.Unsigned(alice.UserId),
            "another-key" => TokenForgeries.Signed(alice.UserId, key: "another-key-that-is-long-enough-to-sign-tokens"),
            "another-issuer" => TokenForgeries.Signed(alice.UserId, issuer: "evil"),
            "another-audience" => TokenForgeries.Signed(alice.UserId, audience: "evil"),
            "expired" => TokenForgeries.Expired(alice.UserId),
            "not-yet-valid" => TokenForgeries.Signed(alice.UserId, notBefore: DateTime.UtcNow.AddHours(1)),
            "tampered-subject" => TokenForgeries.SwapSubject(alice.AccessToken, bob.UserId),
            "no-session" => TokenForgeries.Signed(alice.UserId, session: null),
            "unknown-session" => TokenForgeries.Signed(alice.UserId, session: Guid.NewGuid()),
            "hs512" => TokenForgeries.Signed(alice.UserId, algorithm: SecurityAlgorithms.HmacSha512, key: JwtSettings.DevelopmentSigningKey + JwtSettings.DevelopmentSigningKey),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        await Problem.ReadAsync(await client.GetAsync("/api/users/me"), HttpStatusCode.Unauthorized);
        await Problem.ReadAsync(await client.PostAsync("/api/auth/logout", null), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheGenuineTokenWorks()
    {
        var alice = await factory.SignInAsync();

        Assert.Equal(HttpStatusCode.OK, (await alice.Http.GetAsync("/api/users/me")).StatusCode);
    }
}

/// <summary>Builds access tokens the way an attacker would, by default signed with the (public) development key.</summary>
public static class TokenForgeries
{
    public static string Signed(
        Guid userId,
        string key = JwtSettings.DevelopmentSigningKey,
        string issuer = "partner",
        string audience = "partner",
        DateTime? notBefore = null,
        DateTime? expires = null,
        Guid? session = default,
        string algorithm = SecurityAlgorithms.HmacSha256)
    {
        var claims = new Dictionary<string, object> { ["sub"] = userId.ToString(), ["name"] = "x", ["role"] = new[] { "USER", "ADMIN" } };
        if (session is { } sid)
        {
            claims["sid"] = sid.ToString();
        }

        var start = notBefore ?? DateTime.UtcNow.AddMinutes(-1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            NotBefore = start,
            IssuedAt = start,
            Expires = expires ?? start.AddMinutes(15),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), algorithm),
            Claims = claims,
        });
    }

    public static string Expired(Guid userId) =>
        Signed(userId, notBefore: DateTime.UtcNow.AddHours(-2), expires: DateTime.UtcNow.AddHours(-1), session: Guid.NewGuid());

    /// <summary>Header <c>{"alg":"none"}</c>, a payload, no signature.</summary>
    public static string Unsigned(Guid userId)
    {
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var payload = $$"""{"sub":"{{userId}}","iss":"partner","aud":"partner","exp":{{exp}},"sid":"{{Guid.NewGuid()}}","role":["USER","ADMIN"]}""";
        return $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{Base64UrlEncoder.Encode(payload)}.";
    }

    /// <summary>A genuine token whose payload now names another user, its signature kept.</summary>
    public static string SwapSubject(string genuine, Guid otherUser)
    {
        var parts = genuine.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]);
        var original = new JsonWebToken(genuine).Subject;
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload.Replace(original, otherUser.ToString(), StringComparison.Ordinal))}.{parts[2]}";
    }
}
