using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;
using Partner.Tests.Rooms;
using Partner.Users;

namespace Partner.Tests.Security;

/// <summary>Each endpoint that takes free text refuses what <see cref="TextRules"/> refuses, as a 400 naming the JSON field.</summary>
public sealed class TextInputRefusals(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Theory]
    [InlineData("title", "invoice\u202Egnp.exe")]
    [InlineData("title", "\u200B\u200D\u2060")]
    [InlineData("title", "\u3164")]
    [InlineData("title", "two\nlines")]
    [InlineData("content", "\u0007 ding")]
    [InlineData("content", "\uFEFF\u00AD \n\t")]
    public async Task CreatingARoomRefusesBadTextNamingTheField(string field, string value)
    {
        var owner = await factory.SignInAsync();

        var response = await owner.Http.PostAsJsonAsync("/api/rooms", Room(field, value));

        await ExpectRefused(response, field);
    }

    [Theory]
    [InlineData("title", "\u202Dspoof")]
    [InlineData("title", "   \u00A0")]
    [InlineData("content", "a\u0000b")]
    [InlineData("content", "\u001B[2J")]
    public async Task EditingARoomRefusesBadTextNamingTheField(string field, string value)
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();

        var response = await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", Room(field, value));

        await ExpectRefused(response, field);
        Assert.Equal("Lunch at Gaepo", (await owner.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room.Id()}")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task ContentKeepsItsLinesAndTabs()
    {
        var owner = await factory.SignInAsync();
        var body = Room("content", "Menu:\n\t- bibimbap\r\n\t- \uD83C\uDF5C");
        body["title"] = "\uD83C\uDF5C Noodles \u00B7 \u3164\uBC25";

        var response = await owner.Http.PostAsJsonAsync("/api/rooms", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Menu:\n\t- bibimbap\r\n\t- \uD83C\uDF5C", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\u2066\u2069 \u180E")]
    [InlineData("hi\u0008")]
    [InlineData("a\u001Bb")]
    public async Task CommentsRefuseBadTextNamingContent(string content)
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();

        await ExpectRefused(await owner.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content }), "content");
        Assert.Empty((await owner.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{room.Id()}/comments"))!);
    }

    [Fact]
    public async Task EditingACommentRefusesBadTextAndKeepsLines()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var created = await owner.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "first line\nsecond line" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var comment = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("commentId").GetGuid();

        await ExpectRefused(await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}/comments/{comment}", new { content = "\u202E" }), "content");

        var comments = await owner.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{room.Id()}/comments");
        Assert.Equal("first line\nsecond line", Assert.Single(comments!).GetProperty("content").GetString());
    }

    [Fact]
    public async Task ALoneSurrogateIsRefusedNamingTheField()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var roomJson = $$"""{"category":"MEAL","title":"a\ud800b","content":"c","date":"{{RoomRequests.Today()}}","capacity":2}""";

        await ExpectRefused(await owner.Http.PostAsync("/api/rooms", Json(roomJson)), "title");
        await ExpectRefused(await owner.Http.PostAsync($"/api/rooms/{room.Id()}/comments", Json("""{"content":"\udc00"}""")), "content");
    }

    [Fact]
    public async Task ANicknameThatIsNotACleanLineIsNeverRegistered()
    {
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var userId = Guid.NewGuid();

        var refused = await Assert.ThrowsAsync<DomainException>(() => grains.GetGrain<IUserGrain>(userId).SignIn(new SignIn("adm\u202Enim", null, null, 4242, false)));
        var blank = await Assert.ThrowsAsync<DomainException>(() => grains.GetGrain<IUserGrain>(Guid.NewGuid()).SignIn(new SignIn("\u3164\u200B", null, null, 4243, false)));

        Assert.Equal(ErrorCodes.Validation, refused.Code);
        Assert.Equal(["login"], refused.FieldErrors!.Keys);
        Assert.Equal(["login"], blank.FieldErrors!.Keys);
        Assert.Null(await grains.GetGrain<IUserGrain>(userId).Get());
        await ExpectRefused(await factory.CreateClient().PostAsJsonAsync("/api/auth/dev-login", new { login = "adm\u202Enim" }), "login");
    }

    private static Dictionary<string, object?> Room(string field, string value)
    {
        var body = new Dictionary<string, object?>
        {
            ["category"] = "MEAL",
            ["title"] = "Lunch at Gaepo",
            ["content"] = "Let's eat together.",
            ["date"] = RoomRequests.Today(),
            ["capacity"] = 4,
            ["anonymous"] = false,
        };
        body[field] = value;
        return body;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task ExpectRefused(HttpResponseMessage response, string field)
    {
        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.True(problem.Errors.ContainsKey(field), $"errors should name {field}: {problem.Raw}");
    }
}
