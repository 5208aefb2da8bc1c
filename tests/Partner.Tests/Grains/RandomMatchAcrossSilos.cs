using System.Collections.Immutable;
using Partner.RandomMatch;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Grains;

/// <summary>One category's queue fed through the front grains of both silos and the client at once.</summary>
[Collection(GrainCluster.Collection)]
public sealed class RandomMatchAcrossSilos(GrainCluster cluster)
{
    [Fact]
    public async Task GroupsCompatibleTicketsEnqueuedFromBothSilosEachIntoOneMatch()
    {
        var category = cluster.FreshCategory();
        var callers = cluster.Callers();
        var places = new[] { "GAEPO", "SEOCHO" };
        var users = Enumerable.Range(0, 41).Select(i => (User: new Actor(Guid.NewGuid(), $"u{i}", false), Place: places[i % 2])).ToArray();

        var results = await Task.WhenAll(users.Select((entry, i) =>
            callers[i % callers.Length].GetGrain<IRandomMatchFrontGrain>(category)
                .Enqueue(entry.User, ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("place", [entry.Place]))));

        Assert.All(results, result => Assert.True(result.Created));
        var queue = cluster.Client.GetGrain<IRandomMatchQueueGrain>(category);
        var tickets = await Task.WhenAll(users.Select(async entry => (entry.Place, (await queue.Get(entry.User.UserId)).Ticket!)));
        var matches = tickets.Where(t => t.Item2.Status == TicketStatus.Matched).GroupBy(t => t.Item2.MatchId!.Value).ToArray();
        Assert.Equal(20, matches.Length);
        Assert.All(matches, match =>
        {
            Assert.Equal(2, match.Count());
            Assert.Single(match.Select(t => t.Place).Distinct());
        });
        var waiting = Assert.Single(tickets, t => t.Item2.Status == TicketStatus.Waiting);
        Assert.Equal("GAEPO", waiting.Place);
        Assert.Equal(1, (await queue.Get(null)).WaitingCount);
    }
}
