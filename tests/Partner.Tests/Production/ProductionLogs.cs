using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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
        using var response = await SendAsync(api, HttpMethod.Post, "/api/rooms", token, RoomRequests.Body());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var traceId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("traceId").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        var lines = JsonLines(api.Process).Where(line => Scope(line, "TraceId") == traceId).ToList();
        var outage = Assert.Single(lines, line => line.GetProperty("Message").GetString()!.StartsWith("Answered 503 on POST /api/rooms", StringComparison.Ordinal));
        Assert.Equal("Warning", outage.GetProperty("LogLevel").GetString());
        Assert.Equal("/api/rooms", Scope(outage, "RequestPath"));
        Assert.Matches("^[0-9a-f]{16}$", Scope(outage, "SpanId"));
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

    private static Task<HttpResponseMessage> SendAsync(ApiProcess api, HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return api.Http.SendAsync(request);
    }
}
