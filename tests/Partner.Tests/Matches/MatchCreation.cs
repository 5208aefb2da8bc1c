using System.Collections.Immutable;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Alarms;
using Partner.Matches;
using Partner.Tests.Api;

namespace Partner.Tests.Matches;

public sealed class MatchCreation(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task CreatingAgainDoesNotDoublePointsHistoryOrAlarms()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var match = MatchSetup.Definition([alice, bob], points: 42);
        var grain = factory.Grains().GetGrain<IMatchGrain>(match.MatchId);

        await grain.Create(match);
        await grain.Create(match);
        await grain.Create(match with { Conditions = match.Conditions.ToImmutableDictionary(), Members = [.. match.Members] });

        foreach (var member in new[] { alice, bob })
        {
            Assert.Equal([match.MatchId], await member.MatchIdsAsync());
            Assert.Equal(42, await member.ScoreAsync());
            var alarm = Assert.Single(await MatchAlarmsAsync(member.UserId, match.MatchId));
            Assert.Equal(AlarmIds.MatchConfirmed(match.MatchId, member.UserId), alarm.AlarmId);
            Assert.Equal(match.RoomId, alarm.RoomId);
        }
    }

    [Fact]
    public async Task EachMemberIsToldOfTheConfirmedMatch()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();

        var match = await factory.CreateMatchAsync([alice, bob, carol]);

        foreach (var member in new[] { alice, bob, carol })
        {
            var alarm = Assert.Single(await MatchAlarmsAsync(member.UserId, match.MatchId));
            Assert.Contains(match.Title, alarm.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EachMemberEarnsTheirOwnPoints()
    {
        var owner = await factory.SignInAsync();
        var guest = await factory.SignInAsync();
        var match = MatchSetup.Definition([owner, guest]);
        match = match with { Members = [match.Members[0] with { Points = 42 }, match.Members[1] with { Points = 10 }] };

        await factory.Grains().GetGrain<IMatchGrain>(match.MatchId).Create(match);

        Assert.Equal(42, await owner.ScoreAsync());
        Assert.Equal(10, await guest.ScoreAsync());
    }

    [Fact]
    public async Task ADifferentDefinitionForAnExistingMatchIsRejected()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob]);
        var grain = factory.Grains().GetGrain<IMatchGrain>(match.MatchId);

        await Assert.ThrowsAsync<DomainException>(() => grain.Create(match with { Title = "Dinner instead" }));
        await Assert.ThrowsAsync<DomainException>(() => grain.Create(match with { Members = [.. match.Members, new MatchMember(carol.UserId, "carol", 10)] }));
        await Assert.ThrowsAsync<DomainException>(() => grain.Create(match with { Conditions = match.Conditions.SetItem("place", ["SEOCHO"]) }));

        Assert.Empty(await carol.MatchIdsAsync());
        Assert.Equal("Lunch at Gaepo", (await alice.Http.GetFromJsonAsync<JsonElement>("/api/matches")).GetProperty("items")[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task AMatchNeedsTwoDistinctMembersAndItsOwnId()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var grains = factory.Grains();
        var alone = MatchSetup.Definition([alice]);
        var twice = MatchSetup.Definition([alice, alice]);
        var valid = MatchSetup.Definition([alice, bob]);

        Assert.Equal("validation", (await Assert.ThrowsAsync<DomainException>(() => grains.GetGrain<IMatchGrain>(alone.MatchId).Create(alone))).Code);
        Assert.Equal("validation", (await Assert.ThrowsAsync<DomainException>(() => grains.GetGrain<IMatchGrain>(twice.MatchId).Create(twice))).Code);
        Assert.Equal("validation", (await Assert.ThrowsAsync<DomainException>(() => grains.GetGrain<IMatchGrain>(Guid.NewGuid()).Create(valid))).Code);

        Assert.Empty(await alice.MatchIdsAsync());
        Assert.Equal(0, await alice.ScoreAsync());
        var unknown = await Assert.ThrowsAsync<DomainException>(() => grains.GetGrain<IMatchGrain>(alone.MatchId).Get(new Actor(alice.UserId, "alice", false)));
        Assert.Equal("not-found", unknown.Code);
    }

    private async Task<Alarm[]> MatchAlarmsAsync(Guid userId, Guid matchId)
    {
        var page = await factory.Grains().GetGrain<IAlarmInboxGrain>(userId).List(null, 50);
        return [.. page.Items.Where(a => a.Type == AlarmType.MatchConfirmed && a.MatchId == matchId)];
    }
}
