using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

/// <summary>Each test lists a category on a meeting date no other test uses, so they never see each other's rooms.</summary>
public sealed class RoomListing(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task ListsNewestMeetingDateFirstThenNewestCreated()
    {
        var owner = await factory.SignInAsync();
        var later = await owner.CreateRoomAsync(RoomRequests.Body(date: RoomRequests.InDays(40), title: "later"));
        var soonOld = await owner.CreateRoomAsync(RoomRequests.Body(date: RoomRequests.InDays(39), title: "soon, first"));
        var soonNew = await owner.CreateRoomAsync(RoomRequests.Body(date: RoomRequests.InDays(39), title: "soon, second"));

        var listed = await Ids(owner, $"/api/rooms?category=MEAL&size=100");

        var positions = new[] { later, soonNew, soonOld }.Select(r => Array.IndexOf(listed, r.Id())).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public async Task TheLastAcceptedPageIsEmptyNotTheFirst()
    {
        var owner = await factory.SignInAsync();
        await owner.CreateRoomAsync();

        var page = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/api/rooms?page=1000000&size=100");

        Assert.Equal(1_000_000, page.GetProperty("page").GetInt32());
        Assert.Empty(page.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task FiltersByDateAndCategoryAndPages()
    {
        var owner = await factory.SignInAsync();
        var date = RoomRequests.InDays(41);
        var meals = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            meals.Add((await owner.CreateRoomAsync(RoomRequests.Body(date: date, title: $"meal {i}"))).Id());
        }

        var study = (await owner.CreateRoomAsync(RoomRequests.Body(date: date, category: "STUDY", conditions: new { }))).Id();

        var page0 = await owner.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?category=meal&date={date}&size=2");
        var page2 = await owner.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?category=MEAL&date={date}&size=2&page=2");
        var all = await Ids(owner, $"/api/rooms?date={date}&size=100");

        Assert.True(page0.GetProperty("hasNext").GetBoolean());
        Assert.Equal(2, page0.GetProperty("items").GetArrayLength());
        Assert.False(page2.GetProperty("hasNext").GetBoolean());
        Assert.Equal(meals[0], Assert.Single(page2.GetProperty("items").EnumerateArray()).Id());
        Assert.Equal(6, all.Length);
        Assert.Contains(study, all);
    }

    [Fact]
    public async Task CountsAreFreshAfterJoins()
    {
        var owner = await factory.SignInAsync();
        var date = RoomRequests.InDays(42);
        var room = await owner.CreateRoomAsync(RoomRequests.Body(date: date, capacity: 2));
        await (await factory.SignInAsync()).Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null);

        var deadline = DateTime.UtcNow.AddSeconds(1);
        JsonElement listed;
        do
        {
            listed = Assert.Single((await owner.Http.GetFromJsonAsync<JsonElement>($"/api/rooms?category=MEAL&date={date}")).GetProperty("items").EnumerateArray());
        }
        while (listed.GetProperty("participantCount").GetInt32() != 2 && DateTime.UtcNow < deadline);

        Assert.Equal(2, listed.GetProperty("participantCount").GetInt32());
        Assert.Equal("FULL", listed.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("status=closed", "status")]
    [InlineData("date=tomorrow", "date")]
    [InlineData("page=-1", "page")]
    [InlineData("page=2147483647", "page")]
    [InlineData("page=1000001", "page")]
    [InlineData("size=0", "size")]
    [InlineData("size=101", "size")]
    [InlineData("category=BOWLING", "category")]
    public async Task RejectsBadQueriesNamingTheParameter(string query, string field)
    {
        var response = await factory.CreateClient().GetAsync($"/api/rooms?{query}");

        Assert.Contains(field, (await Problem.ReadAsync(response, HttpStatusCode.BadRequest)).Errors.Keys);
    }

    [Fact]
    public async Task AnyoneMayListWithoutAToken()
    {
        var response = await factory.CreateClient().GetAsync("/api/rooms?status=open");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<Guid[]> Ids(SignedInClient client, string url) =>
        [.. (await client.Http.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray().Select(r => r.Id())];
}
