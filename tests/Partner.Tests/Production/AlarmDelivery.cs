using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Rooms;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class AlarmDelivery(ProductionServers servers)
{
    [Fact]
    public async Task AnAcknowledgedJoinNeverLosesItsAlarm()
    {
        var owner = new Actor(Guid.NewGuid(), "owner", false);
        var bob = new Actor(Guid.NewGuid(), "bob", false);
        var roomId = Guid.NewGuid();

        // The first silo cannot reach any inbox: the join is acknowledged, its alarm only stored with the room.
        await using (var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis, services => services.AddSingleton<IIncomingGrainCallFilter, InboxDown>()))
        {
            var room = silo.Grains.GetGrain<IRoomGrain>(roomId);
            await room.Create(owner, new RoomDraft("MEAL", "Lunch", "Eat", DateOnly.FromDateTime(DateTime.UtcNow.AddDays(2)), 4, false, []));
            var joined = await room.Join(bob);
            Assert.True(joined.Joined);
            await Task.Delay(300);
            Assert.Empty((await silo.Grains.GetGrain<IAlarmInboxGrain>(owner.UserId).List(null, 50)).Items);
        }

        await using var restarted = await InProcessSilo.StartAsync(servers.Database, servers.Redis);
        await restarted.Grains.GetGrain<IRoomGrain>(roomId).Get(null);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        AlarmPage inbox;
        while ((inbox = await restarted.Grains.GetGrain<IAlarmInboxGrain>(owner.UserId).List(null, 50)).Items.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var alarm = Assert.Single(inbox.Items);
        Assert.Equal(AlarmType.RoomJoined, alarm.Type);
        Assert.Equal(roomId, alarm.RoomId);
    }

    [Fact]
    public async Task AFailingInboxIsRetriedUntilTheAlarmArrives()
    {
        var owner = new Actor(Guid.NewGuid(), "owner", false);
        var flaky = new FlakyInbox(failures: 3);
        await using var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis, services => services.AddSingleton<IIncomingGrainCallFilter>(flaky));
        var room = silo.Grains.GetGrain<IRoomGrain>(Guid.NewGuid());
        await room.Create(owner, new RoomDraft("MEAL", "Lunch", "Eat", DateOnly.FromDateTime(DateTime.UtcNow.AddDays(2)), 4, false, []));

        await room.Join(new Actor(Guid.NewGuid(), "carol", false));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await silo.Grains.GetGrain<IAlarmInboxGrain>(owner.UserId).List(null, 50)).Items.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < deadline, "the alarm should arrive after the inbox recovers");
            await Task.Delay(100);
        }

        Assert.True(flaky.Failed >= 3);
    }

    private sealed class InboxDown : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context) =>
            context.InterfaceMethod.DeclaringType == typeof(IAlarmInboxGrain) && context.InterfaceMethod.Name == nameof(IAlarmInboxGrain.Raise)
                ? throw new InvalidOperationException("inbox unavailable")
                : context.Invoke();
    }

    private sealed class FlakyInbox(int failures) : IIncomingGrainCallFilter
    {
        private int failed;

        public int Failed => failed;

        public Task Invoke(IIncomingGrainCallContext context) =>
            context.InterfaceMethod.DeclaringType == typeof(IAlarmInboxGrain) && context.InterfaceMethod.Name == nameof(IAlarmInboxGrain.Raise)
                && Interlocked.Increment(ref failed) <= failures
                ? throw new InvalidOperationException("inbox briefly unavailable")
                : context.Invoke();
    }
}
