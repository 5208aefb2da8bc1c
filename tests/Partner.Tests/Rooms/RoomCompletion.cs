using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;
using Partner.Tests.Matches;

namespace Partner.Tests.Rooms;

public sealed class RoomCompletion : IAsyncLifetime
{
    private readonly FaultInjection faults = new();
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(faults) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task CompletingCreatesAMatchAwardsPointsAndAlarmsEveryone()
    {
        var (owner, room, bob, carol) = await RoomWithTwoGuestsAsync();

        var response = await owner.Http.PostAsync($"/api/rooms/{room.Id()}/match", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var matchId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matchId").GetGuid();
        Assert.Equal($"/api/matches/{matchId}", response.Headers.Location!.OriginalString);
        var match = await bob.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{matchId}");
        Assert.Equal("ROOM", match.GetProperty("method").GetString());
        Assert.Equal(room.Id(), match.GetProperty("roomId").GetGuid());
        Assert.Equal(3, match.GetProperty("members").GetArrayLength());
        Assert.Equal(42, await ScoreAsync(owner));
        Assert.Equal(10, await ScoreAsync(bob));
        Assert.Equal(10, await ScoreAsync(carol));
        foreach (var member in new[] { owner, bob, carol })
        {
            var history = await member.Http.GetFromJsonAsync<JsonElement>("/api/matches");
            Assert.Equal(matchId, Assert.Single(history.GetProperty("items").EnumerateArray()).GetProperty("matchId").GetGuid());
            var alarms = await member.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
            Assert.Contains(alarms.GetProperty("items").EnumerateArray(), a => a.GetProperty("type").GetString() == "MATCH_CONFIRMED" && a.GetProperty("matchId").GetGuid() == matchId);
        }
    }

    [Fact]
    public async Task ACompletedRoomIsImmutableAndStaysListed()
    {
        var (owner, room, bob, _) = await RoomWithTwoGuestsAsync(date: RoomRequests.InDays(60));
        await owner.Http.PostAsync($"/api/rooms/{room.Id()}/match", null);
        var dave = await factory.SignInAsync();

        Assert.Equal("room.completed", (await Problem.ReadAsync(await dave.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null), HttpStatusCode.Conflict)).Code);
        Assert.Equal("room.completed", (await Problem.ReadAsync(await bob.Http.DeleteAsync($"/api/rooms/{room.Id()}/participants/me"), HttpStatusCode.Conflict)).Code);
        Assert.Equal("room.completed", (await Problem.ReadAsync(await owner.Http.PostAsync($"/api/rooms/{room.Id()}/match", null), HttpStatusCode.Conflict)).Code);
        Assert.Equal("room.completed", (await Problem.ReadAsync(await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(date: RoomRequests.InDays(60))), HttpStatusCode.Conflict)).Code);
        var completed = await dave.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?status=completed&date={RoomRequests.InDays(60)}");
        var open = await dave.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?status=open&date={RoomRequests.InDays(60)}");
        Assert.Equal("COMPLETED", Assert.Single(completed.GetProperty("items").EnumerateArray()).GetProperty("status").GetString());
        Assert.Empty(open.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task OnlyTheOwnerOrAnAdminCompletesAndNotAlone()
    {
        var owner = await factory.SignInAsync();
        var lonely = await owner.CreateRoomAsync();
        var (_, room, bob, _) = await RoomWithTwoGuestsAsync();
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);

        Assert.Equal("room.too-few-participants", (await Problem.ReadAsync(await owner.Http.PostAsync($"/api/rooms/{lonely.Id()}/match", null), HttpStatusCode.Conflict)).Code);
        Assert.Equal("room.not-owner", (await Problem.ReadAsync(await bob.Http.PostAsync($"/api/rooms/{room.Id()}/match", null), HttpStatusCode.Forbidden)).Code);
        Assert.Equal(HttpStatusCode.Created, (await admin.Http.PostAsync($"/api/rooms/{room.Id()}/match", null)).StatusCode);
    }

    [Fact]
    public async Task ACompletionThatFailsMidwayConvergesWhenRetried()
    {
        var (owner, room, bob, carol) = await RoomWithTwoGuestsAsync();
        faults.FailOnce(context => FaultInjection.Calls(context, "RecordMatch", carol.UserId));

        var failed = await owner.Http.PostAsync($"/api/rooms/{room.Id()}/match", null);
        var retried = await owner.Http.PostAsync($"/api/rooms/{room.Id()}/match", null);
        var again = await owner.Http.PostAsync($"/api/rooms/{room.Id()}/match", null);

        Assert.True((int)failed.StatusCode >= 500, $"the injected fault fails the first attempt ({(int)failed.StatusCode})");
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(42, await ScoreAsync(owner));
        Assert.Equal(10, await ScoreAsync(bob));
        Assert.Equal(10, await ScoreAsync(carol));
        var alarms = await bob.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        Assert.Single(alarms.GetProperty("items").EnumerateArray(), a => a.GetProperty("type").GetString() == "MATCH_CONFIRMED");
    }

    private async Task<(SignedInClient Owner, JsonElement Room, SignedInClient Bob, SignedInClient Carol)> RoomWithTwoGuestsAsync(string? date = null)
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(date: date));
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.Created, (await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await carol.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null)).StatusCode);
        return (owner, room, bob, carol);
    }

    private static async Task<long> ScoreAsync(SignedInClient user) =>
        (await user.Http.GetFromJsonAsync<JsonElement>("/api/users/me/activity-score?category=MEAL")).GetProperty("score").GetInt64();
}
