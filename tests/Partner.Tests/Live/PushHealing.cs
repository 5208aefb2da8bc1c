using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Api.Live;
using Partner.Tests.Alarms;
using Partner.Tests.Api;
using Partner.Tests.Matches;
using Partner.Tests.Rooms;

namespace Partner.Tests.Live;

/// <summary>Pushes lost in the stream (as with a silo's death) reach the client when the node heals its feeds from the inboxes and rooms.</summary>
public sealed class PushHealing : IAsyncLifetime
{
    private readonly StreamQueueOutage outage = new();
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<IOutgoingGrainCallFilter>(outage) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task ALostPushIsDeliveredByHealingAndOnlyOnce()
    {
        var alice = await factory.SignInAsync();
        var inbox = factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId);
        await using var live = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        outage.Down = true;
        await inbox.RaiseAsync(2);
        outage.Down = false;
        Assert.True(outage.Dropped >= 2, "both pushes were lost in the stream");

        await factory.Services.GetRequiredService<LiveFeeds>().HealAsync();
        await factory.Services.GetRequiredService<LiveFeeds>().HealAsync();

        Assert.Equal(1, (await live.NextAlarmAsync()).GetProperty("seq").GetInt64());
        Assert.Equal(2, (await live.NextAlarmAsync()).GetProperty("seq").GetInt64());
        // The next push is the next alarm raised: healing twice pushed nothing twice.
        await inbox.RaiseAsync(1);
        Assert.Equal(3, (await live.NextAlarmAsync()).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task ALostRoomChangeIsDeliveredByHealing()
    {
        var owner = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(capacity: 3))).Id();
        await using var watcher = await LiveClient.ConnectAsync(factory, bob.AccessToken);
        var before = await watcher.Connection.InvokeAsync<JsonElement>("SubscribeRoom", room);
        outage.Down = true;
        var edit = await owner.Http.PutAsJsonAsync($"/api/rooms/{room}", RoomRequests.Body(capacity: 3, title: "Moved to dinner"));
        outage.Down = false;
        edit.EnsureSuccessStatusCode();
        Assert.True(outage.Dropped > 0, "the push was lost in the stream");

        await factory.Services.GetRequiredService<LiveFeeds>().HealAsync();

        var healed = await watcher.NextRoomAsync(before.GetProperty("version").GetInt64());
        Assert.Equal("Moved to dinner", healed.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ALostDeletionIsDeliveredByHealing()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync()).Id();
        await using var watcher = await LiveClient.ConnectAsync(factory, owner.AccessToken);
        await watcher.Connection.InvokeAsync<JsonElement>("SubscribeRoom", room);
        outage.Down = true;
        var deletion = await owner.Http.DeleteAsync($"/api/rooms/{room}");
        outage.Down = false;
        deletion.EnsureSuccessStatusCode();
        Assert.True(outage.Dropped > 0, "the push was lost in the stream");

        await factory.Services.GetRequiredService<LiveFeeds>().HealAsync();

        Assert.True((await watcher.NextRoomAsync()).GetProperty("deleted").GetBoolean());
    }

    /// <summary>Refuses what grains publish into the memory streams' queues while <see cref="Down"/>.</summary>
    private sealed class StreamQueueOutage : IOutgoingGrainCallFilter
    {
        private int dropped;

        public volatile bool Down;

        public int Dropped => dropped;

        public Task Invoke(IOutgoingGrainCallContext context)
        {
            if (Down && context.InterfaceMethod?.DeclaringType?.Name == "IMemoryStreamQueueGrain" && context.InterfaceMethod.Name == "Enqueue")
            {
                Interlocked.Increment(ref dropped);
                throw new TimeoutException("Injected: the stream queue's silo is gone.");
            }

            return context.Invoke();
        }
    }
}
