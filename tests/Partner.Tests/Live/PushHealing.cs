using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Api.Live;
using Partner.Streams;
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
    public async Task HealingWhileAConnectionsFeedStartsPushesNothingItsResumeHolds()
    {
        var alice = await factory.SignInAsync();
        var inbox = factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId);
        await inbox.RaiseAsync(2);
        var feeds = factory.Services.GetRequiredService<LiveFeeds>();
        outage.HoldInboxRead();

        var connecting = LiveClient.ConnectAsync(factory, alice.AccessToken, lastSeq: 2);
        await outage.InboxReadHeld.WaitAsync(TimeSpan.FromSeconds(10));
        var healing = feeds.HealAsync();
        outage.ReleaseInboxRead();
        await healing;
        await using var live = await connecting;

        // Healing waited for the feed to learn that its connection holds seq 2: alarms 1 and 2 were not pushed.
        await inbox.RaiseAsync(1);
        Assert.Equal(3, (await live.NextAlarmAsync()).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task HealingTakesAgainASharedSubscriptionOrleansDropped()
    {
        var alice = await factory.SignInAsync();
        var inbox = factory.Grains().GetGrain<IAlarmInboxGrain>(alice.UserId);
        await using var live = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        var stream = factory.Services.GetRequiredService<IClusterClient>().GetStreamProvider(PartnerStreams.ProviderName).GetStream<UserPush>(PartnerStreams.User(alice.UserId));
        var dropped = await stream.GetAllSubscriptionHandles();
        Assert.NotEmpty(dropped);

        // As Orleans does when it takes the node's client for gone: the subscription ends behind the node's back.
        foreach (var handle in dropped)
        {
            await handle.UnsubscribeAsync();
        }

        await factory.Services.GetRequiredService<LiveFeeds>().HealAsync();
        await inbox.RaiseAsync(1);

        Assert.Equal(1, (await live.NextAlarmAsync()).GetProperty("seq").GetInt64());
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

    /// <summary>
    /// Refuses what grains publish into the memory streams' queues while <see cref="Down"/>; once asked, holds the next
    /// read of an inbox's newest alarm (what a connection's feed reads as it starts) until released.
    /// </summary>
    private sealed class StreamQueueOutage : IOutgoingGrainCallFilter
    {
        private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int dropped;
        private int holding;

        public volatile bool Down;

        public int Dropped => dropped;

        public Task InboxReadHeld => held.Task;

        public void HoldInboxRead() => holding = 1;

        public void ReleaseInboxRead() => released.TrySetResult();

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (Down && context.InterfaceMethod?.DeclaringType?.Name == "IMemoryStreamQueueGrain" && context.InterfaceMethod.Name == "Enqueue")
            {
                Interlocked.Increment(ref dropped);
                throw new TimeoutException("Injected: the stream queue's silo is gone.");
            }

            if (context.InterfaceMethod?.DeclaringType == typeof(IAlarmInboxGrain) && context.InterfaceMethod.Name == nameof(IAlarmInboxGrain.List)
                && Interlocked.Exchange(ref holding, 0) == 1)
            {
                held.TrySetResult();
                await released.Task;
            }

            await context.Invoke();
        }
    }
}
