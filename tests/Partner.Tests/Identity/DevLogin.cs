using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Identity;

public sealed class DevLogin(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task CreatesTheUserOnceAndFindsItAfterwards()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];

        var first = await factory.SignInAsync(login);
        var second = await factory.SignInAsync(login.ToUpperInvariant());

        Assert.Equal(first.UserId, second.UserId);
        Assert.Equal(login, first.User.GetProperty("login").GetString());
        Assert.Equal(login, first.User.GetProperty("nickname").GetString());
        Assert.Equal("ACTIVE", first.User.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ConcurrentFirstLoginsCreateOneUser()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];

        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => factory.SignInAsync(login)));

        Assert.Single(clients.Select(c => c.UserId).Distinct());
    }

    [Theory]
    [InlineData("""{}""", "login")]
    [InlineData("""{"login":""}""", "login")]
    [InlineData("""{"login":"has space"}""", "login")]
    [InlineData("""{"login":"waaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaay-too-long"}""", "login")]
    [InlineData("""{"login":42}""", "login")]
    public async Task RejectsBadLoginsNamingTheField(string body, string field)
    {
        var response = await factory.CreateClient().PostAsync("/api/auth/dev-login", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains(field, problem.Errors.Keys);
    }

    [Fact]
    public async Task IsNotFoundWhenDisabled()
    {
        await using var disabled = new PartnerApiFactory { Settings = new Dictionary<string, string?> { ["Auth:DevLogin"] = "false" } };

        var response = await disabled.CreateClient().PostAsJsonAsync("/api/auth/dev-login", new { login = "alice" });

        await Problem.ReadAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UpdatesTheEmailAndValidatesIt()
    {
        var alice = await factory.SignInAsync();

        var bad = await alice.Http.PatchAsJsonAsync("/api/users/me", new { email = "not-an-address" });
        var good = await alice.Http.PatchAsJsonAsync("/api/users/me", new { email = "alice@student.42seoul.kr" });

        Assert.Contains("email", (await Problem.ReadAsync(bad, HttpStatusCode.BadRequest)).Errors.Keys);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var me = await alice.Http.GetFromJsonAsync<JsonElement>("/api/users/me");
        Assert.Equal("alice@student.42seoul.kr", me.GetProperty("email").GetString());
    }
}
