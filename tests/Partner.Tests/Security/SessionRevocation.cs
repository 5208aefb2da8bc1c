using System.Net;
using System.Net.Http.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Security;

/// <summary>An access token stops working when its session ends, not only when it expires (one API node; two nodes: Production/SessionsAcrossApiNodes).</summary>
public sealed class SessionRevocation(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task AfterLogoutTheAccessTokenIsRefusedForReadsAndWrites()
    {
        var alice = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await alice.Http.GetAsync("/api/users/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.PostAsync("/api/auth/logout", null)).StatusCode);

        var write = await alice.Http.PatchAsJsonAsync("/api/users/me", new { email = "alice@student.42seoul.kr" });
        var read = await alice.Http.GetAsync("/api/users/me");
        await Problem.ReadAsync(write, HttpStatusCode.Unauthorized);
        await Problem.ReadAsync(read, HttpStatusCode.Unauthorized);
        Assert.Contains(read.Headers.WwwAuthenticate, h => h.Parameter?.Contains("invalid_token", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task LogoutEndsOnlyThatSession()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var laptop = await factory.SignInAsync(login);
        var phone = await factory.SignInAsync(login);

        await laptop.Http.PostAsync("/api/auth/logout", null);

        Assert.Equal(HttpStatusCode.OK, (await phone.Http.PatchAsJsonAsync("/api/users/me", new { email = "p@student.42seoul.kr" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.Http.GetAsync("/api/users/me")).StatusCode);
    }

    [Fact]
    public async Task AnotherSessionsLogoutReachesReadsWithinTheRecheckInterval()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var laptop = await factory.SignInAsync(login);
        var phone = await factory.SignInAsync(login);
        Assert.Equal(HttpStatusCode.OK, (await phone.Http.GetAsync("/api/users/me")).StatusCode);

        // The phone's refresh token logs out its own family, presented from another client.
        var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout") { Content = JsonContent.Create(new { refreshToken = phone.RefreshToken }) };
        logout.Headers.Authorization = new("Bearer", laptop.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await factory.CreateClient().SendAsync(logout)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.Http.PatchAsJsonAsync("/api/users/me", new { email = "p@student.42seoul.kr" })).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.Http.GetAsync("/api/users/me")).StatusCode);
    }

    [Fact]
    public async Task ASessionDroppedForTheNewestSignInsIsRefusedForWrites()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var first = await factory.SignInAsync(login);
        // A write first: the user's grain has now learned the user's live sessions, and must let go of what it learned.
        Assert.Equal(HttpStatusCode.OK, (await first.Http.PatchAsJsonAsync("/api/users/me", new { email = "f@student.42seoul.kr" })).StatusCode);

        for (var i = 0; i < Partner.Users.UserSessionsGrain.MaxFamilies; i++)
        {
            await factory.SignInAsync(login);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await first.Http.PatchAsJsonAsync("/api/users/me", new { email = "f@student.42seoul.kr" })).StatusCode);
    }

    [Fact]
    public async Task AReusedRefreshTokenEndsTheFamilysAccessTokensToo()
    {
        var alice = await factory.SignInAsync();
        var rotated = await factory.RefreshWithCookieAsync(alice.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshWithCookieAsync(alice.RefreshToken)).StatusCode);

        await Problem.ReadAsync(await alice.Http.PostAsJsonAsync("/api/alarms/read", new { upToSeq = 0 }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AFailedRefreshClearsTheRefreshCookie()
    {
        var response = await factory.RefreshWithCookieAsync("not-a-refresh-token");

        Assert.Equal("auth.refresh-invalid", (await Problem.ReadAsync(response, HttpStatusCode.Unauthorized)).Code);
        var cleared = SignedInClients.RefreshCookieOf(response);
        Assert.NotNull(cleared);
        Assert.StartsWith("partner_refresh=;", cleared);
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);
    }
}
