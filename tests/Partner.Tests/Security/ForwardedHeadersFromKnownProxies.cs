using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;

namespace Partner.Tests.Security;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> count only from the configured proxies: anyone else
/// keeps its own address for the per-IP auth limit, however it fills the headers.
/// </summary>
public sealed class ForwardedHeadersFromKnownProxies(ForwardedHeadersFromKnownProxies.KnownProxies proxies) : IClassFixture<ForwardedHeadersFromKnownProxies.KnownProxies>
{
    private const string Proxy = "10.1.2.3";
    private const string Stranger = "203.0.113.7";
    // The tests share one host and so its per-IP auth limit: the test that exhausts a stranger's limit has a stranger of its own.
    private const string CountedStranger = "203.0.113.8";
    private readonly PartnerApiFactory factory = proxies.Factory;

    /// <summary>The embedded API with a known proxy and a known network, shared by the class.</summary>
    public sealed class KnownProxies : IAsyncLifetime
    {
        public PartnerApiFactory Factory { get; } = ForwardedHeadersFromKnownProxies.Factory(new Dictionary<string, string?>
        {
            ["Partner:ForwardedHeaders:KnownProxies:0"] = Proxy,
            ["Partner:ForwardedHeaders:KnownNetworks:0"] = "192.168.0.0/16",
            ["Partner:RateLimits:Auth:PermitLimit"] = "2",
            ["Partner:RateLimits:Auth:Window"] = "00:10:00",
            // 42 login only so that the redirect_uri shows the scheme; nothing is sent to this address.
            ["Auth:Intra:BaseUrl"] = "https://intra.invalid",
            ["Auth:Intra:ClientId"] = "client",
            ["Auth:Intra:ClientSecret"] = "secret",
        });

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task AnUnknownPeerSharesOneAuthLimitWhateverItsXForwardedFor()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 3; i++)
        {
            statuses.Add(await RefreshAsync(peer: CountedStranger, forwardedFor: $"198.51.100.{i}"));
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(CountedStranger, (await ConnectionAsync(CountedStranger, forwardedFor: "198.51.100.9")).RemoteIpAddress);
    }

    [Fact]
    public async Task AKnownProxyGetsOneAuthLimitPerForwardedClient()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 11; i <= 13; i++)
        {
            statuses.Add(await RefreshAsync(peer: Proxy, forwardedFor: $"198.51.100.{i}"));
        }

        statuses.Add(await RefreshAsync(peer: Proxy, forwardedFor: "198.51.100.11"));
        statuses.Add(await RefreshAsync(peer: Proxy, forwardedFor: "198.51.100.11"));

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Theory]
    [InlineData(Proxy, "198.51.100.21", "198.51.100.21")]
    [InlineData("192.168.7.7", "198.51.100.22", "198.51.100.22")]
    [InlineData("::ffff:10.1.2.3", "198.51.100.23", "198.51.100.23")]
    [InlineData("10.1.2.4", "198.51.100.24", "10.1.2.4")]
    [InlineData("127.0.0.1", "198.51.100.25", "127.0.0.1")]
    // A chain unwinds through known proxies and stops at the first address that is not one: what a client wrote in front of it is ignored.
    [InlineData(Proxy, "198.51.100.26, 192.168.1.1", "198.51.100.26")]
    [InlineData(Proxy, "192.168.1.1, 198.51.100.27", "198.51.100.27")]
    public async Task OnlyKnownProxiesAndNetworksChangeTheRemoteAddress(string peer, string forwardedFor, string seen)
    {
        Assert.Equal(seen, (await ConnectionAsync(peer, forwardedFor)).RemoteIpAddress);
    }

    [Fact]
    public async Task XForwardedProtoFromAKnownProxyMakesTheRequestHttps()
    {
        Assert.Equal("https", (await ConnectionAsync(Proxy, "198.51.100.31", proto: "https")).Scheme);
        Assert.Equal("http", (await ConnectionAsync(Stranger, "198.51.100.31", proto: "https")).Scheme);

        Assert.StartsWith("https://", await RedirectUriAsync(Proxy, proto: "https"));
        Assert.StartsWith("http://", await RedirectUriAsync(Stranger, proto: "https"));
    }

    [Fact]
    public async Task WithNoneConfiguredOnlyLoopbackIsTrusted()
    {
        await using var defaults = Factory(new Dictionary<string, string?>());

        Assert.Equal("198.51.100.41", (await ConnectionAsync("127.0.0.1", "198.51.100.41", on: defaults)).RemoteIpAddress);
        Assert.Equal("198.51.100.42", (await ConnectionAsync("::1", "198.51.100.42", on: defaults)).RemoteIpAddress);
        Assert.Equal(Proxy, (await ConnectionAsync(Proxy, "198.51.100.43", on: defaults)).RemoteIpAddress);
    }

    [Theory]
    [InlineData("KnownProxies:0", "10.0.0.300")]
    [InlineData("KnownProxies:0", "proxy.internal")]
    [InlineData("KnownProxies:0", "10.1")]
    [InlineData("KnownNetworks:0", "10.0.0.0")]
    [InlineData("KnownNetworks:0", "10.1.0.0/8")]
    [InlineData("KnownNetworks:0", "10.0.0.0/33")]
    public async Task AMalformedEntryStopsStartUpNamingTheKey(string key, string value)
    {
        await using var malformed = Factory(new Dictionary<string, string?> { [$"Partner:ForwardedHeaders:{key}"] = value });

        Assert.Contains($"Partner:ForwardedHeaders:{key}", StartupFailure.Of(malformed));
    }

    private static PartnerApiFactory Factory(Dictionary<string, string?> settings) => new()
    {
        Settings = settings,
        ExtraServices = services => services.AddSingleton<IStartupFilter, TestPeer>(),
    };

    private async Task<HttpStatusCode> RefreshAsync(string peer, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh") { Content = JsonContent.Create(new { refreshToken = "x" }) };
        request.Headers.Add(TestPeer.Header, peer);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return (await factory.CreateClient().SendAsync(request)).StatusCode;
    }

    private async Task<ConnectionSeen> ConnectionAsync(string peer, string forwardedFor, string? proto = null, PartnerApiFactory? on = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/test/connection");
        request.Headers.Add(TestPeer.Header, peer);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (proto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", proto);
        }

        var response = await (on ?? factory).CreateClient().SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ConnectionSeen>())!;
    }

    private async Task<string> RedirectUriAsync(string peer, string proto)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/login/42");
        request.Headers.Add(TestPeer.Header, peer);
        request.Headers.Add("X-Forwarded-For", "198.51.100.51");
        request.Headers.Add("X-Forwarded-Proto", proto);
        var response = await factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return QueryHelpers.ParseQuery(response.Headers.Location!.Query)["redirect_uri"].ToString();
    }
}
