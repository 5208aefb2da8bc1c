using Partner.Rooms;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class RoomDurability(ProductionServers servers)
{
    [Fact]
    public async Task AJoinThatCannotBeWrittenIsRefusedAndLeavesNoTrace()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var silo = await InProcessSilo.StartAsync(database, servers.Redis);
        var owner = new Actor(Guid.NewGuid(), "owner", false);
        var room = silo.Grains.GetGrain<IRoomGrain>(Guid.NewGuid());
        await room.Create(owner, new RoomDraft("MEAL", "Lunch", "Eat", DateOnly.FromDateTime(DateTime.UtcNow.AddDays(2)), 3, false, []));

        await database.StopAsync();
        var refused = await Assert.ThrowsAsync<DomainException>(() => room.Join(new Actor(Guid.NewGuid(), "bob", false)));
        await database.StartAgainAsync();

        Assert.Equal(ErrorCodes.Unavailable, refused.Code);
        var after = await room.Get(owner.UserId);
        Assert.Single(after.Participants);
        var carol = await room.Join(new Actor(Guid.NewGuid(), "carol", false));
        Assert.True(carol.Joined);
        Assert.Equal(2, carol.Room.Participants.Length);
    }
}
