using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Partner.Tests.Api;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Security;

/// <summary>
/// The OAuth redirect_uri comes from <c>Auth:PublicBaseUrl</c>, not from the request's Host header, both in
/// the authorize redirect and in the code exchange; production refuses to start without it.
/// </summary>
public sealed class IntraRedirectUri(IntraRedirectUri.ConfiguredHost host) : IClassFixture<IntraRedirectUri.ConfiguredHost>
{
    private const string PublicBaseUrl = "https://partner.example";
    private const string Configured = PublicBaseUrl + "/api/auth/callback/42";
    private readonly FakeIntraServer intra = host.Intra;
    private readonly PartnerApiFactory factory = host.Factory;

    /// <summary>The stand-in for 42 intra and the API with <see cref="PublicBaseUrl"/> configured, shared by the class.</summary>
    public sealed class ConfiguredHost : IAsyncLifetime
    {
        public FakeIntraServer Intra { get; private set; } = null!;

        public PartnerApiFactory Factory { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Intra = await FakeIntraServer.StartAsync();
            Factory = new PartnerApiFactory { Settings = IntraSettings(Intra, ("Auth:PublicBaseUrl", PublicBaseUrl)) };
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Intra.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("partner.example.evil.example")]
    [InlineData("localhost")]
    public async Task TheConfiguredRedirectUriIsSentWhateverTheHostHeader(string host)
    {
        intra.NextUser = new FakeIntraUser(Random.Shared.NextInt64(1_000_000, 9_000_000), "hosty", "hosty@student.42seoul.kr", null);
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        var challenge = await client.SendAsync(WithHost(host, "/api/auth/login/42?returnUrl=%2F"));
        var authorize = challenge.Headers.Location!;
        Assert.Equal(Configured, QueryHelpers.ParseQuery(authorize.Query)["redirect_uri"].ToString());

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var consent = await browser.GetAsync(authorize);
        Assert.StartsWith(Configured + "?", consent.Headers.Location!.ToString());
        var final = await client.SendAsync(WithHost(host, consent.Headers.Location.PathAndQuery));

        Assert.Equal(Configured, intra.LastTokenRedirectUri);
        Assert.Equal(HttpStatusCode.Redirect, final.StatusCode);
        Assert.StartsWith("/#access_token=", final.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task WithoutItTheEmbeddedDefaultTakesTheRedirectUriFromTheRequest()
    {
        await using var requestDerived = new PartnerApiFactory { Settings = IntraSettings(intra) };
        var client = requestDerived.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var challenge = await client.SendAsync(WithHost("api.partner.test", "/api/auth/login/42"));

        Assert.Equal("http://api.partner.test/api/auth/callback/42", QueryHelpers.ParseQuery(challenge.Headers.Location!.Query)["redirect_uri"].ToString());
    }

    [Fact]
    public async Task ProductionWith42LoginRefusesToStartWithoutIt()
    {
        await using var production = new PartnerApiFactory
        {
            Environment = "Production",
            Settings = IntraSettings(intra,
                ("Partner:Mode", "Production"),
                ("ConnectionStrings:PartnerDb", "Server=127.0.0.1;Port=1;Database=unused"),
                ("ConnectionStrings:Redis", "127.0.0.1:1"),
                ("Auth:Jwt:SigningKey", ProductionCluster.SigningKey)),
        };

        var message = StartupFailure.Of(production);

        Assert.Contains("Auth:PublicBaseUrl", message);
        Assert.Contains("Auth__PublicBaseUrl", message);
    }

    [Theory]
    [InlineData("partner.example")]
    [InlineData("https://partner.example/api")]
    [InlineData("https://partner.example?x=1")]
    public async Task AMalformedOneStopsStartUpNamingTheKey(string publicBaseUrl)
    {
        await using var malformed = new PartnerApiFactory { Settings = IntraSettings(intra, ("Auth:PublicBaseUrl", publicBaseUrl)) };

        Assert.Contains("Auth:PublicBaseUrl", StartupFailure.Of(malformed));
    }

    private static Dictionary<string, string?> IntraSettings(FakeIntraServer intra, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Intra:BaseUrl"] = intra.BaseUrl,
            ["Auth:Intra:ClientId"] = intra.ClientId,
            ["Auth:Intra:ClientSecret"] = intra.ClientSecret,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static HttpRequestMessage WithHost(string host, string pathAndQuery) =>
        new(HttpMethod.Get, pathAndQuery) { Headers = { Host = host } };
}
