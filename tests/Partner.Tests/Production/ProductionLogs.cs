using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MySqlConnector;
using Partner.Tests.Infrastructure;
using Partner.Tests.Rooms;

namespace Partner.Tests.Production;

/// <summary>
/// The logs of production processes: one JSON object per line carrying the request's W3C trace id, the same id the
/// client reads in a problem's <c>traceId</c>; and no token, key, password or e-mail address in them.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class ProductionLogs(ProductionServers servers)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task AnOutagesTraceIdFindsItsLogLines()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var cluster = new ProductionCluster(database, servers.Redis);
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync(new Dictionary<string, string?> { ["Auth__DevLogin"] = "true" });
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        var token = (await SignInAsync(api, "u" + Guid.NewGuid().ToString("N")[..10])).GetProperty("accessToken").GetString()!;

        await database.StopAsync();
        using var response = await api.SendAsync(HttpMethod.Post, "/api/rooms", token, RoomRequests.Body());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var traceId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("traceId").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        var lines = JsonLines(api.Process).Where(line => Scope(line, "TraceId") == traceId).ToList();
        var outage = Assert.Single(lines, line => line.GetProperty("Message").GetString()!.StartsWith("Answered 503 on POST /api/rooms", StringComparison.Ordinal));
        Assert.Equal("Warning", outage.GetProperty("LogLevel").GetString());
        Assert.Equal("/api/rooms", Scope(outage, "RequestPath"));
        Assert.Matches("^[0-9a-f]{16}$", Scope(outage, "SpanId"));
    }

    [Fact]
    public async Task NoTokenKeyPasswordOrEmailAddressReachesTheLogs()
    {
        await using var intra = await FakeIntraServer.StartAsync();
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        var silo = await cluster.StartSiloAsync();
        var apiPort = FreePort.Next();
        var api = await cluster.StartApiAsync(
            new Dictionary<string, string?>
            {
                ["Auth__DevLogin"] = "true",
                ["Auth__Intra__BaseUrl"] = intra.BaseUrl,
                ["Auth__Intra__ClientId"] = intra.ClientId,
                ["Auth__Intra__ClientSecret"] = intra.ClientSecret,
                ["Auth__PublicBaseUrl"] = $"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}",
                // Far chattier than production's default (Warning): whatever the framework says about tokens, cookies and URLs shows.
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
            },
            httpPort: apiPort);
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        var secrets = new List<string>
        {
            ProductionCluster.SigningKey,
            new MySqlConnectionStringBuilder(servers.Database.ConnectionString).Password,
            intra.ClientSecret,
        };

        var devLogin = await SignInAsync(api, "u" + Guid.NewGuid().ToString("N")[..10]);
        var token = devLogin.GetProperty("accessToken").GetString()!;
        var devEmail = $"dev.{Guid.NewGuid():N}@logs.example";
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Patch, "/api/users/me", token, new { email = devEmail })).StatusCode);
        intra.NextUser = new FakeIntraUser(880000 + Random.Shared.Next(10_000), "i" + Guid.NewGuid().ToString("N")[..10], $"intra.{Guid.NewGuid():N}@student.42seoul.kr", null);
        var (intraToken, intraRefresh) = await SignInThroughIntraAsync(api);
        secrets.AddRange([token, devEmail, intra.NextUser.Email, intraToken, intraRefresh, .. intra.IssuedAccessTokens]);

        var refreshed = await RefreshAsync(api, intraRefresh);
        secrets.AddRange([refreshed.AccessToken, refreshed.RefreshToken]);
        var again = await RefreshAsync(api, refreshed.RefreshToken);
        secrets.AddRange([again.AccessToken, again.RefreshToken]);
        using (var replay = await api.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = intraRefresh }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        }

        var forged = SignedWithAnotherKey(token);
        var tampered = token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA");
        foreach (var bad in new[] { forged, tampered, "not-a-jwt" })
        {
            using var refused = await api.SendAsync(HttpMethod.Get, "/api/users/me", bad);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var hub = await api.Http.PostAsync($"/hubs/partner/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(forged)}", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, hub.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(HttpMethod.Post, "/api/auth/logout", token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.SendAsync(HttpMethod.Post, "/api/alarms/read", token, new { upToSeq = 0 })).StatusCode);
        secrets.AddRange([forged, tampered]);

        await api.Process.StopAsync(TimeSpan.FromSeconds(30));
        await silo.Process.StopAsync(TimeSpan.FromSeconds(30));
        var logs = api.Process.Output + "\n" + silo.Process.Output;
        Assert.Contains("Microsoft.AspNetCore.Authentication", logs, StringComparison.Ordinal);
        Assert.Contains("is active in production mode", logs, StringComparison.Ordinal);
        Assert.All(secrets, secret => Assert.False(
            logs.Contains(secret, StringComparison.OrdinalIgnoreCase),
            $"the logs carry a secret ({secret[..Math.Min(6, secret.Length)]}…)"));
    }

    /// <summary>The JSON objects a process wrote, one a line; anything else it printed fails the test.</summary>
    private static List<JsonElement> JsonLines(PartnerProcess process) =>
        [.. process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            try
            {
                return JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException)
            {
                Assert.Fail($"{process} wrote a line that is not JSON: {line}");
                throw;
            }
        })];

    private static string? Scope(JsonElement line, string name) =>
        line.TryGetProperty("Scopes", out var scopes)
            ? scopes.EnumerateArray().Select(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(name, out var value) ? value.GetString() : null).FirstOrDefault(value => value is not null)
            : null;

    private static async Task<JsonElement> SignInAsync(ApiProcess api, string login)
    {
        using var response = await api.Http.PostAsJsonAsync("/api/auth/dev-login", new { login });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The 42 authorization-code flow as a browser follows it: the access token from the fragment, the refresh token from its cookie.</summary>
    private static async Task<(string AccessToken, string RefreshToken)> SignInThroughIntraAsync(ApiProcess api)
    {
        var (accessToken, final) = await IntraBrowserFlow.SignInAsync(api);
        return (accessToken, RefreshCookieOf(final));
    }

    private static async Task<(string AccessToken, string RefreshToken)> RefreshAsync(ApiProcess api, string refreshToken)
    {
        using var response = await api.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return (JsonDocument.Parse(body).RootElement.GetProperty("accessToken").GetString()!, RefreshCookieOf(response));
    }

    private static string RefreshCookieOf(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("partner_refresh=", StringComparison.Ordinal)).Split(';')[0]["partner_refresh=".Length..];

    /// <summary>The token's header and claims under a signature of a key the API does not know.</summary>
    internal static string SignedWithAnotherKey(string token, byte[]? key = null)
    {
        var unsigned = token[..token.LastIndexOf('.')];
        var signature = System.Security.Cryptography.HMACSHA256.HashData(key ?? System.Security.Cryptography.RandomNumberGenerator.GetBytes(48), System.Text.Encoding.ASCII.GetBytes(unsigned));
        return unsigned + "." + System.Buffers.Text.Base64Url.EncodeToString(signature);
    }

}
