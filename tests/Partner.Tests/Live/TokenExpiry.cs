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
        var expiresAt = ExpiryOf(alice.AccessToken);
        await using var live = await LiveClient.ConnectAsync(factory, alice.AccessToken);

        await live.Closed.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(DateTimeOffset.UtcNow >= expiresAt.AddMilliseconds(-200), $"closed at the token's expiry ({expiresAt:O}), not before");
    }

    /// <summary>The token's own <c>exp</c>: a busy machine may take a while between issuing the token and the test reading it.</summary>
    private static DateTimeOffset ExpiryOf(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var json = Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '='));
        using var claims = System.Text.Json.JsonDocument.Parse(json);
        return DateTimeOffset.FromUnixTimeSeconds(claims.RootElement.GetProperty("exp").GetInt64());
    }
}
