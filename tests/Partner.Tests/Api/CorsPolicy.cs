using System.Net;

namespace Partner.Tests.Api;

/// <summary><c>Partner:Cors:AllowedOrigins</c>: web clients on the listed origins may call the API and the hub with credentials; nobody else gets CORS headers.</summary>
public sealed class CorsPolicy(CorsPolicy.Hosts hosts) : IClassFixture<CorsPolicy.Hosts>
{
    private const string Allowed = "https://client.example";
    private readonly PartnerApiFactory configured = hosts.Configured;
    private readonly PartnerApiFactory unconfigured = hosts.Unconfigured;

    /// <summary>The embedded API with <see cref="Allowed"/> configured and without any origin, each started once for the class.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        public PartnerApiFactory Configured { get; } = new() { Settings = new Dictionary<string, string?> { ["Partner:Cors:AllowedOrigins:0"] = Allowed + "/" } };

        public PartnerApiFactory Unconfigured { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            await Configured.DisposeAsync();
            await Unconfigured.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/api/rooms", "POST")]
    [InlineData("/api/rooms/00000000-0000-0000-0000-000000000001/participants/me", "PUT")]
    [InlineData("/api/auth/refresh", "POST")]
    [InlineData("/hubs/partner/negotiate?negotiateVersion=1", "POST")]
    public async Task APreflightFromAnAllowedOriginIsAllowedWithCredentials(string path, string method)
    {
        var response = await configured.CreateClient().SendAsync(Preflight(path, method, Allowed));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Allowed, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Contains(method, Header(response, "Access-Control-Allow-Methods") ?? "", StringComparison.Ordinal);
        var headers = (Header(response, "Access-Control-Allow-Headers") ?? "").ToLowerInvariant();
        Assert.Contains("authorization", headers, StringComparison.Ordinal);
        Assert.Contains("content-type", headers, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/rooms")]
    [InlineData("/hubs/partner/negotiate?negotiateVersion=1")]
    public async Task APreflightFromAnotherOriginGetsNoCorsHeaders(string path)
    {
        var response = await configured.CreateClient().SendAsync(Preflight(path, "POST", "https://evil.example"));

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("/api/rooms")]
    [InlineData("/hubs/partner/negotiate?negotiateVersion=1")]
    public async Task WithoutConfiguredOriginsNoOriginGetsCorsHeaders(string path)
    {
        var response = await unconfigured.CreateClient().SendAsync(Preflight(path, "POST", Allowed));

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AnswersToAnAllowedOriginCarryTheHeadersEvenWhenRefused()
    {
        var client = configured.CreateClient();
        var categories = new HttpRequestMessage(HttpMethod.Get, "/api/categories");
        categories.Headers.Add("Origin", Allowed);
        var unauthorized = new HttpRequestMessage(HttpMethod.Get, "/api/users/me");
        unauthorized.Headers.Add("Origin", Allowed);

        var ok = await client.SendAsync(categories);
        var refused = await client.SendAsync(unauthorized);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(Allowed, Header(ok, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(ok, "Access-Control-Allow-Credentials"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(Allowed, Header(refused, "Access-Control-Allow-Origin"));
        Assert.Contains("WWW-Authenticate", Header(refused, "Access-Control-Expose-Headers") ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("client.example")]
    [InlineData("https://client.example/path")]
    [InlineData("https://user@client.example")]
    [InlineData("ftp://client.example")]
    public void AMalformedOriginStopsStartUp(string origin)
    {
        using var factory = new PartnerApiFactory { Settings = new Dictionary<string, string?> { ["Partner:Cors:AllowedOrigins:0"] = origin } };

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Partner:Cors:AllowedOrigins:0", error.ToString(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage Preflight(string path, string method, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-requested-with");
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
