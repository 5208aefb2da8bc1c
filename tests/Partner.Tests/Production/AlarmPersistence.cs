using Partner.Alarms;
using Partner.Tests.Alarms;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class AlarmPersistence(ProductionServers servers)
{
    [Fact]
    public async Task AlarmsTheirSeqAndReadMarksSurviveASiloRestartOnMariaDb()
    {
        var userId = Guid.NewGuid();
        var drafts = Enumerable.Range(1, 3).Select(i => AlarmDrafts.RoomJoined($"alarm {i}")).ToArray();
        AlarmPage before;
        await using (var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis))
        {
            var inbox = silo.Grains.GetGrain<IAlarmInboxGrain>(userId);
            foreach (var draft in drafts)
            {
                await inbox.Raise(draft);
            }

            await inbox.MarkRead(1);
            before = await inbox.List(null, 100);
        }

        await using var restarted = await InProcessSilo.StartAsync(servers.Database, servers.Redis);
        var reloaded = restarted.Grains.GetGrain<IAlarmInboxGrain>(userId);
        var after = await reloaded.List(null, 100);

        Assert.Equal<Alarm>(before.Items, after.Items);
        Assert.Equal(drafts.Select(d => d.AlarmId), after.Items.Select(a => a.AlarmId));
        Assert.Equal([1, 2, 3], after.Items.Select(a => a.Seq));
        Assert.Equal(3, after.LastSeq);
        Assert.Equal(2, after.UnreadCount);
        Assert.Equal(2, await reloaded.Raise(drafts[1]));
        Assert.Equal(4, await reloaded.Raise(AlarmDrafts.RoomJoined()));
    }

    [Fact]
    public async Task AFullInboxRoundTripsThroughMariaDbAndKeepsCounting()
    {
        var userId = Guid.NewGuid();
        await using (var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis))
        {
            await silo.Grains.GetGrain<IAlarmInboxGrain>(userId).RaiseAsync(505);
        }

        await using var restarted = await InProcessSilo.StartAsync(servers.Database, servers.Redis);
        var inbox = restarted.Grains.GetGrain<IAlarmInboxGrain>(userId);
        var kept = await inbox.ListAllAsync();

        Assert.Equal(500, kept.Count);
        Assert.Equal(6, kept[0].Seq);
        Assert.Equal(506, await inbox.Raise(AlarmDrafts.RoomJoined(new string('x', 500))));
    }
}
