using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Streams;
using Partner.Tests.Alarms;
using Partner.Tests.Api;
using Partner.Tests.Matches;
using Partner.Tests.Rooms;

namespace Partner.Tests.Live;

/// <summary>The hub on one API node (embedded default): alarms to every connection of a user, room updates, Resume, closing, errors.</summary>
public sealed class HubPushes(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task EveryConnectionOfAUserGetsTheAlarmAnotherUsersRequestRaised()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var room = (await alice.CreateRoomAsync()).Id();
        await using var laptop = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        await using var phone = await LiveClient.ConnectAsync(factory, alice.AccessToken);

        Assert.Equal(HttpStatusCode.Created, (await bob.Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);

        foreach (var connection in new[] { laptop, phone })
        {
            var alarm = await connection.NextAlarmAsync();
            Assert.Equal("ROOM_JOINED", alarm.GetProperty("type").GetString());
            Assert.Equal(room, alarm.GetProperty("roomId").GetGuid());
            Assert.Equal(1, alarm.GetProperty("seq").GetInt64());
        }

        // A later alarm comes next on each connection: the first was pushed once per connection.
        await factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId).RaiseAsync(1);
        foreach (var connection in new[] { laptop, phone })
        {
            Assert.Equal(2, (await connection.NextAlarmAsync()).GetProperty("seq").GetInt64());
        }
    }

    [Fact]
    public async Task AUsersRemainingConnectionStillGetsAlarmsAfterAnotherCloses()
    {
        var alice = await factory.SignInAsync();
        var inbox = factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId);
        await using var phone = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        await using var laptop = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        await inbox.RaiseAsync(1);
        Assert.Equal(1, (await laptop.NextAlarmAsync()).GetProperty("seq").GetInt64());
        Assert.Equal(1, (await phone.NextAlarmAsync()).GetProperty("seq").GetInt64());

        await laptop.DisposeAsync();
        await inbox.RaiseAsync(1);
        Assert.Equal(2, (await phone.NextAlarmAsync()).GetProperty("seq").GetInt64());
        await using var tablet = await LiveClient.ConnectAsync(factory, alice.AccessToken, lastSeq: 2);
        await inbox.RaiseAsync(1);

        // Each connection gets the new alarm once, and the tablet nothing it already held.
        Assert.Equal(3, (await phone.NextAlarmAsync()).GetProperty("seq").GetInt64());
        Assert.Equal(3, (await tablet.NextAlarmAsync()).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task AlarmsArePushedInSeqOrderOnlyToTheirUserThoughAnotherSharesTheirStream()
    {
        var alice = await factory.SignInAsync();
        var bob = await SignInSharingTheStreamOfAsync(alice.UserId);
        await using var aliceLive = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        await using var bobLive = await LiveClient.ConnectAsync(factory, bob.AccessToken);

        await factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId).RaiseAsync(5);

        for (var seq = 1; seq <= 5; seq++)
        {
            Assert.Equal(seq, (await aliceLive.NextAlarmAsync()).GetProperty("seq").GetInt64());
        }

        // Bob's own alarm is the first he gets: none of Alice's came before it.
        await factory.Grains().GetGrain<IAlarmInboxGrain>(bob.UserId).Raise(AlarmDrafts.RoomJoined("bob's own"));
        Assert.Equal("bob's own", (await bobLive.NextAlarmAsync()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task AWithdrawalClosesOnlyItsUsersConnectionsThoughAnotherSharesTheirStream()
    {
        var alice = await factory.SignInAsync();
        var bob = await SignInSharingTheStreamOfAsync(alice.UserId);
        await using var aliceLive = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        await using var bobLive = await LiveClient.ConnectAsync(factory, bob.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync("/api/users/me")).StatusCode);
        await aliceLive.Closed.WaitAsync(TimeSpan.FromSeconds(10));

        // Bob's connection still gets his alarms: the withdrawal on the shared stream closed Alice's alone.
        await factory.Grains().GetGrain<IAlarmInboxGrain>(bob.UserId).RaiseAsync(1);
        Assert.Equal(1, (await bobLive.NextAlarmAsync()).GetProperty("seq").GetInt64());
        Assert.False(bobLive.Closed.IsCompleted);
    }

    [Fact]
    public async Task AClientThatResumesOnConnectingMissesNothing()
    {
        var alice = await factory.SignInAsync();
        var inbox = factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId);
        await inbox.RaiseAsync(2);
        await using var live = await LiveClient.ConnectAsync(factory, alice.AccessToken, lastSeq: 1);

        await inbox.RaiseAsync(1);

        Assert.Equal([2L], live.Resumed.Select(a => a.GetProperty("seq").GetInt64()));
        Assert.Equal(3, (await live.NextAlarmAsync()).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task ASubscribedRoomIsPushedAfterEveryChange()
    {
        var owner = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(capacity: 3))).Id();
        await using var watcher = await LiveClient.ConnectAsync(factory, bob.AccessToken);
        var now = await watcher.Connection.InvokeAsync<JsonElement>("SubscribeRoom", room);
        Assert.Equal(1, now.GetProperty("participantCount").GetInt32());

        await bob.Http.PutAsync($"/api/rooms/{room}/participants/me", null);
        var joined = await watcher.NextRoomAsync(now.GetProperty("version").GetInt64());
        await bob.Http.DeleteAsync($"/api/rooms/{room}/participants/me");
        var left = await watcher.NextRoomAsync();
        await owner.Http.PutAsJsonAsync($"/api/rooms/{room}", RoomRequests.Body(capacity: 3, title: "Dinner instead"));
        var edited = await watcher.NextRoomAsync();
        await bob.Http.PutAsync($"/api/rooms/{room}/participants/me", null);
        await watcher.NextRoomAsync();
        await owner.Http.PostAsync($"/api/rooms/{room}/match", null);
        var completed = await watcher.NextRoomAsync();

        Assert.Equal(2, joined.GetProperty("participantCount").GetInt32());
        Assert.Contains(joined.GetProperty("participants").EnumerateArray(), p => p.GetProperty("isMe").GetBoolean() && !p.GetProperty("isOwner").GetBoolean());
        Assert.Equal(1, left.GetProperty("participantCount").GetInt32());
        Assert.Equal("Dinner instead", edited.GetProperty("title").GetString());
        Assert.Equal("COMPLETED", completed.GetProperty("status").GetString());
        Assert.True(completed.GetProperty("version").GetInt64() > edited.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task ADeletedRoomIsPushedAsDeleted()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync()).Id();
        await using var watcher = await LiveClient.ConnectAsync(factory, owner.AccessToken);
        var now = await watcher.Connection.InvokeAsync<JsonElement>("SubscribeRoom", room);

        await owner.Http.DeleteAsync($"/api/rooms/{room}");

        var deleted = await watcher.NextRoomAsync(now.GetProperty("version").GetInt64());
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal(room, deleted.GetProperty("roomId").GetGuid());
    }

    [Fact]
    public async Task AnUnsubscribedRoomIsNoLongerPushed()
    {
        var owner = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync()).Id();
        await using var watcher = await LiveClient.ConnectAsync(factory, owner.AccessToken);
        await watcher.Connection.InvokeAsync<JsonElement>("SubscribeRoom", room);
        await watcher.Connection.InvokeAsync("UnsubscribeRoom", room);

        await bob.Http.PutAsync($"/api/rooms/{room}/participants/me", null);

        // The owner's alarm for that join comes through the user's feed; no room update may precede it.
        await watcher.NextAlarmAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => watcher.NextRoomAsync());
    }

    [Fact]
    public async Task AConnectionThatOnlyGotAlarmsWatchesARoomLaterAndAgainAfterLeavingIt()
    {
        var owner = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(capacity: 4))).Id();
        await using var watcher = await LiveClient.ConnectAsync(factory, owner.AccessToken);
        await bob.Http.PutAsync($"/api/rooms/{room}/participants/me", null);
        Assert.Equal("ROOM_JOINED", (await watcher.NextAlarmAsync()).GetProperty("type").GetString());

        var now = await watcher.Connection.InvokeAsync<JsonElement>("SubscribeRoom", room);
        await carol.Http.PutAsync($"/api/rooms/{room}/participants/me", null);
        var joined = await watcher.NextRoomAsync(now.GetProperty("version").GetInt64());
        await watcher.Connection.InvokeAsync("UnsubscribeRoom", room);
        var again = await watcher.Connection.InvokeAsync<JsonElement>("SubscribeRoom", room);
        await bob.Http.DeleteAsync($"/api/rooms/{room}/participants/me");
        var left = await watcher.NextRoomAsync(again.GetProperty("version").GetInt64());

        Assert.Equal(2, now.GetProperty("participantCount").GetInt32());
        Assert.Equal(3, joined.GetProperty("participantCount").GetInt32());
        Assert.Equal(2, left.GetProperty("participantCount").GetInt32());
    }

    [Fact]
    public async Task ResumeReturnsExactlyTheAlarmsRaisedWhileDisconnected()
    {
        var alice = await factory.SignInAsync();
        var inbox = factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId);
        await inbox.RaiseAsync(2);
        long lastSeq;
        await using (var first = await LiveClient.ConnectAsync(factory, alice.AccessToken))
        {
            lastSeq = first.Resumed[^1].GetProperty("seq").GetInt64();
        }

        await inbox.RaiseAsync(3);
        await using var again = await LiveClient.ConnectAsync(factory, alice.AccessToken, lastSeq);

        Assert.Equal(2, lastSeq);
        Assert.Equal([3L, 4L, 5L], again.Resumed.Select(a => a.GetProperty("seq").GetInt64()));
        // The next new push is the next alarm raised. An alarm raised while the old connection's end was still being
        // processed may also be pushed (the contract: a client keeps one alarm per seq) — once, and only one Resume returned.
        await inbox.RaiseAsync(1);
        var pushed = new List<long>();
        do
        {
            pushed.Add((await again.NextAlarmAsync()).GetProperty("seq").GetInt64());
        }
        while (pushed[^1] < 6);

        Assert.Equal(6, pushed[^1]);
        Assert.Equal(pushed.Count, pushed.Distinct().Count());
        Assert.All(pushed[..^1], seq => Assert.Contains(seq, new long[] { 3, 4, 5 }));
    }

    [Fact]
    public async Task AWithdrawnUsersConnectionsAreClosed()
    {
        var alice = await factory.SignInAsync();
        await using var live = await LiveClient.ConnectAsync(factory, alice.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync("/api/users/me")).StatusCode);

        await live.Closed.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AnUnknownRoomIsAHubErrorNamingIt()
    {
        var alice = await factory.SignInAsync();
        await using var live = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        var unknown = Guid.NewGuid();

        var error = await Assert.ThrowsAsync<HubException>(() => live.Connection.InvokeAsync<JsonElement>("SubscribeRoom", unknown));

        Assert.Contains(unknown.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(await live.Connection.InvokeAsync<JsonElement[]>("Resume", 0L));
    }

    [Fact]
    public async Task NegotiatingWithoutAValidTokenIs401()
    {
        var anonymous = await factory.CreateClient().PostAsync("/hubs/partner/negotiate?negotiateVersion=1", null);
        var forged = factory.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", Security.TokenForgeries.Signed(Guid.NewGuid(), key: "another-key-that-is-long-enough-to-sign-tokens"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        // Negotiate is a short request: it keeps the problem body that the transport's long one goes without.
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.PostAsync("/hubs/partner/negotiate?negotiateVersion=1", null)).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => LiveClient.ConnectAsync(factory, "not-a-token"));
    }

    [Fact]
    public void TheHubsEndpointsOptOutOfTheValidationFilters()
    {
        var hubs = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.RawText?.StartsWith("/hubs/partner", StringComparison.Ordinal) == true)
            .ToList();

        // Validation would wrap each connection's request in filter frames held for the connection's life.
        Assert.Equal(2, hubs.Count);
        Assert.All(hubs, endpoint => Assert.NotNull(endpoint.Metadata.GetMetadata<IDisableValidationMetadata>()));
    }

    /// <summary>A new user whose pushes travel on the same users' stream as <paramref name="userId"/>'s.</summary>
    private async Task<SignedInClient> SignInSharingTheStreamOfAsync(Guid userId)
    {
        // One in 32 users shares a given stream: 500 tries miss it with a probability below 1e-6.
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var user = await factory.SignInAsync();
            if (PartnerStreams.User(user.UserId) == PartnerStreams.User(userId))
            {
                return user;
            }
        }

        throw new InvalidOperationException("no user of 500 shared the stream");
    }

    [Theory]
    [InlineData("GET", "/hubs/partner")]
    [InlineData("POST", "/hubs/partner")]
    [InlineData("DELETE", "/hubs/partner?id=unknown")]
    [InlineData("POST", "/hubs/partner?id=unknown")]
    [InlineData("POST", "/hubs/partner/negotiate?negotiateVersion=abc")]
    [InlineData("POST", "/hubs/partner/negotiate?negotiateVersion=99")]
    public async Task GarbageToTheHubsTransportIsNeverA5xx(string method, string path)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{]garbage", System.Text.Encoding.UTF8, "application/json") });

        Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}");
    }
}
