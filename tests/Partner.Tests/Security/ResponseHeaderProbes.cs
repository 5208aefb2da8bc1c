using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Partner.Tests.Api;

namespace Partner.Tests.Security;

/// <summary>The security headers on every kind of answer: JSON, problems of each status, HTML pages, tokens.</summary>
public sealed class ResponseHeaderProbes(ResponseHeaderProbes.ProductionEnvironment production) : IClassFixture<ResponseHeaderProbes.ProductionEnvironment>
{
    /// <summary>The embedded API in the Production environment (HSTS on), shared by the class.</summary>
    public sealed class ProductionEnvironment : IAsyncLifetime
    {
        public PartnerApiFactory Factory { get; } = new() { Environment = "Production" };

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    public static TheoryData<string, string> Answers() => new()
    {
        { "GET", "/api/categories" },
        { "GET", "/api/rooms" },
        { "GET", "/api/users/me" },
        { "GET", "/api/no-such-thing" },
        { "GET", "/api/rooms/not-a-guid" },
        { "GET", "/api/alarms?afterSeq=abc" },
        { "POST", "/api/auth/refresh" },
        { "POST", "/api/auth/dev-login" },
        { "DELETE", "/api/categories" },
        { "GET", "/test/throw" },
        { "GET", "/health/ready" },
        { "GET", "/openapi/v1.json" },
        { "GET", "/scalar/v1" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task EveryAnswerForbidsSniffingAndInsistsOnHttps(string method, string path)
    {
        var response = await Https().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.StartsWith("max-age=", Header(response, "Strict-Transport-Security"));
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            Assert.Contains("no-store", Header(response, "Cache-Control"));
        }
    }

    [Fact]
    public async Task AnswersCarryingTokensAreNotStored()
    {
        var response = await Https().PostAsJsonAsync("/api/auth/dev-login", new { login = "u" + Guid.NewGuid().ToString("N")[..10] });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", Header(response, "Cache-Control"));
    }

    [Fact]
    public async Task HtmlPagesCannotBeFramedAndLoadOnlyThisOrigin()
    {
        var response = await Https().GetAsync("/scalar/v1");

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = Header(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("default-src 'self'", policy);
        Assert.Contains("object-src 'none'", policy);
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
    }

    [Fact]
    public async Task JsonAnswersCarryNoPagePolicy()
    {
        var response = await Https().GetAsync("/api/categories");

        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task DevelopmentDoesNotPinHttps()
    {
        await using var development = new PartnerApiFactory();

        var response = await development.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://partner.example") }).GetAsync("/api/categories");

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    private HttpClient Https() => production.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://partner.example") });

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"{name} missing on {(int)response.StatusCode} {response.RequestMessage?.RequestUri}");
}
