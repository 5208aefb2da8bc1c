using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Partner.Api.Auth;
using Partner.Tests.Api;

namespace Partner.Tests.Identity;

public sealed class AccessTokens(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task MissingTokenIs401WithAChallenge()
    {
        var response = await factory.CreateClient().GetAsync("/api/users/me");

        Assert.Equal("unauthorized", (await Problem.ReadAsync(response, HttpStatusCode.Unauthorized)).Code);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")]
    public async Task MalformedTokensAre401(string token)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var response = await client.GetAsync("/api/users/me");

        await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task ExpiredTokensAre401()
    {
        var alice = await factory.SignInAsync();
        var expired = Token(alice.UserId, JwtSettings.DevelopmentSigningKey, DateTime.UtcNow.AddHours(-1));
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", expired);

        var response = await client.GetAsync("/api/users/me");

        await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Parameter?.Contains("invalid_token", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task TokensSignedWithAnotherKeyAre401()
    {
        var alice = await factory.SignInAsync();
        var forged = Token(alice.UserId, "another-key-that-is-long-enough-to-sign-tokens", DateTime.UtcNow.AddMinutes(5));
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", forged);

        await Problem.ReadAsync(await client.GetAsync("/api/users/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheTokenCarriesSubjectNameRolesAndSession()
    {
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);

        var token = new JsonWebToken(admin.AccessToken);

        Assert.Equal(admin.UserId.ToString(), token.Subject);
        Assert.Equal(PartnerApiFactory.AdminLogins[0], token.GetClaim("name").Value);
        Assert.Contains("ADMIN", token.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.True(Guid.TryParse(token.GetClaim("sid").Value, out _));
        Assert.InRange(token.ValidTo - token.ValidFrom, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        var me = await admin.Http.GetFromJsonAsync<JsonElement>("/api/users/me");
        Assert.Equal(["USER", "ADMIN"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    private static string Token(Guid userId, string key, DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "partner",
        Audience = "partner",
        NotBefore = expires.AddMinutes(-15),
        IssuedAt = expires.AddMinutes(-15),
        Expires = expires,
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        Claims = new Dictionary<string, object> { ["sub"] = userId.ToString(), ["name"] = "x", ["role"] = new[] { "USER" } },
    });
}
