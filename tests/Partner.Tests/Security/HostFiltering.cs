using System.Net;
using Partner.Tests.Api;

namespace Partner.Tests.Security;

/// <summary><c>AllowedHosts</c> (ASP.NET Core host filtering): a request naming another host is refused before the application sees it.</summary>
public sealed class HostFiltering(HostFiltering.AllowedHosts hosts) : IClassFixture<HostFiltering.AllowedHosts>
{
    private readonly PartnerApiFactory factory = hosts.Factory;

    /// <summary>The embedded API serving only partner.example and its subdomains, shared by the class.</summary>
    public sealed class AllowedHosts : IAsyncLifetime
    {
        public PartnerApiFactory Factory { get; } = new()
        {
            Settings = new Dictionary<string, string?> { ["AllowedHosts"] = "partner.example;*.partner.example" },
        };

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Theory]
    [InlineData("partner.example", HttpStatusCode.OK)]
    [InlineData("partner.example:8443", HttpStatusCode.OK)]
    [InlineData("api.partner.example", HttpStatusCode.OK)]
    [InlineData("evil.example", HttpStatusCode.BadRequest)]
    [InlineData("partner.example.evil.example", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.BadRequest)]
    public async Task OnlyTheAllowedHostsAreServed(string host, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/categories") { Headers = { Host = host } };

        var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }
}
