using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

public sealed class RoomLifecycle(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task CreatingARoomMakesTheOwnerItsFirstParticipant()
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.PostAsJsonAsync("/api/rooms", RoomRequests.Body(capacity: 3, conditions: new { place = new[] { "gaepo", "SEOCHO" }, timeOfEating = new[] { "LUNCH" } }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var room = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/rooms/{room.Id()}", response.Headers.Location!.OriginalString);
        Assert.Equal("OPEN", room.GetProperty("status").GetString());
        Assert.Equal(1, room.GetProperty("participantCount").GetInt32());
        Assert.True(room.GetProperty("isToday").GetBoolean());
        Assert.Equal(alice.UserId, room.GetProperty("owner").GetProperty("userId").GetGuid());
        var participant = Assert.Single(room.GetProperty("participants").EnumerateArray());
        Assert.True(participant.GetProperty("isOwner").GetBoolean());
        Assert.True(participant.GetProperty("isMe").GetBoolean());
        Assert.Equal(["SEOCHO", "GAEPO"], room.GetProperty("conditions").GetProperty("place").EnumerateArray().Select(v => v.GetString()));
    }

    [Theory]
    [InlineData("""{"category":"MEAL","title":"t","content":"c","date":"2020-01-01","capacity":2}""", "room.date-in-past", null)]
    [InlineData("""{"category":"MEAL","title":"t","content":"c","date":"TODAY","capacity":1}""", "validation", "capacity")]
    [InlineData("""{"category":"MEAL","title":"t","content":"c","date":"TODAY","capacity":21}""", "validation", "capacity")]
    [InlineData("""{"category":"MEAL","title":"","content":"c","date":"TODAY","capacity":2}""", "validation", "title")]
    [InlineData("""{"category":"MEAL","title":"t","content":"c","date":"TODAY"}""", "validation", "capacity")]
    [InlineData("""{"category":"MEAL","title":"t","content":"c","date":"25/11/2026","capacity":2}""", "validation", "date")]
    [InlineData("""{"category":"BOWLING","title":"t","content":"c","date":"TODAY","capacity":2}""", "validation", "category")]
    [InlineData("""{"category":"MEAL","title":"t","content":"c","date":"TODAY","capacity":2,"conditions":{"color":["RED"]}}""", "validation", "conditions.color")]
    [InlineData("""{"category":"MEAL","title":"t","content":"c","date":"TODAY","capacity":2,"conditions":{"place":["MARS"]}}""", "validation", "conditions.place")]
    [InlineData("""{"category":"STUDY","title":"t","content":"c","date":"TODAY","capacity":2,"conditions":{"wayOfEating":["EATOUT"]}}""", "validation", "conditions.wayOfEating")]
    public async Task RejectsBadRoomsNamingTheField(string template, string code, string? field)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.PostAsync("/api/rooms", new StringContent(template.Replace("TODAY", RoomRequests.Today(), StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.Code);
        if (field is not null)
        {
            Assert.Contains(field, problem.Errors.Keys);
        }
    }

    [Fact]
    public async Task JoiningIsIdempotentAndStopsAtCapacity()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(capacity: 2));
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();

        var first = await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);
        var again = await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);
        var full = await carol.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("room.full", (await Problem.ReadAsync(full, HttpStatusCode.Conflict)).Code);
        var view = await carol.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room.Id()}");
        Assert.Equal("FULL", view.GetProperty("status").GetString());
        Assert.Equal(2, view.GetProperty("participantCount").GetInt32());
    }

    [Fact]
    public async Task LeavingFreesTheSeatButNotForTheOwner()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(capacity: 2));
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);

        var ownerLeaves = await owner.Http.DeleteAsync($"/api/rooms/{room.Id()}/participants/me");
        var strangerLeaves = await carol.Http.DeleteAsync($"/api/rooms/{room.Id()}/participants/me");
        var bobLeaves = await bob.Http.DeleteAsync($"/api/rooms/{room.Id()}/participants/me");
        var carolJoins = await carol.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);

        Assert.Equal("room.owner-cannot-leave", (await Problem.ReadAsync(ownerLeaves, HttpStatusCode.Conflict)).Code);
        Assert.Equal("room.not-participant", (await Problem.ReadAsync(strangerLeaves, HttpStatusCode.Conflict)).Code);
        Assert.Equal(HttpStatusCode.NoContent, bobLeaves.StatusCode);
        Assert.Equal(HttpStatusCode.Created, carolJoins.StatusCode);
    }

    [Fact]
    public async Task OnlyTheOwnerOrAnAdminEditsAndEditsHonourIfMatch()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var stranger = await factory.SignInAsync();
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);
        var get = await owner.Http.GetAsync($"/api/rooms/{room.Id()}");
        var etag = get.Headers.ETag!.Tag;

        var byStranger = await stranger.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(title: "Mine now"));
        var byOwner = await Put(owner, room.Id(), RoomRequests.Body(title: "Dinner instead"), etag);
        var stale = await Put(owner, room.Id(), RoomRequests.Body(title: "Stale"), etag);
        var byAdmin = await admin.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(title: "Moderated"));

        Assert.Equal("room.not-owner", (await Problem.ReadAsync(byStranger, HttpStatusCode.Forbidden)).Code);
        Assert.Equal(HttpStatusCode.OK, byOwner.StatusCode);
        Assert.NotEqual(etag, byOwner.Headers.ETag!.Tag);
        await Problem.ReadAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal("Moderated", (await owner.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room.Id()}")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task CapacityCannotDropBelowTheParticipantsNorCategoryChange()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(capacity: 3));
        await (await factory.SignInAsync()).Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);
        await (await factory.SignInAsync()).Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);

        var shrink = await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(capacity: 2));
        var recategorize = await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(capacity: 3, category: "STUDY", conditions: new { }));

        Assert.Equal("room.capacity-below-participants", (await Problem.ReadAsync(shrink, HttpStatusCode.Conflict)).Code);
        Assert.Contains("category", (await Problem.ReadAsync(recategorize, HttpStatusCode.BadRequest)).Errors.Keys);
    }

    [Fact]
    public async Task ADeletedRoomIsGoneForEveryone()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(date: RoomRequests.InDays(3), category: "STUDY", conditions: new { }));
        var bob = await factory.SignInAsync();

        var byBob = await bob.Http.DeleteAsync($"/api/rooms/{room.Id()}");
        var byOwner = await owner.Http.DeleteAsync($"/api/rooms/{room.Id()}");

        Assert.Equal("room.not-owner", (await Problem.ReadAsync(byBob, HttpStatusCode.Forbidden)).Code);
        Assert.Equal(HttpStatusCode.NoContent, byOwner.StatusCode);
        await Problem.ReadAsync(await bob.Http.GetAsync($"/api/rooms/{room.Id()}"), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await bob.Http.GetAsync($"/api/rooms/{room.Id()}/comments"), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await bob.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "hello?" }), HttpStatusCode.NotFound);
        var listed = await bob.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?category=STUDY&date={RoomRequests.InDays(3)}&size=100");
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), r => r.Id() == room.Id());
    }

    [Fact]
    public async Task AnonymousRoomsHideEveryNickname()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(anonymous: true, date: RoomRequests.InDays(5)));
        var bob = await factory.SignInAsync();
        await bob.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);
        await bob.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "who's coming?" });

        var view = await bob.Http.GetAsync($"/api/rooms/{room.Id()}");
        var listed = await bob.Http.GetAsync($"/api/rooms?category=MEAL&date={RoomRequests.InDays(5)}&size=100");
        var comments = await bob.Http.GetAsync($"/api/rooms/{room.Id()}/comments");

        foreach (var body in new[] { await view.Content.ReadAsStringAsync(), await listed.Content.ReadAsStringAsync(), await comments.Content.ReadAsStringAsync() })
        {
            Assert.DoesNotContain(owner.User.GetProperty("nickname").GetString()!, body);
            Assert.DoesNotContain(bob.User.GetProperty("nickname").GetString()!, body);
            Assert.DoesNotContain(owner.UserId.ToString(), body);
        }

        var participants = (await view.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("participants").EnumerateArray().ToArray();
        Assert.Equal(2, participants.Length);
        Assert.Single(participants, p => p.GetProperty("isMe").GetBoolean());
    }

    [Fact]
    public async Task UnknownRoomsAre404()
    {
        var bob = await factory.SignInAsync();

        await Problem.ReadAsync(await bob.Http.GetAsync($"/api/rooms/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await bob.Http.PutAsync($"/api/rooms/{Guid.NewGuid()}/participants/me", null), HttpStatusCode.NotFound);
    }

    private static Task<HttpResponseMessage> Put(SignedInClient client, Guid roomId, object body, string etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/rooms/{roomId}") { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(etag));
        return client.Http.SendAsync(request);
    }
}
