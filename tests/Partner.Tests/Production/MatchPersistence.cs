using System.Collections.Immutable;
using Partner.Matches;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class MatchPersistence(ProductionServers servers)
{
    [Fact]
    public async Task AMatchWithItsHistoryReviewsAndPointsSurvivesASiloRestartOnMariaDb()
    {
        var alice = new Actor(Guid.NewGuid(), "alice", false);
        var bob = new Actor(Guid.NewGuid(), "bob", false);
        var match = new MatchDefinition(
            Guid.NewGuid(),
            "MEAL",
            MatchMethod.Room,
            Guid.NewGuid(),
            ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("place", ["GAEPO"]),
            [new MatchMember(alice.UserId, alice.Nickname, 42), new MatchMember(bob.UserId, bob.Nickname, 10)],
            new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.FromHours(9)),
            "Lunch at Gaepo");

        await using (var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis))
        {
            await silo.Grains.GetGrain<IMatchGrain>(match.MatchId).Create(match);
            await silo.Grains.GetGrain<IMatchGrain>(match.MatchId).Review(alice, [new Review(bob.UserId, 5)]);
        }

        await using var restarted = await InProcessSilo.StartAsync(servers.Database, servers.Redis);
        var grain = restarted.Grains.GetGrain<IMatchGrain>(match.MatchId);
        var view = await grain.Get(alice);
        Assert.Equal([alice.UserId, bob.UserId], view.Members.Select(m => m.UserId));
        Assert.Equal(["GAEPO"], view.Conditions["place"].AsEnumerable());
        Assert.Equal(match.CreatedAt, view.CreatedAt);
        Assert.True(view.ReviewedByMe);
        Assert.False((await grain.Get(bob)).ReviewedByMe);
        Assert.Equal(ErrorCodes.MatchAlreadyReviewed, (await Assert.ThrowsAsync<DomainException>(() => grain.Review(alice, [new Review(bob.UserId, 1)]))).Code);

        await grain.Create(match);
        var history = await restarted.Grains.GetGrain<IUserActivityGrain>(bob.UserId).Matches(null, null, 0, 20);
        var record = Assert.Single(history.Items);
        Assert.Equal(new MatchRecord(match.MatchId, "MEAL", MatchMethod.Room, match.RoomId, match.CreatedAt, "Lunch at Gaepo", 2), record);
        Assert.Equal(42 + 20, await restarted.Grains.GetGrain<IUserActivityGrain>(alice.UserId).Score(null, null, null));
        Assert.Equal(10 + 42, await restarted.Grains.GetGrain<IUserActivityGrain>(bob.UserId).Score("MEAL", null, null));
    }
}
