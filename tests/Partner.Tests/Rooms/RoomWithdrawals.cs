using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

public sealed class RoomWithdrawals(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task AWithdrawnUserLeavesTheRoomsTheyJoinedAndTheirOwnOpenRoomsGo()
    {
        var leaving = await factory.SignInAsync();
        var host = await factory.SignInAsync();
        var other = await factory.SignInAsync();
        var own = await leaving.CreateRoomAsync(RoomRequests.Body(date: RoomRequests.InDays(2)));
        var joined = await host.CreateRoomAsync(RoomRequests.Body(date: RoomRequests.Today()));
        var completed = await host.CreateRoomAsync(RoomRequests.Body(date: RoomRequests.InDays(1)));
        foreach (var room in new[] { joined, completed })
        {
            Assert.Equal(HttpStatusCode.Created, (await leaving.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await other.Http.PutAsync($"/api/rooms/{joined.Id()}/participants/me", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await host.Http.PostAsync($"/api/rooms/{completed.Id()}/match", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await leaving.Http.DeleteAsync("/api/users/me")).StatusCode);

        // The withdrawal changes rooms through the grains: every API node shows it within the read model's freshness bound.
        await WithinFreshnessBoundAsync(async () => (await other.Http.GetAsync($"/api/rooms/{own.Id()}")).StatusCode == HttpStatusCode.NotFound);
        await WithinFreshnessBoundAsync(async () => (await other.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{joined.Id()}")).GetProperty("participantCount").GetInt32() == 2);
        var finished = await host.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{completed.Id()}");
        Assert.Equal(2, finished.GetProperty("participantCount").GetInt32());

        var alarms = await host.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        Assert.Contains(alarms.GetProperty("items").EnumerateArray(), a => a.GetProperty("type").GetString() == "ROOM_LEFT" && a.GetProperty("roomId").GetGuid() == joined.Id());
        var listed = await other.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?category=MEAL&date={RoomRequests.InDays(2)}&size=100");
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), r => r.GetProperty("roomId").GetGuid() == own.Id());
    }

    private static async Task WithinFreshnessBoundAsync(Func<Task<bool>> seen)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await seen())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "not shown within the read model's 1 s freshness bound");
            await Task.Delay(10);
        }
    }
}
