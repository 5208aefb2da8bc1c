using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Matches;
using Partner.Tests.Api;

namespace Partner.Tests.Matches;

public sealed class MatchDetails(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task AMemberSeesTheMatchWithThemselvesMarked()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob]);

        var body = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{match.MatchId}");

        Assert.Equal(match.MatchId, body.GetProperty("matchId").GetGuid());
        Assert.Equal("MEAL", body.GetProperty("category").GetString());
        Assert.Equal("ROOM", body.GetProperty("method").GetString());
        Assert.Equal(match.RoomId, body.GetProperty("roomId").GetGuid());
        Assert.Equal(["GAEPO"], body.GetProperty("conditions").GetProperty("place").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["LUNCH"], body.GetProperty("conditions").GetProperty("timeOfEating").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(match.CreatedAt, body.GetProperty("createdAt").GetDateTimeOffset());
        Assert.False(body.GetProperty("reviewedByMe").GetBoolean());
        var members = body.GetProperty("members").EnumerateArray().ToArray();
        Assert.Equal([alice.UserId, bob.UserId], members.Select(m => m.GetProperty("userId").GetGuid()));
        Assert.Equal([alice.User.GetProperty("nickname").GetString(), bob.User.GetProperty("nickname").GetString()], members.Select(m => m.GetProperty("nickname").GetString()));
        Assert.Equal([true, false], members.Select(m => m.GetProperty("isMe").GetBoolean()));
    }

    [Fact]
    public async Task ARandomMatchHasNoRoom()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob], "STUDY", MatchMethod.Random);

        var body = await bob.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{match.MatchId}");

        Assert.Equal("RANDOM", body.GetProperty("method").GetString());
        Assert.True(!body.TryGetProperty("roomId", out var roomId) || roomId.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task ANonMemberIsForbidden()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var mallory = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob]);

        var response = await mallory.Http.GetAsync($"/api/matches/{match.MatchId}");

        Assert.Equal("match.not-member", (await Problem.ReadAsync(response, HttpStatusCode.Forbidden)).Code);
    }

    [Fact]
    public async Task AnAdminSeesAMatchTheyAreNotIn()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);
        var match = await factory.CreateMatchAsync([alice, bob]);

        var body = await admin.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{match.MatchId}");

        Assert.Equal(match.MatchId, body.GetProperty("matchId").GetGuid());
        Assert.All(body.GetProperty("members").EnumerateArray(), m => Assert.False(m.GetProperty("isMe").GetBoolean()));
        Assert.False(body.GetProperty("reviewedByMe").GetBoolean());
    }

    [Fact]
    public async Task AnUnknownMatchIsNotFound()
    {
        var alice = await factory.SignInAsync();
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[1]);

        Assert.Equal("not-found", (await Problem.ReadAsync(await alice.Http.GetAsync($"/api/matches/{Guid.NewGuid()}"), HttpStatusCode.NotFound)).Code);
        Assert.Equal("not-found", (await Problem.ReadAsync(await admin.Http.GetAsync($"/api/matches/{Guid.NewGuid()}"), HttpStatusCode.NotFound)).Code);
    }

    [Fact]
    public async Task RequiresSignIn()
    {
        var response = await factory.CreateClient().GetAsync($"/api/matches/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
