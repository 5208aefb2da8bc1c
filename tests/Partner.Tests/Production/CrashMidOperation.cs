using System.Net;
using System.Text.Json;
using Partner.Silo.Hosting;
using Partner.Tests.Infrastructure;
using Xunit.Abstractions;
using static Partner.Tests.Production.OutageScenario;

namespace Partner.Tests.Production;

/// <summary>
/// A silo process killed (SIGKILL) exactly between two steps of a multi-step operation — after its first durable
/// write, as it sends the next step's call — on 2 silos, MariaDB and Redis: the survivor finishes the operation by
/// itself (the reminder armed, or the reservation made, before that write), with nobody retrying.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class CrashMidOperation(ProductionServers servers, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string marker = Path.Combine(Path.GetTempPath(), $"partner-kill-{Guid.NewGuid():N}");
    private ProductionCluster cluster = null!;
    private SiloProcess[] silos = [];
    private ApiProcess api = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        File.Delete(marker);
    }

    [Fact]
    public async Task ACompletionWhoseSiloDiedBeforeRecordingTheMatchIsFinishedByTheSurvivor()
    {
        await StartAsync("IMatchGrain.Create");
        var alice = await SignInAsync(api);
        var bob = await SignInAsync(api);
        var room = (await ExpectAsync(api, HttpMethod.Post, "/api/rooms", alice, HttpStatusCode.Created, Rooms.RoomRequests.Body(capacity: 3))).GetProperty("roomId").GetGuid();
        await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{room}/participants/me", bob, HttpStatusCode.Created);

        var completion = await SendAsync(api, HttpMethod.Post, $"/api/rooms/{room}/match", alice);

        await AssertOneSiloDiedAtTheCallAsync(completion);
        var match = await EventuallyAsync($"/api/matches/{room}", bob, HttpStatusCode.OK);
        Assert.Equal(2, match.GetProperty("members").GetArrayLength());
        var alarms = await ExpectAsync(api, HttpMethod.Get, "/api/alarms", bob, HttpStatusCode.OK);
        Assert.Contains(alarms.GetProperty("items").EnumerateArray(), a => a.GetProperty("type").GetString() == "MATCH_CONFIRMED");
        Assert.Equal("COMPLETED", (await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{room}", alice, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AWithdrawalWhoseSiloDiedBeforeLeavingTheRoomsIsFinishedByTheSurvivor()
    {
        await StartAsync("IRoomGrain.RemoveWithdrawn");
        var alice = await SignInAsync(api);
        var bob = await SignInAsync(api);
        var own = (await ExpectAsync(api, HttpMethod.Post, "/api/rooms", alice, HttpStatusCode.Created, Rooms.RoomRequests.Body(capacity: 3))).GetProperty("roomId").GetGuid();
        var joined = (await ExpectAsync(api, HttpMethod.Post, "/api/rooms", bob, HttpStatusCode.Created, Rooms.RoomRequests.Body(capacity: 3))).GetProperty("roomId").GetGuid();
        await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{joined}/participants/me", alice, HttpStatusCode.Created);

        var withdrawal = await SendAsync(api, HttpMethod.Delete, "/api/users/me", alice);

        await AssertOneSiloDiedAtTheCallAsync(withdrawal);
        await EventuallyAsync($"/api/rooms/{own}", null, HttpStatusCode.NotFound);
        var left = await EventuallyAsync($"/api/rooms/{joined}", bob, HttpStatusCode.OK, room => room.GetProperty("participantCount").GetInt32() == 1);
        Assert.Equal(1, left.GetProperty("participantCount").GetInt32());
    }

    [Fact]
    public async Task ARandomMatchWhoseSiloDiedBeforeRecordingItIsRecordedByTheSurvivor()
    {
        await StartAsync("IMatchGrain.Create");
        var alice = await SignInAsync(api);
        var bob = await SignInAsync(api);
        var ticket = new { conditions = new Dictionary<string, string[]> { ["place"] = ["GAEPO"], ["wayOfEating"] = ["TAKEOUT"] } };
        await ExpectAsync(api, HttpMethod.Put, "/api/random-match/MEAL/ticket", alice, HttpStatusCode.Created, ticket);

        // Answered once the group is in the queue's journal; the match is recorded after the answer, by the queue's effects.
        var matched = await ExpectAsync(api, HttpMethod.Put, "/api/random-match/MEAL/ticket", bob, HttpStatusCode.Created, ticket);

        Assert.Equal("MATCHED", matched.GetProperty("status").GetString());
        await AssertOneSiloDiedAtTheCallAsync(answer: null);
        var matchId = matched.GetProperty("matchId").GetGuid();
        foreach (var member in new[] { alice, bob })
        {
            var match = await EventuallyAsync($"/api/matches/{matchId}", member, HttpStatusCode.OK);
            Assert.Equal(2, match.GetProperty("members").GetArrayLength());
            await EventuallyAsync("/api/alarms", member, HttpStatusCode.OK, alarms => alarms.GetProperty("items").EnumerateArray().Any(a => a.GetProperty("type").GetString() == "MATCH_CONFIRMED"));
        }
    }

    [Fact]
    public async Task ACreationWhoseSiloDiedBeforeListingTheRoomIsListedByItself()
    {
        await StartAsync("IRoomDayGrain.Upsert");
        var alice = await SignInAsync(api);
        var date = Rooms.RoomRequests.InDays(Random.Shared.Next(30, 300));
        var title = $"Crash {Guid.NewGuid():N}"[..30];

        var creation = await SendAsync(api, HttpMethod.Post, "/api/rooms", alice, Rooms.RoomRequests.Body(date: date, title: title));

        await AssertOneSiloDiedAtTheCallAsync(creation);
        var page = await EventuallyAsync($"/api/rooms?category=MEAL&date={date}", alice, HttpStatusCode.OK, page => page.GetProperty("items").GetArrayLength() > 0);
        var listed = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(title, listed.GetProperty("title").GetString());
        var room = await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{listed.GetProperty("roomId").GetGuid()}", alice, HttpStatusCode.OK);
        Assert.Equal(1, room.GetProperty("participantCount").GetInt32());
    }

    private async Task StartAsync(string call)
    {
        cluster = new ProductionCluster(servers.Database, servers.Redis);
        var settings = new Dictionary<string, string?>
        {
            [KillAtCall.CallKey.Replace(":", "__", StringComparison.Ordinal)] = call,
            [KillAtCall.MarkerKey.Replace(":", "__", StringComparison.Ordinal)] = marker,
        };
        silos = [await cluster.StartSiloAsync(settings: settings), await cluster.StartSiloAsync(settings: settings)];
        // Rooms are read from the grains (what the crash left in storage), not from the API node's read model.
        api = await cluster.StartApiAsync(new Dictionary<string, string?> { ["Auth__DevLogin"] = "true", ["Partner__RoomReadModel__Enabled"] = "false" });
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
    }

    /// <summary>
    /// The proof that the fault hit mid-operation: the marker exists and exactly one silo process is gone; the client got
    /// no success (<paramref name="answer"/> null: the operation's step runs after the client's answer).
    /// </summary>
    private async Task AssertOneSiloDiedAtTheCallAsync(HttpResponseMessage? answer)
    {
        output.WriteLine($"answer while the silo died: {(int?)answer?.StatusCode}");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(File.Exists(marker) && silos.Any(s => s.Process.HasExited)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(marker), "no silo reached the call");
        Assert.Single(silos, s => s.Process.HasExited);
        if (answer is not null)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        }
    }

    private async Task<JsonElement> EventuallyAsync(string path, SignedIn? user, HttpStatusCode expected, Func<JsonElement, bool>? accept = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await SendAsync(api, HttpMethod.Get, path, user);
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            if (response.StatusCode == expected && (accept is null || accept(body)))
            {
                output.WriteLine($"{path}: {(int)expected} {watch.Elapsed.TotalSeconds:0.0} s after the crash");
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} still {(int)response.StatusCode} {text} after {Patience.TotalSeconds} s");
            await Task.Delay(250);
        }
    }
}
