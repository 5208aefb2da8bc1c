using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Matches;
using Partner.RandomMatch;
using Partner.Tests.Api;
using Xunit.Abstractions;

namespace Partner.Tests.RandomMatch;

public sealed class RandomMatchConcurrency(QueueApi api, ITestOutputHelper output) : IClassFixture<QueueApi>
{
    private static readonly string[][] Dimensions = [QueueTestCatalog.Places, QueueTestCatalog.Times, QueueTestCatalog.Ways];
    private static readonly string[] DimensionNames = ["place", "timeOfEating", "wayOfEating"];
    private static readonly Actor Admin = new(Guid.NewGuid(), "admin", IsAdmin: true);
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task TwoThousandUsersEnqueuingAtOnceEndInValidMatchesWithNoCompatiblePairLeft()
    {
        var category = factory.FreshCategory();
        var random = new Random(42);
        var users = await Task.WhenAll(Enumerable.Range(0, 2000).Select(_ => factory.SignInAsync()));
        var conditions = users.ToDictionary(u => u.UserId, _ => RandomConditions(random));

        var responses = await Task.WhenAll(users.Select(u => u.PutTicketAsync(category, conditions[u.UserId])));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        var queue = Queue(category);
        var tickets = new Dictionary<Guid, TicketView>();
        foreach (var user in users)
        {
            tickets[user.UserId] = (await queue.Get(user.UserId)).Ticket!;
        }

        var waiting = tickets.Where(t => t.Value.Status == TicketStatus.Waiting).Select(t => t.Key).ToArray();
        var groups = tickets.Where(t => t.Value.Status == TicketStatus.Matched).GroupBy(t => t.Value.MatchId!.Value).ToArray();
        Assert.Equal(users.Length, waiting.Length + groups.Sum(g => g.Count()));
        Assert.Equal(waiting.Length, (await queue.Get(null)).WaitingCount);
        foreach (var group in groups)
        {
            Assert.Equal(2, group.Count());
            var members = group.Select(t => t.Key).ToArray();
            Assert.True(Compatible(conditions[members[0]], conditions[members[1]]), $"match {group.Key} joined incompatible tickets");
            var match = await MatchAsync(group.Key);
            Assert.Equal(members.Order(), match.Members.Select(m => m.UserId).Order());
            Assert.Equal(MatchMethod.Random, match.Method);
            for (var d = 0; d < DimensionNames.Length; d++)
            {
                var common = Dimensions[d].Where(v => members.All(m => Accepts(conditions[m], d, v))).ToArray();
                Assert.Equal(common[0], Assert.Single(match.Conditions[DimensionNames[d]]));
            }
        }

        for (var i = 0; i < waiting.Length; i++)
        {
            for (var j = i + 1; j < waiting.Length; j++)
            {
                Assert.False(Compatible(conditions[waiting[i]], conditions[waiting[j]]), $"{waiting[i]} and {waiting[j]} are compatible but both still wait");
            }
        }

        output.WriteLine($"{groups.Length} matches, {waiting.Length} waiting");
    }

    [Fact]
    public async Task ACancelRacingTheArrivalThatCompletesItsGroupEitherWinsOrLosesWhole()
    {
        var outcomes = new List<bool>();
        for (var round = 0; round < 4; round++)
        {
            var category = factory.FreshCategory();
            var cells = Cells().ToArray();
            var pairs = await Task.WhenAll(cells.Select(async cell => (Waiter: await factory.SignInAsync(), Arrival: await factory.SignInAsync(), Cell: cell)));
            await Task.WhenAll(pairs.Select(async p => await (await p.Waiter.PutTicketAsync(category, p.Cell)).TicketAsync()));

            var raced = await Task.WhenAll(pairs.Select(async p =>
            {
                var cancel = p.Waiter.Http.DeleteAsync($"/api/random-match/{category}/ticket");
                var arrival = p.Arrival.PutTicketAsync(category, p.Cell);
                return (p.Waiter, p.Arrival, Cancel: await cancel, Arrival: await (await arrival).TicketAsync());
            }));

            foreach (var (waiter, arrivalUser, cancel, arrival) in raced)
            {
                var waiterTicket = (await Queue(category).Get(waiter.UserId)).Ticket!;
                if (cancel.StatusCode == HttpStatusCode.NoContent)
                {
                    Assert.Equal("WAITING", arrival.GetProperty("status").GetString());
                    Assert.Equal(TicketStatus.Cancelled, waiterTicket.Status);
                    outcomes.Add(true);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
                    Assert.Equal("MATCHED", arrival.GetProperty("status").GetString());
                    Assert.Equal(TicketStatus.Matched, waiterTicket.Status);
                    Assert.Equal(arrival.GetProperty("matchId").GetGuid(), waiterTicket.MatchId);
                    var match = await MatchAsync(waiterTicket.MatchId!.Value);
                    Assert.Equal(new[] { waiter.UserId, arrivalUser.UserId }.Order(), match.Members.Select(m => m.UserId).Order());
                    outcomes.Add(false);
                }
            }

            Assert.Equal(raced.Count(r => r.Cancel.StatusCode == HttpStatusCode.NoContent), (await Queue(category).Get(null)).WaitingCount);
        }

        output.WriteLine($"cancel won {outcomes.Count(o => o)} times, lost {outcomes.Count(o => !o)} times");
    }

