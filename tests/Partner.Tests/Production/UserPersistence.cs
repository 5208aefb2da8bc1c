using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class UserPersistence(ProductionServers servers)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task DevLoginIsOffByDefaultInProduction()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync();

        var response = await api.Http.PostAsJsonAsync("/api/auth/dev-login", new { login = "alice" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task UsersAndTheirSessionsSurviveASiloRestartOnMariaDb()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        var silo = await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync(new Dictionary<string, string?> { ["Auth__DevLogin"] = "true" });
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var signIn = await api.Http.PostAsJsonAsync("/api/auth/dev-login", new { login });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var signedIn = await signIn.Content.ReadFromJsonAsync<JsonElement>();
        var refreshToken = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("partner_refresh=", StringComparison.Ordinal)).Split(';')[0]["partner_refresh=".Length..];
        var bearer = signedIn.GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await Send(api, HttpMethod.Patch, "/api/users/me", bearer, new { email = "kept@student.42seoul.kr" })).StatusCode);

        silo.Process.Kill();
        await cluster.StartSiloAsync(silo.SiloPort, silo.GatewayPort);
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);

        var me = await Send(api, HttpMethod.Get, "/api/users/me", bearer);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var profile = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("kept@student.42seoul.kr", profile.GetProperty("email").GetString());
        Assert.Equal(signedIn.GetProperty("user").GetProperty("userId").GetString(), profile.GetProperty("userId").GetString());
        var refresh = await api.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
    }

    private static Task<HttpResponseMessage> Send(ApiProcess api, HttpMethod method, string path, string bearer, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", bearer);
        return api.Http.SendAsync(request);
    }
}
