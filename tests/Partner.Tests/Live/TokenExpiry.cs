using Partner.Tests.Api;

namespace Partner.Tests.Live;

/// <summary>A hub connection lives no longer than its access token: the client reconnects with a fresh one and resumes.</summary>
public sealed class TokenExpiry : IAsyncLifetime
{
    private readonly PartnerApiFactory factory = new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Auth:Jwt:AccessTokenLifetime"] = "00:00:03",
            ["Auth:Jwt:ClockSkew"] = "00:00:00",
        },
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task AConnectionIsClosedWhenItsTokenExpires()
    {
        var alice = await factory.SignInAsync();
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(3);
        await using var live = await LiveClient.ConnectAsync(factory, alice.AccessToken);

        await live.Closed.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(DateTimeOffset.UtcNow >= expiresAt.AddMilliseconds(-500), "closed at the token's expiry, not before");
    }
}
