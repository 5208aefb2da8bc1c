using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;
using Partner.Tests.Matches;
using Partner.Tests.Rooms;

namespace Partner.Tests.Security;

/// <summary>
/// Object-level authorization beyond rooms (whose matrix is Rooms/RoomAuthorization): another
/// user's match, comment, alarms and ticket stay out of reach, whatever id is guessed.
/// </summary>
public sealed class ObjectAuthorizationProbes(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task AMatchIsReadAndReviewedOnlyByItsMembers()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var mallory = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob]);

        Assert.Equal("match.not-member", (await Problem.ReadAsync(await mallory.Http.GetAsync($"/api/matches/{match.MatchId}"), HttpStatusCode.Forbidden)).Code);
        Assert.Equal("match.not-member", (await Problem.ReadAsync(await mallory.ReviewAsync(match.MatchId, MatchSetup.Line(alice, 1)), HttpStatusCode.Forbidden)).Code);
        await Problem.ReadAsync(await factory.CreateClient().GetAsync($"/api/matches/{match.MatchId}"), HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(match.MatchId, await mallory.MatchIdsAsync());
        Assert.Equal(HttpStatusCode.OK, (await bob.Http.GetAsync($"/api/matches/{match.MatchId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await factory.SignInAsync(PartnerApiFactory.AdminLogins[0])).Http.GetAsync($"/api/matches/{match.MatchId}")).StatusCode);
    }

    [Fact]
    public async Task AGuessedMatchIdIsNotFound()
    {
        var mallory = await factory.SignInAsync();

        await Problem.ReadAsync(await mallory.Http.GetAsync($"/api/matches/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ACommentIsEditedAndDeletedOnlyByItsAuthorOrAnAdmin()
    {
        var owner = await factory.SignInAsync();
        var author = await factory.SignInAsync();
        var mallory = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync()).Id();
        var comment = await (await author.Http.PostAsJsonAsync($"/api/rooms/{room}/comments", new { content = "see you there" })).Content.ReadFromJsonAsync<JsonElement>();
        var path = $"/api/rooms/{room}/comments/{comment.GetProperty("commentId").GetGuid()}";

        Assert.Equal("comment.not-author", (await Problem.ReadAsync(await mallory.Http.PutAsJsonAsync(path, new { content = "defaced" }), HttpStatusCode.Forbidden)).Code);
        Assert.Equal("comment.not-author", (await Problem.ReadAsync(await owner.Http.DeleteAsync(path), HttpStatusCode.Forbidden)).Code);
        var comments = await mallory.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room}/comments");
        Assert.Equal("see you there", comments[0].GetProperty("content").GetString());
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[1]);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.DeleteAsync(path)).StatusCode);
    }

    [Fact]
    public async Task AlarmsAreOnlyTheTokenHolders()
    {
        var owner = await factory.SignInAsync();
        var joiner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync()).Id();
        Assert.Equal(HttpStatusCode.Created, (await joiner.Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);
        var ownerAlarms = await WaitForAlarmsAsync(owner, 1);

        var seen = await joiner.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        Assert.Equal(HttpStatusCode.NoContent, (await joiner.Http.PostAsJsonAsync("/api/alarms/read", new { upToSeq = 1000 })).StatusCode);

        Assert.DoesNotContain(seen.GetProperty("items").EnumerateArray(), a => a.GetProperty("alarmId").GetGuid() == ownerAlarms[0].GetProperty("alarmId").GetGuid());
        Assert.Equal(1, (await owner.Http.GetFromJsonAsync<JsonElement>("/api/alarms")).GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task OnlyTheOwnerCancelsATicket()
    {
        var alice = await factory.SignInAsync();
        var mallory = await factory.SignInAsync();
        var conditions = new { conditions = new { place = new[] { "SEOCHO" }, typeOfStudy = new[] { "INNER_CIRCLE" } } };
        Assert.Equal(HttpStatusCode.Created, (await alice.Http.PutAsJsonAsync("/api/random-match/STUDY/ticket", conditions)).StatusCode);

        await Problem.ReadAsync(await mallory.Http.DeleteAsync("/api/random-match/STUDY/ticket"), HttpStatusCode.NotFound);

        var queue = await alice.Http.GetFromJsonAsync<JsonElement>("/api/random-match/STUDY");
        Assert.Equal("WAITING", queue.GetProperty("ticket").GetProperty("status").GetString());
        var seenByMallory = await mallory.Http.GetFromJsonAsync<JsonElement>("/api/random-match/STUDY");
        Assert.False(seenByMallory.TryGetProperty("ticket", out var ticket) && ticket.ValueKind != JsonValueKind.Null, "mallory sees no ticket");
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync("/api/random-match/STUDY/ticket")).StatusCode);
    }

    private static async Task<JsonElement[]> WaitForAlarmsAsync(SignedInClient user, int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var items = (await user.Http.GetFromJsonAsync<JsonElement>("/api/alarms")).GetProperty("items").EnumerateArray().ToArray();
            if (items.Length >= count)
            {
                return items;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{count} alarm(s) did not arrive");
    }
}
