using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Infrastructure;
using Partner.Tests.Rooms;
using Xunit.Abstractions;

namespace Partner.Tests.Production;

/// <summary>Capacity under real concurrency: two silos, two API nodes, MariaDB and Redis, everything over HTTP.</summary>
[Collection(ProductionCollection.Name)]
public sealed class RoomConcurrency(ProductionServers servers, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> OpenApi = new()
    {
        ["Auth__DevLogin"] = "true",
        ["Partner__RateLimits__Auth__PermitLimit"] = "1000000",
        ["Partner__RateLimits__Writes__PermitLimit"] = "1000000",

        // Rooms read back from storage, not from the API node's read model (RoomReadsAcrossNodes covers that).
        ["Partner__RoomReadModel__Enabled"] = "false",
    };

    [Fact]
    public async Task AThousandConcurrentJoinsNeverOverfillARoom()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        SiloProcess[] silos = [await cluster.StartSiloAsync(), await cluster.StartSiloAsync()];
        ApiProcess[] apis = [await cluster.StartApiAsync(OpenApi), await cluster.StartApiAsync(OpenApi)];
        var owner = await SignInAsync(apis[0], "owner");
        var users = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => SignInAsync(apis[i % 2], $"j{i}")));
        var room = await CreateRoomAsync(apis[0], owner.Token, capacity: 20);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var statuses = await Task.WhenAll(users.Select((user, i) => SendAsync(apis[i % 2], HttpMethod.Put, $"/api/rooms/{room}/participants/me", user.Token)));
        output.WriteLine($"1000 joins over 2 API nodes in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(19, statuses.Count(s => s.Status == HttpStatusCode.Created));
        Assert.Equal(981, statuses.Count(s => s.Status == HttpStatusCode.Conflict && s.Body.Contains("room.full", StringComparison.Ordinal)));

        await DeactivateEverythingAsync(cluster);
        var stored = await GetAsync(apis[1], $"/api/rooms/{room}", owner.Token);
        Assert.Equal(20, stored.GetProperty("participantCount").GetInt32());
        Assert.Equal(20, stored.GetProperty("participants").GetArrayLength());
        await EventuallyAsync(async () =>
        {
            var listed = await GetAsync(apis[0], $"/api/rooms?category=MEAL&date={RoomRequests.Today()}&size=100", owner.Token);
            var entry = listed.GetProperty("items").EnumerateArray().Single(r => r.Id() == room);
            return entry.GetProperty("participantCount").GetInt32() == 20;
        }, "the listing says 20");
        await EventuallyAsync(async () =>
        {
            var alarms = await GetAsync(apis[1], "/api/alarms?limit=100", owner.Token);
            return alarms.GetProperty("items").EnumerateArray().Count(a => a.GetProperty("type").GetString() == "ROOM_JOINED") == 19;
        }, "the owner's inbox has 19 ROOM_JOINED");
    }

    [Fact]
    public async Task EveryAcknowledgedJoinSurvivesASiloKilledMidStorm()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        SiloProcess[] silos = [await cluster.StartSiloAsync(), await cluster.StartSiloAsync()];
        ApiProcess[] apis = [await cluster.StartApiAsync(OpenApi), await cluster.StartApiAsync(OpenApi)];
        var owner = await SignInAsync(apis[0], "owner");
        var rooms = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CreateRoomAsync(apis[0], owner.Token, capacity: 10)));
        var users = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => SignInAsync(apis[i % 2], $"k{i}")));

        // The silo hosting the most rooms dies once a quarter of the 90 seats are taken; the second half of the users
        // joins after the kill. Joins still unanswered at the kill prove it landed mid-work.
        var (victim, victimRooms) = await RoomHosts.BusiestSiloAsync(cluster, silos, rooms);
        var acknowledged = new ConcurrentBag<(Guid Room, string Nickname)>();
        var quarterAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answers = new ConcurrentBag<(TimeSpan Sent, TimeSpan Answered, HttpStatusCode Status, Guid Room)>();
        var storm = Task.WhenAll(users.Select(async (user, i) =>
        {
            if (i >= users.Length / 2)
            {
                await killed.Task;
            }

            await Task.Delay(i % (users.Length / 2) * 3);
            var room = rooms[i % rooms.Length];
            var sent = clock.Elapsed;
            var result = await SendAsync(apis[i % 2], HttpMethod.Put, $"/api/rooms/{room}/participants/me", user.Token);
            var ok = result.Status is HttpStatusCode.Created or HttpStatusCode.OK;
            answers.Add((sent, clock.Elapsed, result.Status, room));
            if (ok)
            {
                acknowledged.Add((room, user.Nickname));
                if (acknowledged.Count >= rooms.Length * 9 / 4)
                {
                    quarterAcknowledged.TrySetResult();
                }
            }
        }));
        await quarterAcknowledged.Task.WaitAsync(Patience);
        var acknowledgedBeforeKill = acknowledged.Count;
        victim.Process.Kill();
        var killedAt = clock.Elapsed;
        killed.SetResult(killedAt);
        await storm;
        var inFlight = answers.Count(a => a.Sent < killedAt && a.Answered > killedAt);
        // After the kill, the dead silo's rooms answer again from the survivor: a seat, or room.full once they filled up.
        var answeredByMovedRooms = answers.Count(a => a.Sent > killedAt && victimRooms.Contains(a.Room) && a.Status is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Conflict);
        // A storm that ended before the failover did (a slow machine sends it all within the detection time): ask the room itself.
        for (var until = clock.Elapsed + Patience; answeredByMovedRooms == 0 && clock.Elapsed < until; await Task.Delay(200))
        {
            answeredByMovedRooms += (await SendAsync(apis[0], HttpMethod.Get, $"/api/rooms/{victimRooms.First()}", users[0].Token)).Status == HttpStatusCode.OK ? 1 : 0;
        }

        output.WriteLine($"kill -9 at {killedAt.TotalSeconds:F1} s after {acknowledgedBeforeKill} acknowledgments with {inFlight} joins in flight; {answeredByMovedRooms} later joins answered by the dead silo's rooms; {acknowledged.Count} acknowledged in all");
        Assert.True(inFlight > 0, "joins were in flight when the silo died");
        Assert.True(answeredByMovedRooms > 0, "the dead silo's rooms answered again after the kill");

        await apis[0].WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience, body => body.Contains("1 active silo(s)", StringComparison.Ordinal));
        await DeactivateEverythingAsync(cluster);
        foreach (var room in rooms)
        {
            var stored = await GetAsync(apis[1], $"/api/rooms/{room}", owner.Token);
            var present = stored.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("nickname").GetString()).ToHashSet();
            Assert.True(present.Count <= 10, $"room {room} holds {present.Count} > 10");
            foreach (var (_, nickname) in acknowledged.Where(a => a.Room == room))
            {
                Assert.Contains(nickname, present);
            }
        }

    }

    [Fact]
    public async Task InterleavedJoinsAndLeavesOverTwoNodesReplayExactly()
    {
        const int capacity = 8;
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        ApiProcess[] apis = [await cluster.StartApiAsync(OpenApi), await cluster.StartApiAsync(OpenApi)];
        var owner = await SignInAsync(apis[0], "owner");
        var room = await CreateRoomAsync(apis[0], owner.Token, capacity);
        var users = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => SignInAsync(apis[i % 2], $"m{i}")));

        // Each user acts in sequence, alternating API nodes; all users at once.
        var outcomes = await Task.WhenAll(users.Select(async (user, i) =>
        {
            var random = new Random(i);
            bool? inRoom = null;
            for (var step = 0; step < 10; step++)
            {
                var join = random.Next(2) == 0;
                var (status, body) = await SendAsync(apis[(i + step) % 2], join ? HttpMethod.Put : HttpMethod.Delete, $"/api/rooms/{room}/participants/me", user.Token);
                inRoom = status switch
                {
                    HttpStatusCode.Created or HttpStatusCode.OK => true,
                    HttpStatusCode.NoContent => false,
                    HttpStatusCode.Conflict => inRoom,
                    _ => throw new Xunit.Sdk.XunitException($"unexpected {(int)status} {body}"),
                };
            }

            return (user.Nickname, InRoom: inRoom == true);
        }));

        await DeactivateEverythingAsync(cluster);
        var stored = await GetAsync(apis[1], $"/api/rooms/{room}", owner.Token);
        var present = stored.GetProperty("participants").EnumerateArray().Skip(1).Select(p => p.GetProperty("nickname").GetString()).Order().ToArray();
        Assert.Equal(outcomes.Where(o => o.InRoom).Select(o => o.Nickname).Order().ToArray(), present);
        Assert.InRange(present.Length + 1, 1, capacity);
    }

    /// <summary>Drops every activation: what the next calls see comes from storage alone.</summary>
    private static async Task DeactivateEverythingAsync(ProductionCluster cluster)
    {
        using var client = await cluster.ConnectClientAsync();
        var management = client.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await management.ForceActivationCollection(TimeSpan.Zero);
                return;
            }
            catch (TimeoutException) when (attempt < 4)
            {
                // Thousands of deactivations on a busy machine can outlast the 5 s response timeout; the next call finds
                // what is left and answers once it is all gone.
            }
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(200);
        }
    }

    private static async Task<(string Token, string Nickname)> SignInAsync(ApiProcess api, string prefix)
    {
        var login = prefix + Guid.NewGuid().ToString("N")[..8];
        for (var attempt = 0; ; attempt++)
        {
            using var response = await api.Http.PostAsJsonAsync("/api/auth/dev-login", new { login });
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                return (body.GetProperty("accessToken").GetString()!, login);
            }

            Assert.True(attempt < 5, $"dev login kept failing: {(int)response.StatusCode}");
            await Task.Delay(200);
        }
    }

    private static async Task<Guid> CreateRoomAsync(ApiProcess api, string token, int capacity)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/rooms") { Content = JsonContent.Create(RoomRequests.Body(capacity: capacity)) };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await api.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Id();
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(ApiProcess api, HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", token);
        try
        {
            using var response = await api.Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, ex.Message);
        }
    }

    private static async Task<JsonElement> GetAsync(ApiProcess api, string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        using var response = await api.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}\n{api.Process.Output}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
