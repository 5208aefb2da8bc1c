using System.Net;
using System.Net.Http.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Identity;

public sealed class RateLimiting : IAsyncLifetime
{
    private readonly PartnerApiFactory factory = new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Partner:RateLimits:Auth:PermitLimit"] = "3",
            ["Partner:RateLimits:Auth:Window"] = "00:00:10",
            ["Partner:RateLimits:Writes:PermitLimit"] = "2",
            ["Partner:RateLimits:Writes:Window"] = "00:01:00",
        },
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task AuthEndpointsAnswer429WithRetryAfterPastTheLimit()
    {
        var client = factory.CreateClient();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            responses.Add(await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "x" }));
        }

        Assert.All(responses.Take(3), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        var limited = responses[3];
        Assert.Equal("rate-limited", (await Problem.ReadAsync(limited, HttpStatusCode.TooManyRequests)).Code);
        Assert.InRange(limited.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(10));

        // Retry-After counts down with the window instead of naming the whole window again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "x" });
        await Problem.ReadAsync(later, HttpStatusCode.TooManyRequests);
        Assert.InRange(later.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task WritesAreLimitedPerUser()
    {
        await using var relaxedAuth = new PartnerApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
                ["Partner:RateLimits:Writes:PermitLimit"] = "2",
                ["Partner:RateLimits:Writes:Window"] = "00:01:00",
            },
        };
        var alice = await relaxedAuth.SignInAsync();
        var bob = await relaxedAuth.SignInAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await alice.Http.PatchAsJsonAsync("/api/users/me", new { email = $"a{i}@student.42seoul.kr" })).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, (await bob.Http.PatchAsJsonAsync("/api/users/me", new { email = "b@student.42seoul.kr" })).StatusCode);
    }
}
