using Partner.Rooms;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Grains;

/// <summary>
/// A silo leaving gracefully. The embedded memory storage keeps its rows in grains spread over the silos, so a silo's
/// exit loses the rows it held: the test adds a third silo after the room's row is written on the first two, moves the
/// room there and stops that silo, so the promise checked is the one durable storage keeps in production.
/// </summary>
[Collection(GrainCluster.Collection)]
public sealed class SiloShutdown(GrainCluster cluster)
{
    [Fact]
    public async Task ARoomWhoseSiloStoppedIsReactivatedOnAnotherWithWhatItSaved()
    {
        var owner = RoomsAcrossSilos.User("owner");
        var guest = RoomsAcrossSilos.User("guest");
        var room = cluster.Client.GetGrain<IRoomGrain>(Guid.NewGuid());
        await room.Create(owner, RoomsAcrossSilos.Draft(capacity: 4));
        var before = (await room.Join(guest)).Room;

        var leaving = await cluster.Cluster.StartAdditionalSiloAsync();
        await cluster.Cluster.MigrateAsync(room, leaving.SiloAddress);
        RequestContext.Clear(); // MigrateAsync leaves its placement hint in this flow's request context.
        Assert.Equal(before.Listing.Version, (await room.Get(owner.UserId)).Listing.Version);
        Assert.Equal(leaving.SiloAddress, HostOf(room));

        await cluster.Cluster.StopSiloAsync(leaving);

        var after = await room.Get(owner.UserId);
        Assert.Equal(before.Listing.Version, after.Listing.Version);
        Assert.Equal(["owner", "guest"], after.Participants.Select(p => p.Nickname));
        Assert.Contains(HostOf(room), cluster.Cluster.Silos.Select(silo => silo.SiloAddress));
        var fromSilo = await cluster.SiloGrains(1).GetGrain<IRoomGrain>(room.GetPrimaryKey()).Join(RoomsAcrossSilos.User("late"));
        Assert.Equal(before.Listing.Version + 1, fromSilo.Room.Listing.Version);
    }

    private SiloAddress? HostOf(IRoomGrain room) =>
        cluster.Cluster.TryGetGrainContext(room.GetGrainId(), out var context) ? context.Address.SiloAddress : null;
}
