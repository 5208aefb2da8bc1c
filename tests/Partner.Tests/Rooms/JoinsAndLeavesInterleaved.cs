using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

public sealed class JoinsAndLeavesInterleaved(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task TheFinalRoomIsExactlyTheReplayOfTheSuccessfulOperations()
    {
        const int capacity = 8;
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(capacity: capacity));
        var users = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => factory.SignInAsync()));

        // Each user acts in sequence, all users at once: per user the successes have a well-defined order.
        var lastSuccess = await Task.WhenAll(users.Select(async (user, i) =>
        {
            var random = new Random(i);
            bool? inRoom = null;
            for (var step = 0; step < 12; step++)
            {
                var join = random.Next(2) == 0;
                var response = join
                    ? await user.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null)
                    : await user.Http.DeleteAsync($"/api/rooms/{room.Id()}/participants/me");
                switch (response.StatusCode)
                {
                    case HttpStatusCode.Created or HttpStatusCode.OK:
                        inRoom = true;
                        break;
                    case HttpStatusCode.NoContent:
                        inRoom = false;
                        break;
                    case HttpStatusCode.Conflict:
                        break;
                    default:
                        Assert.Fail($"unexpected {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        break;
                }
            }

            return (Nickname: user.User.GetProperty("nickname").GetString()!, InRoom: inRoom == true);
        }));

        var final = await owner.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room.Id()}");
        var present = final.GetProperty("participants").EnumerateArray().Skip(1).Select(p => p.GetProperty("nickname").GetString()).Order().ToArray();
        Assert.Equal(lastSuccess.Where(u => u.InRoom).Select(u => u.Nickname).Order().ToArray(), present);
        Assert.InRange(final.GetProperty("participantCount").GetInt32(), 1, capacity);
    }
}
