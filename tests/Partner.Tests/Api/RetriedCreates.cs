using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Rooms;

namespace Partner.Tests.Api;

/// <summary>
/// <c>Idempotency-Key</c> on every create: a retry gets the first answer and creates nothing; another request under the
/// same key is 422; and when the first answer was lost, the retry still lands on the same room or comment.
/// </summary>
public sealed class RetriedCreates : IAsyncLifetime
{
    private const HttpStatusCode UnprocessableEntity = (HttpStatusCode)422;
    private readonly CallFaults faults = new();
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<IOutgoingGrainCallFilter>(faults) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task ARetriedRoomCreateGetsTheFirstAnswer()
    {
        var alice = await factory.SignInAsync();
        var key = NewKey();
        var first = await PostAsync(alice, "/api/rooms", key, RoomRequests.Body());
        var retried = await PostAsync(alice, "/api/rooms", key, RoomRequests.Body());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retried.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, retried.Headers.Location);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(["true"], retried.Headers.GetValues("Idempotent-Replayed"));
    }

    [Fact]
    public async Task TheSameKeyWithAnotherRequestIs422AndChangesNothing()
    {
        var alice = await factory.SignInAsync();
        var key = NewKey();
        var room = await IdOfAsync(await PostAsync(alice, "/api/rooms", key, RoomRequests.Body(title: "First")), "roomId");

        var other = await PostAsync(alice, "/api/rooms", key, RoomRequests.Body(title: "Second"));

        Assert.Equal("idempotency-key-reused", (await Problem.ReadAsync(other, UnprocessableEntity)).Code);
        Assert.Equal("First", (await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room}")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task KeysBelongToTheirUser()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var key = NewKey();

        var hers = await IdOfAsync(await PostAsync(alice, "/api/rooms", key, RoomRequests.Body()), "roomId");
        var his = await IdOfAsync(await PostAsync(bob, "/api/rooms", key, RoomRequests.Body()), "roomId");

        Assert.NotEqual(hers, his);
    }

    [Fact]
    public async Task AnOverlongKeyIsRefusedNamingIt()
    {
        var alice = await factory.SignInAsync();

        var refused = await PostAsync(alice, "/api/rooms", new string('k', 201), RoomRequests.Body());

        Assert.Contains("Idempotency-Key", (await Problem.ReadAsync(refused, HttpStatusCode.BadRequest)).Errors.Keys);
    }

    [Fact]
    public async Task WhenTheFirstAnswerWasNotKeptTheRetryLandsOnTheSameRoom()
    {
        var alice = await factory.SignInAsync();
        var key = NewKey();
        faults.FailOnce("IIdempotencyGrain", "Complete");
        var first = await IdOfAsync(await PostAsync(alice, "/api/rooms", key, RoomRequests.Body()), "roomId");
        Assert.True(faults.Hit("IIdempotencyGrain", "Complete"), "the first answer was not kept");

        var retried = await PostAsync(alice, "/api/rooms", key, RoomRequests.Body());

        Assert.False(retried.Headers.Contains("Idempotent-Replayed"), "answered again, not replayed");
        Assert.Equal(first, await IdOfAsync(retried, "roomId"));
    }

    [Fact]
    public async Task ARoomWhoseListingFailedIsListedShortlyAfter()
    {
        var alice = await factory.SignInAsync();
        var date = RoomRequests.InDays(Random.Shared.Next(30, 300));
        faults.FailOnce("IRoomDayGrain", "Upsert");

        var room = await IdOfAsync(await PostAsync(alice, "/api/rooms", NewKey(), RoomRequests.Body(date: date)), "roomId");

        Assert.True(faults.Hit("IRoomDayGrain", "Upsert"), "the listing failed");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await ListedAsync(alice, date, room))
        {
            Assert.True(DateTime.UtcNow < deadline, "the room was never listed");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ARetriedCommentIsAddedOnce()
    {
        var alice = await factory.SignInAsync();
        var room = (await alice.CreateRoomAsync()).Id();
        var key = NewKey();
        faults.FailOnce("IIdempotencyGrain", "Complete");

        var first = await IdOfAsync(await PostAsync(alice, $"/api/rooms/{room}/comments", key, new { content = "Noon?" }), "commentId");
        var converged = await IdOfAsync(await PostAsync(alice, $"/api/rooms/{room}/comments", key, new { content = "Noon?" }), "commentId");
        var replayed = await PostAsync(alice, $"/api/rooms/{room}/comments", key, new { content = "Noon?" });

        Assert.Equal(first, converged);
        Assert.Equal(first, await IdOfAsync(replayed, "commentId"));
        Assert.True(replayed.Headers.Contains("Idempotent-Replayed"));
        Assert.Single((await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room}/comments")).EnumerateArray());
    }

    [Fact]
    public async Task RetriedJoinsCompletionsAndReviewsGetTheirFirstAnswer()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var room = (await alice.CreateRoomAsync()).Id();
        var joinKey = NewKey();
        var matchKey = NewKey();
        var reviewKey = NewKey();

        var joins = new[] { await SendAsync(bob, HttpMethod.Put, $"/api/rooms/{room}/participants/me", joinKey, null), await SendAsync(bob, HttpMethod.Put, $"/api/rooms/{room}/participants/me", joinKey, null) };
        var completions = new[] { await PostAsync(alice, $"/api/rooms/{room}/match", matchKey, null), await PostAsync(alice, $"/api/rooms/{room}/match", matchKey, null) };
        var match = await IdOfAsync(completions[0], "matchId");
        var review = new { reviews = new[] { new { userId = alice.UserId, score = 5 } } };
        var reviews = new[] { await PostAsync(bob, $"/api/matches/{match}/reviews", reviewKey, review), await PostAsync(bob, $"/api/matches/{match}/reviews", reviewKey, review) };

        Assert.All(joins.Concat(completions).Concat(reviews), r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(match, await IdOfAsync(completions[1], "matchId"));
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(bob, $"/api/matches/{match}/reviews", NewKey(), review)).StatusCode);
    }

    [Fact]
    public async Task ConcurrentRetriesCreateOneRoom()
    {
        var alice = await factory.SignInAsync();
        var key = NewKey();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(alice, "/api/rooms", key, RoomRequests.Body())));

        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var created = answers.Where(a => a.StatusCode == HttpStatusCode.Created).ToArray();
        Assert.NotEmpty(created);
        var ids = await Task.WhenAll(created.Select(a => IdOfAsync(a, "roomId")));
        Assert.Single(ids.Distinct());
        foreach (var busy in answers.Where(a => a.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Equal("idempotency-key-in-progress", (await Problem.ReadAsync(busy, HttpStatusCode.Conflict)).Code);
        }
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private static Task<HttpResponseMessage> PostAsync(SignedInClient user, string path, string key, object? body) => SendAsync(user, HttpMethod.Post, path, key, body);

    private static Task<HttpResponseMessage> SendAsync(SignedInClient user, HttpMethod method, string path, string key, object? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return user.Http.SendAsync(request);
    }

    private static async Task<Guid> IdOfAsync(HttpResponseMessage response, string property)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty(property).GetGuid();
    }

    private static async Task<bool> ListedAsync(SignedInClient user, string date, Guid room)
    {
        var page = await user.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?category=MEAL&date={date}&size=100");
        return page.GetProperty("items").EnumerateArray().Any(r => r.GetProperty("roomId").GetGuid() == room);
    }

    /// <summary>Fails chosen grain calls once each, as a lost connection to their silo would.</summary>
    private sealed class CallFaults : IOutgoingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, int> armed = new();
        private readonly ConcurrentDictionary<string, bool> hit = new();

        public void FailOnce(string grainInterface, string method) => armed[$"{grainInterface}.{method}"] = 1;

        public bool Hit(string grainInterface, string method) => hit.ContainsKey($"{grainInterface}.{method}");

        public Task Invoke(IOutgoingGrainCallContext context)
        {
            var name = $"{context.InterfaceMethod?.DeclaringType?.Name}.{context.InterfaceMethod?.Name}";
            if (armed.TryRemove(name, out _))
            {
                hit[name] = true;
                throw new TimeoutException($"Injected: {name} did not answer.");
            }

            return context.Invoke();
        }
    }
}