    [Fact]
    public async Task WhenACancelWinsTheOthersKeepTheirPlace()
    {
        var category = factory.FreshCategory(3);
        var gaepo = new { place = new[] { "GAEPO" } };
        var seocho = new { place = new[] { "SEOCHO" } };
        var oldest = await factory.SignInAsync();
        var cancelling = await factory.SignInAsync();
        var arrival = await factory.SignInAsync();
        await (await oldest.PutTicketAsync(category, gaepo)).TicketAsync();
        await (await cancelling.PutTicketAsync(category)).TicketAsync();

        var cancel = cancelling.Http.DeleteAsync($"/api/random-match/{category}/ticket");
        var arrived = await (await arrival.PutTicketAsync(category, gaepo)).TicketAsync();
        var cancelled = await cancel;

        if (cancelled.StatusCode != HttpStatusCode.NoContent)
        {
            Assert.Equal(HttpStatusCode.NotFound, cancelled.StatusCode);
            Assert.Equal("MATCHED", arrived.GetProperty("status").GetString());
            Assert.Equal(TicketStatus.Matched, (await Queue(category).Get(cancelling.UserId)).Ticket!.Status);
            Assert.Equal(TicketStatus.Matched, (await Queue(category).Get(oldest.UserId)).Ticket!.Status);
            return;
        }

        Assert.Equal("WAITING", arrived.GetProperty("status").GetString());
        Assert.Equal(TicketStatus.Waiting, (await Queue(category).Get(oldest.UserId)).Ticket!.Status);
        var younger = new[] { await factory.SignInAsync(), await factory.SignInAsync() };
        foreach (var user in younger)
        {
            await (await user.PutTicketAsync(category, seocho)).TicketAsync();
        }

        var closing = await factory.SignInAsync();
        var closed = await (await closing.PutTicketAsync(category)).TicketAsync();
        Assert.Equal("MATCHED", closed.GetProperty("status").GetString());
        var match = await MatchAsync(closed.GetProperty("matchId").GetGuid());
        Assert.Equal(new[] { oldest.UserId, arrival.UserId, closing.UserId }.Order(), match.Members.Select(m => m.UserId).Order());
        foreach (var user in younger)
        {
            Assert.Equal(TicketStatus.Waiting, (await Queue(category).Get(user.UserId)).Ticket!.Status);
        }
    }

    private static IEnumerable<object> Cells() =>
        from place in QueueTestCatalog.Places
        from time in QueueTestCatalog.Times
        from way in QueueTestCatalog.Ways
        select new { place = new[] { place }, timeOfEating = new[] { time }, wayOfEating = new[] { way } };

    private static Dictionary<string, string[]> RandomConditions(Random random)
    {
        var conditions = new Dictionary<string, string[]>();
        for (var d = 0; d < Dimensions.Length; d++)
        {
            if (random.NextDouble() < 0.3)
            {
                continue;
            }

            var values = Dimensions[d].Where(_ => random.NextDouble() < 0.4).ToArray();
            conditions[DimensionNames[d]] = values.Length > 0 ? values : [Dimensions[d][random.Next(Dimensions[d].Length)]];
        }

        return conditions;
    }

    private static bool Accepts(Dictionary<string, string[]> conditions, int dimension, string value) =>
        !conditions.TryGetValue(DimensionNames[dimension], out var values) || values.Contains(value);

    private static bool Compatible(Dictionary<string, string[]> a, Dictionary<string, string[]> b) =>
        Enumerable.Range(0, Dimensions.Length).All(d => Dimensions[d].Any(v => Accepts(a, d, v) && Accepts(b, d, v)));

    private IRandomMatchQueueGrain Queue(string category) => factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IRandomMatchQueueGrain>(category);

    private async Task<MatchView> MatchAsync(Guid matchId)
    {
        var grain = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IMatchGrain>(matchId);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await grain.Get(Admin);
            }
            catch (DomainException ex) when (ex.Code == ErrorCodes.NotFound && attempt < 200)
            {
                await Task.Delay(25);
            }
        }
    }
}
