using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Partner.Rooms;
using Partner.Tests.Api;
using Partner.Tests.Rooms;

namespace Partner.Tests.Security;

/// <summary>
/// An anonymous room must never tell anyone who took part in it: not its views, not its listing, not its comments,
/// not the alarms it raises; and once someone other than the owner took part, anonymity cannot be turned off.
/// </summary>
public sealed class AnonymityProbes(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task NoViewOfAnAnonymousRoomNamesThoseWhoTookPart()
    {
        var date = RoomRequests.InDays(9);
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(anonymous: true, date: date))).Id();
        var (bob, carol, dave, stranger) = (await factory.SignInAsync(), await factory.SignInAsync(), await factory.SignInAsync(), await factory.SignInAsync());
        await Join(bob, room);
        await Join(carol, room);
        var carolsComment = await Comment(carol, room, "I know a place.");
        await Comment(dave, room, "Which one?", carolsComment);
        await Comment(owner, room, "Tell us!", carolsComment);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.Http.DeleteAsync($"/api/rooms/{room}/participants/me")).StatusCode);

        var ownerAlarms = await AlarmsAsync(owner, count: 3);
        var carolAlarms = await AlarmsAsync(carol, count: 2);
        Assert.Equal(["ROOM_JOINED", "ROOM_JOINED", "ROOM_LEFT"], ownerAlarms.Select(a => a.GetProperty("type").GetString()));
        Assert.Equal(["COMMENT_REPLY", "COMMENT_REPLY"], carolAlarms.Select(a => a.GetProperty("type").GetString()));
        Assert.All(ownerAlarms.Concat(carolAlarms), a => Assert.False(a.TryGetProperty("actorNickname", out var actor) && actor.ValueKind != JsonValueKind.Null, a.ToString()));

        var anonymous = factory.CreateClient();
        var seen = new Dictionary<string, string>
        {
            ["room, signed out"] = await anonymous.GetStringAsync($"/api/rooms/{room}"),
            ["room, as a stranger"] = await stranger.Http.GetStringAsync($"/api/rooms/{room}"),
            ["room, as a participant"] = await carol.Http.GetStringAsync($"/api/rooms/{room}"),
            ["room, as the owner"] = await owner.Http.GetStringAsync($"/api/rooms/{room}"),
            ["listing"] = await anonymous.GetStringAsync($"/api/rooms?category=MEAL&date={date}&size=100"),
            ["comments, signed out"] = await anonymous.GetStringAsync($"/api/rooms/{room}/comments"),
            ["comments, as a commenter"] = await carol.Http.GetStringAsync($"/api/rooms/{room}/comments"),
            ["comments, as the owner"] = await owner.Http.GetStringAsync($"/api/rooms/{room}/comments"),
            ["alarms of the owner"] = string.Join("\n", ownerAlarms.Select(a => a.ToString())),
            ["alarms of the replied-to commenter"] = string.Join("\n", carolAlarms.Select(a => a.ToString())),
        };

        foreach (var who in new[] { owner, bob, carol, dave })
        {
            var nickname = who.User.GetProperty("nickname").GetString()!;
            foreach (var (view, body) in seen)
            {
                Assert.False(body.Contains(nickname, StringComparison.OrdinalIgnoreCase), $"{view} names {nickname}: {body}");
                Assert.False(body.Contains(who.UserId.ToString(), StringComparison.OrdinalIgnoreCase), $"{view} shows the id of {nickname}: {body}");
            }
        }

        var asOwner = await owner.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room}");
        Assert.Equal(2, asOwner.GetProperty("participants").GetArrayLength());
        Assert.All(asOwner.GetProperty("participants").EnumerateArray(), p => Assert.False(p.TryGetProperty("nickname", out var nickname) && nickname.ValueKind != JsonValueKind.Null));
    }

    [Fact]
    public async Task TurningAnonymityOffIsRefusedAfterAJoin()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(anonymous: true))).Id();
        var bob = await factory.SignInAsync();
        await Join(bob, room);

        await ExpectLocked(owner, room);
        await ExpectLocked(await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]), room);
        var view = await bob.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room}");
        Assert.True(view.GetProperty("anonymous").GetBoolean());
        Assert.DoesNotContain(bob.User.GetProperty("nickname").GetString()!, view.ToString());
    }

    [Fact]
    public async Task TurningAnonymityOffIsRefusedAfterAJoinAndALeave()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(anonymous: true))).Id();
        var bob = await factory.SignInAsync();
        await Join(bob, room);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.Http.DeleteAsync($"/api/rooms/{room}/participants/me")).StatusCode);

        await ExpectLocked(owner, room);
    }

    [Fact]
    public async Task TurningAnonymityOffIsRefusedAfterACommentEvenDeleted()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(anonymous: true))).Id();
        var bob = await factory.SignInAsync();
        var comment = await Comment(bob, room, "Count me in, maybe.");
        Assert.Equal(HttpStatusCode.NoContent, (await bob.Http.DeleteAsync($"/api/rooms/{room}/comments/{comment}")).StatusCode);
        Assert.Empty((await owner.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{room}/comments"))!);

        await ExpectLocked(owner, room);
    }

    [Fact]
    public async Task TurningAnonymityOffWorksWhileOnlyTheOwnerTookPart()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(anonymous: true))).Id();
        await Comment(owner, room, "Anyone?");
        var refused = await (await factory.SignInAsync()).Http.PostAsJsonAsync($"/api/rooms/{room}/comments", new { content = "   " });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var response = await owner.Http.PutAsJsonAsync($"/api/rooms/{room}", RoomRequests.Body(anonymous: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(view.GetProperty("anonymous").GetBoolean());
        Assert.Equal(owner.UserId, view.GetProperty("owner").GetProperty("userId").GetGuid());
    }

    [Fact]
    public async Task TurningAnonymityOnAlwaysWorks()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(anonymous: false))).Id();
        var bob = await factory.SignInAsync();
        await Join(bob, room);
        await Comment(bob, room, "Hello!");

        var on = await owner.Http.PutAsJsonAsync($"/api/rooms/{room}", RoomRequests.Body(anonymous: true));
        var stillOn = await owner.Http.PutAsJsonAsync($"/api/rooms/{room}", RoomRequests.Body(anonymous: true, title: "Dinner instead"));

        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.True((await on.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("anonymous").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, stillOn.StatusCode);
        var comments = await factory.CreateClient().GetStringAsync($"/api/rooms/{room}/comments");
        Assert.DoesNotContain(bob.User.GetProperty("nickname").GetString()!, comments);
        await ExpectLocked(owner, room);
    }

    [Fact]
    public async Task TheLockSurvivesDeactivation()
    {
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var owner = new Actor(Guid.NewGuid(), "owner", false);
        var guest = new Actor(Guid.NewGuid(), "guest", false);
        var (joinedAndLeft, commentedAndDeleted, ownerAlone) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        foreach (var id in new[] { joinedAndLeft, commentedAndDeleted, ownerAlone })
        {
            await grains.GetGrain<IRoomGrain>(id).Create(owner, Draft(anonymous: true));
        }

        await grains.GetGrain<IRoomGrain>(joinedAndLeft).Join(guest);
        await grains.GetGrain<IRoomGrain>(joinedAndLeft).Leave(guest);
        var comment = await grains.GetGrain<IRoomGrain>(commentedAndDeleted).AddComment(guest, "hi", null);
        await grains.GetGrain<IRoomGrain>(commentedAndDeleted).DeleteComment(guest, comment.CommentId);
        await grains.GetGrain<IRoomGrain>(ownerAlone).AddComment(owner, "anyone?", null);

        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        foreach (var id in new[] { joinedAndLeft, commentedAndDeleted })
        {
            var refused = await Assert.ThrowsAsync<DomainException>(() => grains.GetGrain<IRoomGrain>(id).Edit(owner, Draft(anonymous: false), null));
            Assert.Equal(ErrorCodes.RoomAnonymityLocked, refused.Code);
        }

        var view = await grains.GetGrain<IRoomGrain>(ownerAlone).Edit(owner, Draft(anonymous: false), null);
        Assert.False(view.Listing.Anonymous);
    }

    [Fact]
    public void ARoomStoredBeforeTheLockExistedLoadsLocked()
    {
        var storage = factory.Services.GetRequiredService<IGrainStorageSerializer>();
        var owner = new RoomParticipant(Guid.NewGuid(), "owner", DateTimeOffset.UtcNow);
        var stored = storage.Serialize(new RoomStateBeforeTheLock { Created = true, Anonymous = true, Participants = [owner] });

        var loaded = storage.Deserialize<RoomState>(stored)!;

        Assert.True(loaded.Created && loaded.Anonymous);
        Assert.Equal(owner, Assert.Single(loaded.Participants));
        Assert.True(loaded.AnonymityLocked, "who took part in an old room is unknown: it must stay anonymous");
    }

    private static RoomDraft Draft(bool anonymous) =>
        new("MEAL", "Probe", "Who is here?", DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3)), 4, anonymous, []);

    private static async Task ExpectLocked(SignedInClient editor, Guid room)
    {
        var response = await editor.Http.PutAsJsonAsync($"/api/rooms/{room}", RoomRequests.Body(anonymous: false));
        Assert.Equal("room.anonymity-locked", (await Problem.ReadAsync(response, HttpStatusCode.Conflict)).Code);
    }

    private static async Task Join(SignedInClient user, Guid room) =>
        Assert.Equal(HttpStatusCode.Created, (await user.Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);

    private static async Task<Guid> Comment(SignedInClient author, Guid room, string content, Guid? parentId = null)
    {
        var response = await author.Http.PostAsJsonAsync($"/api/rooms/{room}/comments", new { content, parentId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("commentId").GetGuid();
    }

    /// <summary>The user's alarms once <paramref name="count"/> have arrived (they are delivered after the answer).</summary>
    private static async Task<JsonElement[]> AlarmsAsync(SignedInClient user, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            JsonElement[] items = [.. (await user.Http.GetFromJsonAsync<JsonElement>("/api/alarms")).GetProperty("items").EnumerateArray()];
            if (items.Length >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, items.Length);
                return items;
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>The room's row as it was stored before <see cref="RoomState.OnlyOwnerTookPart"/> existed (same ids, fewer of them).</summary>
[GenerateSerializer, Alias("partner.tests.room-state-before-the-lock")]
public sealed class RoomStateBeforeTheLock
{
    [Id(0)] public bool Created { get; set; }
    [Id(6)] public bool Anonymous { get; set; }
    [Id(8)] public List<RoomParticipant> Participants { get; set; } = [];
}
