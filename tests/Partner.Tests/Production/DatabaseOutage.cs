using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Infrastructure;
using Partner.Tests.Rooms;

namespace Partner.Tests.Production;

/// <summary>
/// The real MariaDB stopped under a silo and an API process: every write endpoint answers 503 <c>unavailable</c>
/// with <c>Retry-After</c> (never 500), whether its grains are active or must first be read, and nothing was written.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class DatabaseOutage(ProductionServers servers)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task EveryWriteAnswers503AndWritesNothing()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var cluster = new ProductionCluster(database, servers.Redis);
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync(new Dictionary<string, string?> { ["Auth__DevLogin"] = "true" });
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);

        var alice = await SignInAsync(api);
        var bob = await SignInAsync(api);
        var carol = await SignInAsync(api);
        var joined = await CreateRoomAsync(api, alice);
        await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{joined}/participants/me", bob, HttpStatusCode.Created);
        var comment = (await ExpectAsync(api, HttpMethod.Post, $"/api/rooms/{joined}/comments", alice, HttpStatusCode.Created, new { content = "Noon?" })).GetProperty("commentId").GetString();
        var open = await CreateRoomAsync(api, alice);
        var completed = await CreateRoomAsync(api, alice);
        await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{completed}/participants/me", bob, HttpStatusCode.Created);
        var match = (await ExpectAsync(api, HttpMethod.Post, $"/api/rooms/{completed}/match", alice, HttpStatusCode.Created)).GetProperty("matchId").GetString();
        await ExpectAsync(api, HttpMethod.Put, "/api/random-match/STUDY/ticket", carol, HttpStatusCode.Created, new { conditions = new { } });

        await database.StopAsync();

        (HttpMethod Method, string Path, SignedIn? User, object? Body)[] writes =
        [
            (HttpMethod.Post, "/api/auth/dev-login", null, new { login = "newcomer" + Guid.NewGuid().ToString("N")[..6] }),
            (HttpMethod.Post, "/api/rooms", alice, RoomRequests.Body()),
            (HttpMethod.Put, $"/api/rooms/{joined}", alice, RoomRequests.Body(title: "Changed while down")),
            (HttpMethod.Put, $"/api/rooms/{open}/participants/me", bob, null),
            (HttpMethod.Put, $"/api/rooms/{Guid.NewGuid()}/participants/me", bob, null),
            (HttpMethod.Delete, $"/api/rooms/{joined}/participants/me", bob, null),
            (HttpMethod.Post, $"/api/rooms/{joined}/comments", bob, new { content = "Written while down" }),
            (HttpMethod.Put, $"/api/rooms/{joined}/comments/{comment}", alice, new { content = "Edited while down" }),
            (HttpMethod.Delete, $"/api/rooms/{joined}/comments/{comment}", alice, null),
            (HttpMethod.Post, $"/api/rooms/{joined}/match", alice, null),
            (HttpMethod.Delete, $"/api/rooms/{open}", alice, null),
            (HttpMethod.Post, $"/api/matches/{match}/reviews", bob, new { reviews = new[] { new { userId = alice.UserId, score = 5 } } }),
            (HttpMethod.Put, "/api/random-match/MEAL/ticket", bob, new { conditions = new { } }),
            (HttpMethod.Delete, "/api/random-match/STUDY/ticket", carol, null),
            (HttpMethod.Patch, "/api/users/me", bob, new { email = "bob@down.example" }),
            (HttpMethod.Post, "/api/alarms/read", alice, new { upToSeq = 1 }),
            (HttpMethod.Post, "/api/auth/logout", carol, null),
            (HttpMethod.Delete, "/api/users/me", bob, null),
        ];
        var answers = new List<string>();
        foreach (var (method, path, user, body) in writes)
        {
            using var response = await SendAsync(api, method, path, user, body);
            var text = await response.Content.ReadAsStringAsync();
            var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonDocument.Parse(text).RootElement.GetProperty("code").GetString() : text;
            var retryAfter = response.Headers.RetryAfter is not null;
            answers.Add($"{method} {path}: {(int)response.StatusCode} {code}{(retryAfter ? "" : " (no Retry-After)")}");
        }

        Assert.All(answers, answer => Assert.EndsWith(": 503 unavailable", answer));

        await database.StartAgainAsync();
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        var room = await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{joined}", alice, HttpStatusCode.OK);
        Assert.Equal("Lunch at Gaepo", room.GetProperty("title").GetString());
        Assert.Equal(2, room.GetProperty("participantCount").GetInt32());
        Assert.Equal("OPEN", room.GetProperty("status").GetString());
        var comments = await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{joined}/comments", alice, HttpStatusCode.OK);
        Assert.Equal(["Noon?"], comments.EnumerateArray().Select(c => c.GetProperty("content").GetString()));
        Assert.Equal(1, (await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{open}", alice, HttpStatusCode.OK)).GetProperty("participantCount").GetInt32());
        Assert.False((await ExpectAsync(api, HttpMethod.Get, $"/api/matches/{match}", bob, HttpStatusCode.OK)).GetProperty("reviewedByMe").GetBoolean());
        Assert.Equal("WAITING", (await ExpectAsync(api, HttpMethod.Get, "/api/random-match/STUDY", carol, HttpStatusCode.OK)).GetProperty("ticket").GetProperty("status").GetString());
        var meal = await ExpectAsync(api, HttpMethod.Get, "/api/random-match/MEAL", bob, HttpStatusCode.OK);
        Assert.False(meal.TryGetProperty("ticket", out var ticket) && ticket.ValueKind != JsonValueKind.Null, "no ticket was queued");
        var profile = await ExpectAsync(api, HttpMethod.Get, "/api/users/me", bob, HttpStatusCode.OK);
        Assert.Equal("ACTIVE", profile.GetProperty("status").GetString());
        Assert.NotEqual("bob@down.example", profile.TryGetProperty("email", out var email) ? email.GetString() : null);
    }

    private static async Task<SignedIn> SignInAsync(ApiProcess api)
    {
        var body = await ExpectAsync(api, HttpMethod.Post, "/api/auth/dev-login", null, HttpStatusCode.OK, new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        return new SignedIn(body.GetProperty("user").GetProperty("userId").GetGuid(), body.GetProperty("accessToken").GetString()!);
    }

    private static async Task<Guid> CreateRoomAsync(ApiProcess api, SignedIn owner) =>
        (await ExpectAsync(api, HttpMethod.Post, "/api/rooms", owner, HttpStatusCode.Created, RoomRequests.Body(capacity: 3))).GetProperty("roomId").GetGuid();

    private static async Task<JsonElement> ExpectAsync(ApiProcess api, HttpMethod method, string path, SignedIn? user, HttpStatusCode expected, object? body = null)
    {
        using var response = await SendAsync(api, method, path, user, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<HttpResponseMessage> SendAsync(ApiProcess api, HttpMethod method, string path, SignedIn? user, object? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        }

        return api.Http.SendAsync(request);
    }

    private sealed record SignedIn(Guid UserId, string Token);
}
