using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>
/// Rotating the JWT signing key across API nodes of one cluster: a node that signs with the new key and lists the old
/// one in <c>Auth:Jwt:PreviousSigningKeys</c> accepts tokens of both; once the old key is gone they are 401; refresh
/// tokens do not depend on the key. Previous keys are held to the signing key's rules.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class SigningKeyRotation(ProductionServers servers)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TokensOfThePreviousKeyPassWhileItIsListedAndFailOnceItIsRemoved()
    {
        var (oldKey, newKey) = (NewKey(), NewKey());
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        await cluster.StartSiloAsync();
        var nodes = await Task.WhenAll(
            cluster.StartApiAsync(Keys(oldKey)),
            cluster.StartApiAsync(Keys(newKey, oldKey)),
            cluster.StartApiAsync(Keys(newKey)));
        var (before, during, after) = (nodes[0], nodes[1], nodes[2]);
        foreach (var node in nodes)
        {
            await node.WaitUntilAsync("/api/categories", HttpStatusCode.OK, Patience);
        }

        var (oldToken, refreshToken) = await SignInAsync(before);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(during, oldToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(after, oldToken));

        var (newToken, _) = await SignInAsync(during);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(after, newToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(before, newToken));

        using var refresh = await after.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        var refreshed = JsonDocument.Parse(await refresh.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await MeAsync(after, refreshed));
    }

    [Theory]
    [InlineData(Partner.Api.Auth.JwtSettings.DevelopmentSigningKey, "development key")]
    [InlineData("too-short", "at least 32 bytes")]
    public async Task APreviousKeyFollowsTheSigningKeysRules(string previousKey, string reason)
    {
        var environment = new ProductionCluster(servers.Database, servers.Redis).CommonEnvironment();
        environment["Auth__Jwt__PreviousSigningKeys__0"] = NewKey();
        environment["Auth__Jwt__PreviousSigningKeys__1"] = previousKey;
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
        await using var api = PartnerProcess.Start("api", environment, "api-bad-previous-key");

        await api.WaitForOutputAsync("Auth:Jwt:PreviousSigningKeys:1 (environment Auth__Jwt__PreviousSigningKeys__1)", ExitTimeout);
        Assert.Contains(reason, api.Output, StringComparison.Ordinal);
        Assert.NotNull(await api.WaitForExitAsync(ExitTimeout));
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    private static Dictionary<string, string?> Keys(string signingKey, params string[] previousKeys)
    {
        var settings = new Dictionary<string, string?> { ["Auth__DevLogin"] = "true", ["Auth__Jwt__SigningKey"] = signingKey };
        for (var i = 0; i < previousKeys.Length; i++)
        {
            settings[$"Auth__Jwt__PreviousSigningKeys__{i.ToString(CultureInfo.InvariantCulture)}"] = previousKeys[i];
        }

        return settings;
    }

    private static async Task<(string AccessToken, string RefreshToken)> SignInAsync(ApiProcess node)
    {
        using var response = await node.Http.PostAsJsonAsync("/api/auth/dev-login", new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("partner_refresh=", StringComparison.Ordinal));
        return (JsonDocument.Parse(body).RootElement.GetProperty("accessToken").GetString()!, cookie.Split(';')[0]["partner_refresh=".Length..]);
    }

    private static async Task<HttpStatusCode> MeAsync(ApiProcess node, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/users/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await node.Http.SendAsync(request);
        return response.StatusCode;
    }
}
