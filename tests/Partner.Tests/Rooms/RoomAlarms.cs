using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

public sealed class RoomAlarms(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task TheOwnerHearsOfJoinsAndLeaves()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var bob = await factory.SignInAsync();

        await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);
        await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);
        await bob.Http.DeleteAsync($"/api/rooms/{room.Id()}/participants/me");

        var alarms = await EventuallyAsync(owner, items => items.Length == 2);
        Assert.Equal(["ROOM_JOINED", "ROOM_LEFT"], alarms.Select(a => a.GetProperty("type").GetString()));
        Assert.All(alarms, a => Assert.Equal(room.Id(), a.GetProperty("roomId").GetGuid()));
        Assert.All(alarms, a => Assert.Equal(bob.User.GetProperty("nickname").GetString(), a.GetProperty("actorNickname").GetString()));
        Assert.Empty(await ItemsAsync(bob));
    }

    [Fact]
    public async Task AnonymousRoomsKeepTheActorUnnamed()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(anonymous: true));
        var bob = await factory.SignInAsync();

        await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);

        var alarm = Assert.Single(await EventuallyAsync(owner, items => items.Length == 1));
        Assert.False(alarm.TryGetProperty("actorNickname", out var actor) && actor.ValueKind != JsonValueKind.Null);
        Assert.DoesNotContain(bob.User.GetProperty("nickname").GetString()!, alarm.GetProperty("text").GetString());
    }

    [Fact]
    public async Task ARepliedCommentAlarmsItsAuthorButNotASelfReply()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var bob = await factory.SignInAsync();
        var parent = await (await owner.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "who's in?" })).Content.ReadFromJsonAsync<JsonElement>();
        var parentId = parent.GetProperty("commentId").GetGuid();

        await owner.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "me, obviously", parentId });
        var reply = await (await bob.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "me too", parentId })).Content.ReadFromJsonAsync<JsonElement>();

        var alarm = Assert.Single(await EventuallyAsync(owner, items => items.Length == 1));
        Assert.Equal("COMMENT_REPLY", alarm.GetProperty("type").GetString());
        // The owner's own reply came first: an alarm for it would have been raised (in order, by the room) before bob's.
        Assert.Equal(reply.GetProperty("commentId").GetGuid(), alarm.GetProperty("commentId").GetGuid());
    }

    private static async Task<JsonElement[]> EventuallyAsync(SignedInClient user, Func<JsonElement[], bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        JsonElement[] items;
        while (!condition(items = await ItemsAsync(user)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return items;
    }

    private static async Task<JsonElement[]> ItemsAsync(SignedInClient user) =>
        [.. (await user.Http.GetFromJsonAsync<JsonElement>("/api/alarms")).GetProperty("items").EnumerateArray()];
}
