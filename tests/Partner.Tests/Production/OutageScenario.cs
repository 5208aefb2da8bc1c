using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Infrastructure;
using Partner.Tests.Rooms;

namespace Partner.Tests.Production;

/// <summary>
/// What the outage tests share: a few users, rooms, a comment, a completed room's match and a waiting ticket made
/// while everything runs, then one request to every write endpoint, sent while a dependency is down.
/// </summary>
public sealed class OutageScenario
{
    private OutageScenario(ApiProcess api, SignedIn alice, SignedIn bob, SignedIn carol, Guid joined, string comment, Guid open, string match)
    {
        Api = api;
        Alice = alice;
        Bob = bob;
        Carol = carol;
        Joined = joined;
        Comment = comment;
        Open = open;
        Match = match;
    }

    public ApiProcess Api { get; }

    public SignedIn Alice { get; }

    public SignedIn Bob { get; }

    public SignedIn Carol { get; }

    /// <summary>Alice's room that Bob joined and Alice commented on.</summary>
    public Guid Joined { get; }

    public string Comment { get; }

    /// <summary>Alice's room nobody joined.</summary>
    public Guid Open { get; }

    /// <summary>The match of Alice's completed room, Bob a member.</summary>
    public string Match { get; }

    public static async Task<OutageScenario> PrepareAsync(ApiProcess api)
    {
        var alice = await SignInAsync(api);
        var bob = await SignInAsync(api);
        var carol = await SignInAsync(api);
        var joined = await CreateRoomAsync(api, alice);
        await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{joined}/participants/me", bob, HttpStatusCode.Created);
        var comment = (await ExpectAsync(api, HttpMethod.Post, $"/api/rooms/{joined}/comments", alice, HttpStatusCode.Created, new { content = "Noon?" })).GetProperty("commentId").GetString()!;
        var open = await CreateRoomAsync(api, alice);
        var completed = await CreateRoomAsync(api, alice);
        await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{completed}/participants/me", bob, HttpStatusCode.Created);
        var match = (await ExpectAsync(api, HttpMethod.Post, $"/api/rooms/{completed}/match", alice, HttpStatusCode.Created)).GetProperty("matchId").GetString()!;
        await ExpectAsync(api, HttpMethod.Put, "/api/random-match/STUDY/ticket", carol, HttpStatusCode.Created, new { conditions = new { } });
        return new OutageScenario(api, alice, bob, carol, joined, comment, open, match);
    }

    /// <summary>One request to every write endpoint, in an order where each still has something to act on.</summary>
    public (HttpMethod Method, string Path, SignedIn? User, object? Body)[] Writes() =>
    [
        (HttpMethod.Post, "/api/auth/dev-login", null, new { login = "newcomer" + Guid.NewGuid().ToString("N")[..6] }),
        (HttpMethod.Post, "/api/rooms", Alice, RoomRequests.Body()),
        (HttpMethod.Put, $"/api/rooms/{Joined}", Alice, RoomRequests.Body(title: "Changed while down")),
        (HttpMethod.Put, $"/api/rooms/{Open}/participants/me", Bob, null),
        (HttpMethod.Put, $"/api/rooms/{Guid.NewGuid()}/participants/me", Bob, null),
        (HttpMethod.Delete, $"/api/rooms/{Joined}/participants/me", Bob, null),
        (HttpMethod.Post, $"/api/rooms/{Joined}/comments", Bob, new { content = "Written while down" }),
        (HttpMethod.Put, $"/api/rooms/{Joined}/comments/{Comment}", Alice, new { content = "Edited while down" }),
        (HttpMethod.Delete, $"/api/rooms/{Joined}/comments/{Comment}", Alice, null),
        (HttpMethod.Post, $"/api/rooms/{Joined}/match", Alice, null),
        (HttpMethod.Delete, $"/api/rooms/{Open}", Alice, null),
        (HttpMethod.Post, $"/api/matches/{Match}/reviews", Bob, new { reviews = new[] { new { userId = Alice.UserId, score = 5 } } }),
        (HttpMethod.Put, "/api/random-match/MEAL/ticket", Bob, new { conditions = new { } }),
        (HttpMethod.Delete, "/api/random-match/STUDY/ticket", Carol, null),
        (HttpMethod.Patch, "/api/users/me", Bob, new { email = "bob@down.example" }),
        (HttpMethod.Post, "/api/alarms/read", Alice, new { upToSeq = 1 }),
        (HttpMethod.Post, "/api/auth/logout", Carol, null),
        (HttpMethod.Delete, "/api/users/me", Bob, null),
    ];

    /// <summary>Sends every write and describes each answer as <c>METHOD path: status code</c>, flagging a 503 without <c>Retry-After</c>.</summary>
    public async Task<List<(int Status, string Answer)>> SendWritesAsync()
    {
        var answers = new List<(int, string)>();
        foreach (var (method, path, user, body) in Writes())
        {
            using var response = await SendAsync(Api, method, path, user, body);
            var text = await response.Content.ReadAsStringAsync();
            var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonDocument.Parse(text).RootElement.GetProperty("code").GetString() : "";
            var retryAfter = response.Headers.RetryAfter is not null || (int)response.StatusCode != 503;
            answers.Add(((int)response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {code}{(retryAfter ? "" : " (no Retry-After)")}".TrimEnd()));
        }

        return answers;
    }

    public static async Task<SignedIn> SignInAsync(ApiProcess api)
    {
        var body = await ExpectAsync(api, HttpMethod.Post, "/api/auth/dev-login", null, HttpStatusCode.OK, new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        return new SignedIn(body.GetProperty("user").GetProperty("userId").GetGuid(), body.GetProperty("accessToken").GetString()!);
    }

    public static async Task<JsonElement> ExpectAsync(ApiProcess api, HttpMethod method, string path, SignedIn? user, HttpStatusCode expected, object? body = null)
    {
        using var response = await SendAsync(api, method, path, user, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<Guid> CreateRoomAsync(ApiProcess api, SignedIn owner) =>
        (await ExpectAsync(api, HttpMethod.Post, "/api/rooms", owner, HttpStatusCode.Created, RoomRequests.Body(capacity: 3))).GetProperty("roomId").GetGuid();

    public static Task<HttpResponseMessage> SendAsync(ApiProcess api, HttpMethod method, string path, SignedIn? user, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        }

        return api.Http.SendAsync(request);
    }

    public sealed record SignedIn(Guid UserId, string Token);
}
