using Partner.Rooms;
using Partner.Tests.Infrastructure;
using static Partner.Tests.Infrastructure.DomainOutcomes;

namespace Partner.Tests.Grains;

/// <summary>A room called from the cluster client and from inside both silos at once.</summary>
[Collection(GrainCluster.Collection)]
public sealed class RoomsAcrossSilos(GrainCluster cluster)
{
    [Fact]
    public async Task NeverOverfillsWhenUsersJoinConcurrentlyThroughBothSilos()
    {
        const int capacity = 5;
        var callers = cluster.Callers();
        var owner = User("owner");
        var roomId = Guid.NewGuid();
        await callers[1].GetGrain<IRoomGrain>(roomId).Create(owner, Draft(capacity));
        var joiners = Enumerable.Range(0, 30).Select(i => User($"joiner{i}")).ToArray();

        var outcomes = await Task.WhenAll(joiners.Select((user, i) => CodeOf(() => callers[i % callers.Length].GetGrain<IRoomGrain>(roomId).Join(user))));

        Assert.Equal(capacity - 1, outcomes.Count(code => code is null));
        Assert.All(outcomes.Where(code => code is not null), code => Assert.Equal(ErrorCodes.RoomFull, code));
        var admitted = joiners.Where((_, i) => outcomes[i] is null).Select(user => user.Nickname).Append(owner.Nickname).Order().ToArray();
        var views = await Task.WhenAll(callers.Select(caller => caller.GetGrain<IRoomGrain>(roomId).Get(owner.UserId)));
        Assert.All(views, view =>
        {
            Assert.Equal(RoomStatus.Full, view.Listing.Status);
            Assert.Equal(admitted, view.Participants.Select(p => p.Nickname!).Order().ToArray());
            Assert.Equal(views[0].Listing.Version, view.Listing.Version);
        });
    }

    [Fact]
    public async Task IsOneActivationWhoseVersionEveryCallerSeesStepOncePerChange()
    {
        var callers = cluster.Callers();
        var owner = User("owner");
        var roomId = Guid.NewGuid();
        var created = await callers[0].GetGrain<IRoomGrain>(roomId).Create(owner, Draft(capacity: 10));
        var version = created.Listing.Version;
        var guests = Enumerable.Range(0, 6).Select(i => User($"guest{i}")).ToArray();

        for (var step = 0; step < 12; step++)
        {
            var guest = guests[step % guests.Length];
            var room = callers[step % callers.Length].GetGrain<IRoomGrain>(roomId);
            if (step < guests.Length)
            {
                await room.Join(guest);
            }
            else
            {
                await room.Leave(guest);
            }

            version++;
            var seen = await Task.WhenAll(callers.Select(caller => caller.GetGrain<IRoomGrain>(roomId).Get(null)));
            Assert.All(seen, view => Assert.Equal(version, view.Listing.Version));
            Assert.All(seen, view => Assert.Equal(step < guests.Length ? step + 2 : 1 + guests.Length * 2 - step - 1, view.Participants.Length));
        }

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var roomGrainId = cluster.Client.GetGrain<IRoomGrain>(roomId).GetGrainId();
        var activations = (await management.GetDetailedGrainStatistics()).Where(stat => stat.GrainId == roomGrainId).ToArray();
        Assert.Single(activations);
    }

    internal static Actor User(string nickname) => new(Guid.NewGuid(), nickname, IsAdmin: false);

    internal static RoomDraft Draft(int capacity) =>
        new("MEAL", "Across silos", "Two silos, one room", DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3)), capacity, false, []);
}
