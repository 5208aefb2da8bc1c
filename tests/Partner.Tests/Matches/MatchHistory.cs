using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Matches;
using Partner.Tests.Api;

namespace Partner.Tests.Matches;

public sealed class MatchHistory(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task ListsMyMatchesNewestFirst()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var middle = await factory.CreateMatchAsync([alice, bob], createdAt: Noon.AddHours(1));
        var oldest = await factory.CreateMatchAsync([alice, bob], createdAt: Noon);
        var newest = await factory.CreateMatchAsync([bob, alice], createdAt: Noon.AddHours(2));

        Assert.Equal([newest.MatchId, middle.MatchId, oldest.MatchId], await alice.MatchIdsAsync());
        Assert.Equal([newest.MatchId, middle.MatchId, oldest.MatchId], await bob.MatchIdsAsync());
    }

    [Fact]
    public async Task ASummaryCarriesTheMatchAtAGlance()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob, carol], createdAt: Noon);

        var page = await alice.Http.GetFromJsonAsync<JsonElement>("/api/matches");

        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(match.MatchId, item.GetProperty("matchId").GetGuid());
        Assert.Equal("MEAL", item.GetProperty("category").GetString());
        Assert.Equal("ROOM", item.GetProperty("method").GetString());
        Assert.Equal(match.RoomId, item.GetProperty("roomId").GetGuid());
        Assert.Equal("Lunch at Gaepo", item.GetProperty("title").GetString());
        Assert.Equal(3, item.GetProperty("memberCount").GetInt32());
        Assert.Equal(Noon, item.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(0, page.GetProperty("page").GetInt32());
        Assert.Equal(20, page.GetProperty("size").GetInt32());
        Assert.False(page.GetProperty("hasNext").GetBoolean());
    }

    [Fact]
    public async Task ListsOnlyMyOwnMatches()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        await factory.CreateMatchAsync([alice, bob]);

        Assert.Empty(await carol.MatchIdsAsync());
    }

    [Fact]
    public async Task FiltersByCategoryAndMethodCaseInsensitively()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var mealRoom = await factory.CreateMatchAsync([alice, bob], "MEAL", MatchMethod.Room, Noon);
        var studyRandom = await factory.CreateMatchAsync([alice, bob], "STUDY", MatchMethod.Random, Noon.AddHours(1));
        var mealRandom = await factory.CreateMatchAsync([alice, bob], "MEAL", MatchMethod.Random, Noon.AddHours(2));

        Assert.Equal([mealRandom.MatchId, mealRoom.MatchId], await alice.MatchIdsAsync("?category=MEAL"));
        Assert.Equal([studyRandom.MatchId], await alice.MatchIdsAsync("?category=study"));
        Assert.Equal([mealRandom.MatchId, studyRandom.MatchId], await alice.MatchIdsAsync("?method=random"));
        Assert.Equal([mealRoom.MatchId], await alice.MatchIdsAsync("?category=meal&method=ROOM"));
        Assert.Empty(await alice.MatchIdsAsync("?category=EXERCISE"));
        Assert.Equal(3, (await alice.MatchIdsAsync("?category=&method=")).Length);
    }

    [Fact]
    public async Task PagesThroughTheHistoryWithHasNext()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await factory.CreateMatchAsync([alice, bob], createdAt: Noon.AddMinutes(i))).MatchId);
        }

        created.Reverse();

        var first = await alice.Http.GetFromJsonAsync<JsonElement>("/api/matches?page=0&size=2");
        var last = await alice.Http.GetFromJsonAsync<JsonElement>("/api/matches?page=2&size=2");
        var beyond = await alice.Http.GetFromJsonAsync<JsonElement>("/api/matches?page=3&size=2");

        Assert.Equal(created[..2], Ids(first));
        Assert.True(first.GetProperty("hasNext").GetBoolean());
        Assert.Equal(2, first.GetProperty("size").GetInt32());
        Assert.Equal(created[2..4], await alice.MatchIdsAsync("?page=1&size=2"));
        Assert.Equal(created[4..], Ids(last));
        Assert.False(last.GetProperty("hasNext").GetBoolean());
        Assert.Equal(2, last.GetProperty("page").GetInt32());
        Assert.Empty(Ids(beyond));
        Assert.False(beyond.GetProperty("hasNext").GetBoolean());
        Assert.Equal(created, await alice.MatchIdsAsync("?size=100"));
    }

    [Theory]
    [InlineData("page=-1", "page")]
    [InlineData("page=x", "page")]
    [InlineData("page=1.5", "page")]
    [InlineData("page=99999999999", "page")]
    [InlineData("page=2147483647", "page")]
    [InlineData("size=0", "size")]
    [InlineData("size=101", "size")]
    [InlineData("size=ten", "size")]
    [InlineData("method=BOTH", "method")]
    [InlineData("method=0", "method")]
    public async Task RejectsABadQueryNamingTheField(string query, string field)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.GetAsync("/api/matches?" + query);

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains(field, problem.Errors.Keys);
    }

    [Fact]
    public async Task RequiresSignIn()
    {
        var response = await factory.CreateClient().GetAsync("/api/matches");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TheLastAcceptedPageIsEmptyNotAnError()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await factory.CreateMatchAsync([alice, bob]);

        Assert.Empty(await alice.MatchIdsAsync("?page=1000000&size=100"));
    }

    private static Guid[] Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("matchId").GetGuid())];
}
