using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Identity;

public sealed class RefreshTokens(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task DevLoginSetsAStrictHttpOnlySecureCookieScopedToAuth()
    {
        var alice = await factory.SignInAsync();

        IntraLoginFlow.AssertRefreshCookie(alice.SetCookie);
        Assert.True(alice.RefreshToken.Length >= 43, "at least 256 bits, base64url");
    }

    [Fact]
    public async Task RefreshRotatesTheTokenAndIssuesAWorkingAccessToken()
    {
        var alice = await factory.SignInAsync();

        var response = await factory.RefreshWithCookieAsync(alice.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(900, body.GetProperty("expiresIn").GetInt32());
        var rotated = SignedInClients.RefreshCookieOf(response);
        IntraLoginFlow.AssertRefreshCookie(rotated);
        Assert.NotEqual(alice.RefreshToken, SignedInClients.CookieValue(rotated!));
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", body.GetProperty("accessToken").GetString());
        Assert.Equal(alice.UserId, (await client.GetFromJsonAsync<JsonElement>("/api/users/me")).GetProperty("userId").GetGuid());
    }

    [Fact]
    public async Task TheBodyFormIsAcceptedForClientsWithoutCookies()
    {
        var alice = await factory.SignInAsync();

        var response = await factory.CreateClient().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = alice.RefreshToken });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReusingAConsumedTokenRevokesTheWholeFamily()
    {
        var alice = await factory.SignInAsync();
        var first = await factory.RefreshWithCookieAsync(alice.RefreshToken);
        var current = SignedInClients.CookieValue(SignedInClients.RefreshCookieOf(first)!);

        var replay = await factory.RefreshWithCookieAsync(alice.RefreshToken);
        var afterTheft = await factory.RefreshWithCookieAsync(current);

        Assert.Equal("auth.refresh-invalid", (await Problem.ReadAsync(replay, HttpStatusCode.Unauthorized)).Code);
        Assert.Equal("auth.refresh-invalid", (await Problem.ReadAsync(afterTheft, HttpStatusCode.Unauthorized)).Code);
    }

    [Fact]
    public async Task ConcurrentRefreshesWithOneTokenLetExactlyOneSucceed()
    {
        var alice = await factory.SignInAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => factory.RefreshWithCookieAsync(alice.RefreshToken)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
    }

    [Fact]
    public async Task OtherSessionsOfTheUserSurviveATheftInOne()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var laptop = await factory.SignInAsync(login);
        var phone = await factory.SignInAsync(login);
        await factory.RefreshWithCookieAsync(laptop.RefreshToken);

        await factory.RefreshWithCookieAsync(laptop.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshWithCookieAsync(phone.RefreshToken)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task UnknownTokensAreRefused(string token)
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = token });

        Assert.Equal("auth.refresh-invalid", (await Problem.ReadAsync(response, HttpStatusCode.Unauthorized)).Code);
    }

    [Fact]
    public async Task LogoutRevokesTheFamilyAndClearsTheCookie()
    {
        var alice = await factory.SignInAsync();

        var logout = await alice.Http.PostAsync("/api/auth/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        var cleared = SignedInClients.RefreshCookieOf(logout);
        Assert.NotNull(cleared);
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshWithCookieAsync(alice.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task LogoutNeedsAToken()
    {
        var response = await factory.CreateClient().PostAsync("/api/auth/logout", null);

        await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }
}
