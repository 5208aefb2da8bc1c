using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Partner.Api.Auth;
using Partner.Tests.Api;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Security;

/// <summary>
/// Open-redirect probes against the real sign-in: every known bypass is a 400 naming <c>returnUrl</c> before
/// anything is sent to 42 intra, and an accepted return URL comes back unchanged in the final redirect.
/// </summary>
public sealed partial class OpenRedirectProbes(OpenRedirectProbes.SignIn signIn) : IClassFixture<OpenRedirectProbes.SignIn>
{
    private FakeIntraServer Intra => signIn.Intra;

    private PartnerApiFactory Factory => signIn.Factory;

    [Theory]
    [MemberData(nameof(OpenRedirectCorpus.Bypasses), MemberType = typeof(OpenRedirectCorpus))]
    public async Task RefusesEveryKnownBypass(string returnUrl) =>
        await AssertRefusedAsync(Uri.EscapeDataString(returnUrl));

    [Theory]
    [InlineData("/%09/evil.example")]
    [InlineData("/%0a/evil.example")]
    [InlineData("/%0d/evil.example")]
    [InlineData("/%0D%0A/evil.example")]
    [InlineData("/%00/evil.example")]
    [InlineData("%09//evil.example")]
    [InlineData("/%7f/evil.example")]
    [InlineData("%5C%5Cevil.example")]
    [InlineData("/%5Cevil.example")]
    [InlineData("%2F%2Fevil.example")]
    [InlineData("/%E2%80%A8/evil.example")]
    [InlineData("/%EF%BC%8F%EF%BC%8Fevil.example")]
    [InlineData("https://partner.example%40evil.example/")]
    [InlineData("https://partner.example%23@evil.example/")]
    [InlineData("/after%23")]
    public async Task RefusesBypassesAsAnAttackerTypesThemInTheQuery(string rawQueryValue) =>
        await AssertRefusedAsync(rawQueryValue);

    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("/\r/evil.example")]
    [InlineData("\\\\evil.example")]
    public async Task RefusesRawControlCharactersAndBackslashesInTheRequestTarget(string raw)
    {
        var before = Intra.AuthorizeRequests;

        var context = await Factory.Server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Get;
            http.Request.Path = "/api/auth/login/42";
            http.Request.QueryString = new QueryString("?returnUrl=" + raw);
        });

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Location"));
        Assert.Equal(before, Intra.AuthorizeRequests);
    }

    [Theory]
    [MemberData(nameof(OpenRedirectCorpus.Accepted), MemberType = typeof(OpenRedirectCorpus))]
    public async Task AcceptsPathsAndAllowedOrigins(string returnUrl)
    {
        var response = await Client().GetAsync($"/api/auth/login/42?returnUrl={Uri.EscapeDataString(returnUrl)}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(Intra.AuthorizationEndpoint, response.Headers.Location!.ToString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/rooms?x=1")]
    [InlineData("/%2f%2fevil.example")]
    [InlineData("https://partner.example/after")]
    [InlineData("http://localhost:5173/after?x=1")]
    public async Task TheFinalRedirectIsTheAcceptedReturnUrlWithTheTokenInItsFragment(string returnUrl)
    {
        Intra.NextUser = NewIntraUser();
        var client = Client();
        var challenge = await client.GetAsync($"/api/auth/login/42?returnUrl={Uri.EscapeDataString(returnUrl)}");

        var location = await FinishAsync(client, challenge.Headers.Location!);

        Assert.StartsWith(returnUrl + "#access_token=", location);
        Assert.DoesNotContain(location, char.IsControl);
        Assert.DoesNotContain(location, char.IsWhiteSpace);
        Assert.Equal(1, location.Count(c => c == '#'));
    }

    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/\r\n/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("https://partner.example@evil.example/")]
    public async Task AStateCarryingAReturnUrlOutsideTheRuleFallsBackToTheDefault(string forgedReturnUrl)
    {
        Intra.NextUser = NewIntraUser();
        var client = Client();
        var challenge = await client.GetAsync("/api/auth/login/42?returnUrl=%2Fhome");
        var authorize = challenge.Headers.Location!;

        // As if the data-protection keys had leaked, or a state from before the rule was tightened came back.
        var stateFormat = StateFormat();
        var properties = stateFormat.Unprotect(QueryHelpers.ParseQuery(authorize.Query)["state"])!;
        properties.Items[IntraLogin.ReturnUrlItem] = forgedReturnUrl;
        var forged = StateParameter().Replace(authorize.ToString(), "state=" + Uri.EscapeDataString(stateFormat.Protect(properties)));

        var location = await FinishAsync(client, new Uri(forged));

        Assert.StartsWith("/#access_token=", location);
        Assert.DoesNotContain(location, char.IsControl);
    }

    [Fact]
    public async Task AFailedSignInWithAForgedReturnUrlAlsoFallsBackToTheDefault()
    {
        var properties = new AuthenticationProperties();
        properties.Items[IntraLogin.ReturnUrlItem] = "/\t/evil.example";

        // No correlation cookie goes with this state: the callback fails, and redirects with the error.
        var response = await Client().GetAsync($"/api/auth/callback/42?code=x&state={Uri.EscapeDataString(StateFormat().Protect(properties))}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/#error=login_failed", response.Headers.NonValidated["Location"].ToString());
    }

    private async Task AssertRefusedAsync(string queryValue)
    {
        var before = Intra.AuthorizeRequests;

        var response = await Client().GetAsync($"/api/auth/login/42?returnUrl={queryValue}");

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("returnUrl", problem.Errors.Keys);
        Assert.Null(response.Headers.Location);
        Assert.Equal(before, Intra.AuthorizeRequests);
    }

    /// <summary>Consent at the fake 42 intra, then the callback; the final <c>Location</c> as sent.</summary>
    private static async Task<string> FinishAsync(HttpClient client, Uri authorize)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var consent = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);

        var final = await client.GetAsync(consent.Headers.Location!.PathAndQuery);

        Assert.Equal(HttpStatusCode.Redirect, final.StatusCode);
        return final.Headers.NonValidated["Location"].ToString();
    }

    private ISecureDataFormat<AuthenticationProperties> StateFormat() =>
        Factory.Services.GetRequiredService<IOptionsMonitor<OAuthOptions>>().Get(IntraLogin.Scheme).StateDataFormat;

    private HttpClient Client() => Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private static FakeIntraUser NewIntraUser()
    {
        var id = Random.Shared.NextInt64(1_000_000, 9_000_000);
        return new FakeIntraUser(id, $"probe{id}", $"probe{id}@student.42seoul.kr", null);
    }

    [GeneratedRegex("state=[^&]+")]
    private static partial Regex StateParameter();

    /// <summary>One API and one fake 42 intra for the whole class; each probe counts only its own authorize requests.</summary>
    public sealed class SignIn : IAsyncLifetime
    {
        public FakeIntraServer Intra { get; private set; } = null!;

        public PartnerApiFactory Factory { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Intra = await FakeIntraServer.StartAsync();
            var settings = new Dictionary<string, string?>
            {
                ["Auth:Intra:BaseUrl"] = Intra.BaseUrl,
                ["Auth:Intra:ClientId"] = Intra.ClientId,
                ["Auth:Intra:ClientSecret"] = Intra.ClientSecret,
            };
            for (var i = 0; i < OpenRedirectCorpus.AllowedOrigins.Length; i++)
            {
                settings[$"Auth:ReturnUrls:AllowedOrigins:{i}"] = OpenRedirectCorpus.AllowedOrigins[i];
            }

            Factory = new PartnerApiFactory { Settings = settings };
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Intra.DisposeAsync();
        }
    }
}
