using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;
using Partner.Tests.Infrastructure;
using Partner.Users;

namespace Partner.Tests.Identity;

/// <summary>The whole 42 intra authorization-code flow with PKCE and state, against a local stand-in for 42 intra.</summary>
public sealed class IntraLoginFlow : IAsyncLifetime
{
    private const string AllowedOrigin = "https://partner.example";
    private FakeIntraServer intra = null!;
    private PartnerApiFactory factory = null!;

    public async Task InitializeAsync()
    {
        intra = await FakeIntraServer.StartAsync();
        factory = new PartnerApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
                ["Auth:Intra:BaseUrl"] = intra.BaseUrl,
                ["Auth:Intra:ClientId"] = intra.ClientId,
                ["Auth:Intra:ClientSecret"] = intra.ClientSecret,
                ["Auth:ReturnUrls:AllowedOrigins:0"] = AllowedOrigin,
            },
        };
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        await intra.DisposeAsync();
    }

    [Fact]
    public async Task CreatesTheUserAndReturnsTheAccessTokenInTheFragment()
    {
        intra.NextUser = new FakeIntraUser(424242, "Carol", "carol@student.42seoul.kr", "https://cdn.intra.42.fr/users/carol.jpg");

        var outcome = await LoginAsync($"{AllowedOrigin}/after-login");

        Assert.StartsWith($"{AllowedOrigin}/after-login#", outcome.Location);
        Assert.NotNull(outcome.AccessToken);
        Assert.Equal("Bearer", outcome.Fragment["token_type"]);
        Assert.Equal(1, intra.TokenRequests);
        Assert.Single(intra.ReceivedCodeVerifiers);
        AssertRefreshCookie(outcome.RefreshCookie);

        var me = await MeAsync(outcome.AccessToken);
        Assert.Equal("carol", me.GetProperty("login").GetString());
        Assert.Equal("carol", me.GetProperty("nickname").GetString());
        Assert.Equal("carol@student.42seoul.kr", me.GetProperty("email").GetString());
        Assert.Equal("https://cdn.intra.42.fr/users/carol.jpg", me.GetProperty("imageUrl").GetString());
        Assert.Equal(["USER"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task FindsTheSameUserBy42IdOnLaterLogins()
    {
        intra.NextUser = new FakeIntraUser(777001, "dave", "dave@student.42seoul.kr", null);
        var first = await MeAsync((await LoginAsync("/")).AccessToken!);
        intra.NextUser = new FakeIntraUser(777001, "dave", "dave@student.42seoul.kr", "https://cdn.intra.42.fr/users/dave.jpg");
        var second = await MeAsync((await LoginAsync("/")).AccessToken!);

        Assert.Equal(first.GetProperty("userId").GetString(), second.GetProperty("userId").GetString());
        Assert.Equal("https://cdn.intra.42.fr/users/dave.jpg", second.GetProperty("imageUrl").GetString());
    }

    [Fact]
    public async Task AdminsListedInConfigurationGetTheAdminRole()
    {
        intra.NextUser = new FakeIntraUser(777002, PartnerApiFactory.AdminLogins[1], "admin@student.42seoul.kr", null);

        var me = await MeAsync((await LoginAsync("/")).AccessToken!);

        Assert.Contains("ADMIN", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task DeniedConsentRedirectsWithAnErrorAndCreatesNoUser()
    {
        intra.NextUser = new FakeIntraUser(777003, "erin", "erin@student.42seoul.kr", null);
        intra.DenyConsent = true;

        var outcome = await LoginAsync($"{AllowedOrigin}/back");

        Assert.StartsWith($"{AllowedOrigin}/back#", outcome.Location);
        Assert.Equal("access_denied", outcome.Fragment["error"]);
        Assert.Null(outcome.AccessToken);
        Assert.Null(outcome.RefreshCookie);
        Assert.Null(await UserOfAsync(777003));
    }

    [Fact]
    public async Task ProviderFailureRedirectsWithAnErrorAndCreatesNoUser()
    {
        intra.NextUser = new FakeIntraUser(777004, "frank", "frank@student.42seoul.kr", null);
        intra.FailTokenEndpoint = true;

        var outcome = await LoginAsync("/home");

        Assert.StartsWith("/home#", outcome.Location);
        Assert.Equal("login_failed", outcome.Fragment["error"]);
        Assert.Null(outcome.RefreshCookie);
        Assert.Null(await UserOfAsync(777004));
    }

    [Fact]
    public async Task ProfileFailureRedirectsWithAnErrorAndCreatesNoUser()
    {
        intra.NextUser = new FakeIntraUser(777005, "grace", "grace@student.42seoul.kr", null);
        intra.FailProfileEndpoint = true;

        var outcome = await LoginAsync("/home");

        Assert.Equal("login_failed", outcome.Fragment["error"]);
        Assert.Null(await UserOfAsync(777005));
    }

    [Fact]
    public async Task AProfilePartnerCannotRegisterRedirectsWithAnErrorAndCreatesNoUser()
    {
        intra.NextUser = new FakeIntraUser(777007, "bad\u202Elogin", "bad@student.42seoul.kr", null);

        var outcome = await LoginAsync("/home");

        Assert.StartsWith("/home#", outcome.Location);
        Assert.Equal("login_failed", outcome.Fragment["error"]);
        Assert.Null(outcome.RefreshCookie);
        Assert.Null(await UserOfAsync(777007));
    }

    [Fact]
    public async Task AForgedStateIsRefused()
    {
        intra.NextUser = new FakeIntraUser(777006, "heidi", "heidi@student.42seoul.kr", null);
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var challenge = await client.GetAsync("/api/auth/login/42?returnUrl=%2Fhome");
        var consent = await Browser().GetAsync(challenge.Headers.Location);
        var callback = consent.Headers.Location!.ToString();
        var forged = System.Text.RegularExpressions.Regex.Replace(callback, "state=[^&]+", "state=forged-state");

        var response = await client.GetAsync(new Uri(forged).PathAndQuery);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/#", response.Headers.Location!.OriginalString);
        Assert.Contains("error=login_failed", response.Headers.Location.OriginalString);
        Assert.Equal(0, intra.TokenRequests);
        Assert.Null(await UserOfAsync(777006));
    }

    [Theory]
    [InlineData("https://evil.example/steal")]
    [InlineData("//evil.example/steal")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://partner.example.evil.example/")]
    public async Task RefusesReturnUrlsOutsideTheAllowList(string returnUrl)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync($"/api/auth/login/42?returnUrl={Uri.EscapeDataString(returnUrl)}");

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("returnUrl", problem.Errors.Keys);
        Assert.Equal(0, intra.AuthorizeRequests);
    }

    [Fact]
    public async Task IsNotFoundWhen42LoginIsNotConfigured()
    {
        await using var unconfigured = new PartnerApiFactory();

        var response = await unconfigured.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync("/api/auth/login/42");

        await Problem.ReadAsync(response, HttpStatusCode.NotFound);
    }

    internal static void AssertRefreshCookie(string? setCookie)
    {
        Assert.NotNull(setCookie);
        var attributes = setCookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToArray();
        Assert.Contains("httponly", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/api/auth", attributes);
        Assert.Contains(attributes, a => a.StartsWith("expires=", StringComparison.Ordinal));
    }

    private async Task<LoginOutcome> LoginAsync(string returnUrl)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var challenge = await client.GetAsync($"/api/auth/login/42?returnUrl={Uri.EscapeDataString(returnUrl)}");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(intra.BaseUrl + "/oauth/authorize", authorize.ToString());
        Assert.Contains("code_challenge_method=S256", authorize.Query);
        Assert.Contains("state=", authorize.Query);

        var consent = await Browser().GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        var callback = consent.Headers.Location!;
        Assert.Equal("/api/auth/callback/42", callback.AbsolutePath);

        var final = await client.GetAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, final.StatusCode);
        var location = final.Headers.Location!.OriginalString;
        var fragment = location.Contains('#', StringComparison.Ordinal)
            ? location[(location.IndexOf('#', StringComparison.Ordinal) + 1)..].Split('&')
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(pair => Uri.UnescapeDataString(pair[0]), pair => Uri.UnescapeDataString(pair[1]))
            : [];
        return new LoginOutcome(location, fragment, fragment.GetValueOrDefault("access_token"), SignedInClients.RefreshCookieOf(final));
    }

    private static HttpClient Browser() => new(new HttpClientHandler { AllowAutoRedirect = false });

    private async Task<JsonElement> MeAsync(string accessToken)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        return await client.GetFromJsonAsync<JsonElement>("/api/users/me");
    }

    private Task<Guid?> UserOfAsync(long intraId) =>
        factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserAccountGrain>(UserAccounts.Intra(intraId)).UserId();

    private sealed record LoginOutcome(string Location, Dictionary<string, string> Fragment, string? AccessToken, string? RefreshCookie);
}
