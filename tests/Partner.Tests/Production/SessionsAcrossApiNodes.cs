using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>
/// Two API processes on one cluster: a session ended through one node stops authenticating on the
/// other at once for writes and within a second for reads; dev login, when an operator turns it on
/// in production, never grants ADMIN and says so at start-up.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class SessionsAcrossApiNodes(SessionsAcrossApiNodes.TwoApiNodes nodes) : IClassFixture<SessionsAcrossApiNodes.TwoApiNodes>
{
    private const string AdminLogin = "ops-admin";

    private readonly ApiProcess a = nodes.A;
    private readonly ApiProcess b = nodes.B;

    /// <summary>One silo and two API nodes with dev login on, started once for the class: every test signs in its own users.</summary>
    public sealed class TwoApiNodes(ProductionServers servers) : IAsyncLifetime
    {
        private ProductionCluster cluster = null!;

        public ApiProcess A { get; private set; } = null!;

        public ApiProcess B { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            cluster = new ProductionCluster(servers.Database, servers.Redis);
            await cluster.StartSiloAsync();
            var settings = new Dictionary<string, string?> { ["Auth__DevLogin"] = "true", ["Partner__Admins__0"] = AdminLogin };
            var nodes = await Task.WhenAll(cluster.StartApiAsync(settings), cluster.StartApiAsync(settings));
            (A, B) = (nodes[0], nodes[1]);
            await A.WaitUntilAsync("/api/categories", HttpStatusCode.OK, TimeSpan.FromSeconds(45));
            await B.WaitUntilAsync("/api/categories", HttpStatusCode.OK, TimeSpan.FromSeconds(45));
        }

        public async Task DisposeAsync() => await cluster.DisposeAsync();
    }

    [Fact]
    public async Task ALogoutThroughOneNodeEndsTheTokenOnTheOther()
    {
        var token = await SignInAsync(a, "u" + Guid.NewGuid().ToString("N")[..10]);
        Assert.Equal(HttpStatusCode.OK, (await b.SendAsync(HttpMethod.Get, "/api/users/me", token)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await a.SendAsync(HttpMethod.Post, "/api/auth/logout", token)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await b.SendAsync(HttpMethod.Post, "/api/alarms/read", token, new { upToSeq = 0 })).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await b.SendAsync(HttpMethod.Get, "/api/users/me", token)).StatusCode);
    }

    [Fact]
    public async Task AWithdrawalThroughOneNodeEndsEveryTokenOnTheOther()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var laptop = await SignInAsync(a, login);
        var phone = await SignInAsync(b, login);
        Assert.Equal(HttpStatusCode.OK, (await b.SendAsync(HttpMethod.Get, "/api/users/me", phone)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await a.SendAsync(HttpMethod.Delete, "/api/users/me", laptop)).StatusCode);

        var write = await b.SendAsync(HttpMethod.Post, "/api/alarms/read", phone, new { upToSeq = 0 });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Contains("user.withdrawn", await write.Content.ReadAsStringAsync());
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await b.SendAsync(HttpMethod.Get, "/api/alarms", phone)).StatusCode);
    }

    [Fact]
    public async Task DevLoginInProductionNeverGrantsAdminAndIsAnnounced()
    {
        var token = await SignInAsync(a, AdminLogin);

        var me = await b.SendAsync(HttpMethod.Get, "/api/users/me", token);

        using var json = JsonDocument.Parse(await me.Content.ReadAsStringAsync());
        Assert.Equal(["USER"], json.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("Auth:DevLogin is on in production", a.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KestrelNamesNoServer()
    {
        var response = await a.Http.GetAsync("/api/categories");

        Assert.Empty(response.Headers.Server);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
    }

    private static async Task<string> SignInAsync(ApiProcess node, string login)
    {
        var response = await node.Http.PostAsJsonAsync("/api/auth/dev-login", new { login });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("accessToken").GetString()!;
    }

}
