using System.Net;
using System.Net.Http.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

/// <summary>Who may do what to a room: anonymous, another user, the owner, an admin, a withdrawn user.</summary>
public sealed class RoomAuthorization(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    public enum Caller { Anonymous, Other, Owner, Admin, Withdrawn }

    public static TheoryData<string, Caller, HttpStatusCode> Matrix => new()
    {
        { "get", Caller.Anonymous, HttpStatusCode.OK },
        { "get", Caller.Withdrawn, HttpStatusCode.OK },
        { "comments", Caller.Anonymous, HttpStatusCode.OK },
        { "edit", Caller.Anonymous, HttpStatusCode.Unauthorized },
        { "edit", Caller.Other, HttpStatusCode.Forbidden },
        { "edit", Caller.Owner, HttpStatusCode.OK },
        { "edit", Caller.Admin, HttpStatusCode.OK },
        { "edit", Caller.Withdrawn, HttpStatusCode.Forbidden },
        { "delete", Caller.Anonymous, HttpStatusCode.Unauthorized },
        { "delete", Caller.Other, HttpStatusCode.Forbidden },
        { "delete", Caller.Owner, HttpStatusCode.NoContent },
        { "delete", Caller.Admin, HttpStatusCode.NoContent },
        { "delete", Caller.Withdrawn, HttpStatusCode.Forbidden },
        { "join", Caller.Anonymous, HttpStatusCode.Unauthorized },
        { "join", Caller.Other, HttpStatusCode.Created },
        { "join", Caller.Owner, HttpStatusCode.OK },
        { "join", Caller.Admin, HttpStatusCode.Created },
        { "join", Caller.Withdrawn, HttpStatusCode.Forbidden },
        { "leave", Caller.Anonymous, HttpStatusCode.Unauthorized },
        { "leave", Caller.Owner, HttpStatusCode.Conflict },
        { "leave", Caller.Withdrawn, HttpStatusCode.Forbidden },
        { "complete", Caller.Anonymous, HttpStatusCode.Unauthorized },
        { "complete", Caller.Other, HttpStatusCode.Forbidden },
        { "complete", Caller.Withdrawn, HttpStatusCode.Forbidden },
        { "comment", Caller.Anonymous, HttpStatusCode.Unauthorized },
        { "comment", Caller.Other, HttpStatusCode.Created },
        { "comment", Caller.Withdrawn, HttpStatusCode.Forbidden },
        { "create", Caller.Anonymous, HttpStatusCode.Unauthorized },
        { "create", Caller.Other, HttpStatusCode.Created },
        { "create", Caller.Withdrawn, HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task AnswersAsTheRulesSay(string action, Caller caller, HttpStatusCode expected)
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync();
        var client = await ClientAsync(caller, owner);

        var response = action switch
        {
            "get" => await client.GetAsync($"/api/rooms/{room.Id()}"),
            "comments" => await client.GetAsync($"/api/rooms/{room.Id()}/comments"),
            "edit" => await client.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(title: "edited")),
            "delete" => await client.DeleteAsync($"/api/rooms/{room.Id()}"),
            "join" => await client.PutAsync($"/api/rooms/{room.Id()}/participants/me", null),
            "leave" => await client.DeleteAsync($"/api/rooms/{room.Id()}/participants/me"),
            "complete" => await client.PostAsync($"/api/rooms/{room.Id()}/match", null),
            "comment" => await client.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "hi" }),
            "create" => await client.PostAsJsonAsync("/api/rooms", RoomRequests.Body()),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };

        Assert.True(expected == response.StatusCode, $"{action} as {caller}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        if (caller == Caller.Withdrawn && expected == HttpStatusCode.Forbidden)
        {
            Assert.Equal("user.withdrawn", (await Problem.ReadAsync(response, HttpStatusCode.Forbidden)).Code);
        }
    }

    private async Task<HttpClient> ClientAsync(Caller caller, SignedInClient owner)
    {
        switch (caller)
        {
            case Caller.Anonymous:
                return factory.CreateClient();
            case Caller.Owner:
                return owner.Http;
            case Caller.Admin:
                return (await factory.SignInAsync(PartnerApiFactory.AdminLogins[0])).Http;
            case Caller.Withdrawn:
                var withdrawn = await factory.SignInAsync();
                Assert.Equal(HttpStatusCode.NoContent, (await withdrawn.Http.DeleteAsync("/api/users/me")).StatusCode);
                return withdrawn.Http;
            default:
                return (await factory.SignInAsync()).Http;
        }
    }
}
