using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

public sealed class RoomComments(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task RepliesAttachToTheTopLevelCommentAndFollowIt()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var bob = await factory.SignInAsync();
        var first = await Add(owner, room.Id(), "first");
        var second = await Add(bob, room.Id(), "second");
        var reply = await Add(bob, room.Id(), "reply", first);
        var replyToReply = await Add(owner, room.Id(), "reply to reply", reply);

        var comments = await bob.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{room.Id()}/comments");

        Assert.Equal(first.GetProperty("commentId").GetGuid(), replyToReply.GetProperty("parentId").GetGuid());
        Assert.NotNull(comments);
        Assert.Equal(["first", "reply", "reply to reply", "second"], comments.Select(c => c.GetProperty("content").GetString()));
        Assert.Equal(second.GetProperty("commentId").GetGuid(), comments[3].GetProperty("commentId").GetGuid());
        Assert.True(comments[1].GetProperty("isMine").GetBoolean());
        Assert.False(comments[0].GetProperty("isMine").GetBoolean());
    }

    [Fact]
    public async Task OnlyTheAuthorOrAnAdminEditsOrDeletes()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var bob = await factory.SignInAsync();
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[1]);
        var comment = (await Add(bob, room.Id(), "mine")).GetProperty("commentId").GetGuid();

        var byOwner = await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}/comments/{comment}", new { content = "edited" });
        var byAuthor = await bob.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}/comments/{comment}", new { content = "edited by me" });
        var deleteByOwner = await owner.Http.DeleteAsync($"/api/rooms/{room.Id()}/comments/{comment}");
        var deleteByAdmin = await admin.Http.DeleteAsync($"/api/rooms/{room.Id()}/comments/{comment}");

        Assert.Equal("comment.not-author", (await Problem.ReadAsync(byOwner, HttpStatusCode.Forbidden)).Code);
        Assert.Equal("edited by me", (await byAuthor.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("content").GetString());
        Assert.Equal("comment.not-author", (await Problem.ReadAsync(deleteByOwner, HttpStatusCode.Forbidden)).Code);
        Assert.Equal(HttpStatusCode.NoContent, deleteByAdmin.StatusCode);
        Assert.Empty((await owner.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{room.Id()}/comments"))!);
    }

    [Fact]
    public async Task ADeletedCommentWithRepliesStaysAsAPlaceholder()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var bob = await factory.SignInAsync();
        var parent = await Add(owner, room.Id(), "parent");
        await Add(bob, room.Id(), "child", parent);

        await owner.Http.DeleteAsync($"/api/rooms/{room.Id()}/comments/{parent.GetProperty("commentId").GetGuid()}");
        var comments = await bob.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{room.Id()}/comments");

        Assert.Equal(2, comments!.Length);
        Assert.True(comments[0].GetProperty("deleted").GetBoolean());
        Assert.False(comments[0].TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null);
        Assert.Equal("child", comments[1].GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public async Task ContentIsRequired(string? content)
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();

        var response = await owner.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content });

        Assert.Contains("content", (await Problem.ReadAsync(response, HttpStatusCode.BadRequest)).Errors.Keys);
    }

    [Fact]
    public async Task ContentIsAtMost1000Characters()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();

        var tooLong = await owner.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = new string('x', 1001) });
        var longest = await owner.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = new string('x', 1000) });

        Assert.Contains("content", (await Problem.ReadAsync(tooLong, HttpStatusCode.BadRequest)).Errors.Keys);
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
    }

    private static async Task<JsonElement> Add(SignedInClient author, Guid roomId, string content, JsonElement? parent = null)
    {
        var parentId = parent?.GetProperty("commentId").GetGuid();
        var response = await author.Http.PostAsJsonAsync($"/api/rooms/{roomId}/comments", new { content, parentId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
