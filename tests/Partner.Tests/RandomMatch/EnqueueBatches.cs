using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Partner.RandomMatch;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

public sealed class EnqueueBatches(QueueApi api) : IClassFixture<QueueApi>
{
    private static readonly ImmutableDictionary<string, ImmutableArray<string>> Any = ImmutableDictionary<string, ImmutableArray<string>>.Empty;
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task EachRequestOfABatchSeesTheOnesBeforeItAndABrokenRuleStaysItsOwn()
    {
        var category = factory.FreshCategory();
        var queue = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IRandomMatchQueueGrain>(category);
        var (ann, bob, carl) = (User("ann"), User("bob"), User("carl"));
        var gaepo = Any.Add("place", ["GAEPO"]);

        var (outcomes, _) = await queue.EnqueueBatch(
        [
            new EnqueueRequest(ann, gaepo, null),
            new EnqueueRequest(bob, Any.Add("weather", ["SUNNY"]), null),
            new EnqueueRequest(ann, Any.Add("place", ["SEOCHO"]), null),
            new EnqueueRequest(carl, Any, null),
            new EnqueueRequest(bob, Any.Add("place", ["SEOCHO"]), null),
        ]);

        Assert.Equal(TicketStatus.Waiting, outcomes[0].Result?.Ticket.Status);
        Assert.Equal(ErrorCodes.Validation, outcomes[1].Error?.Code);
        Assert.Equal(ErrorCodes.RandomMatchAlreadyWaiting, outcomes[2].Error?.Code);
        Assert.Equal(TicketStatus.Matched, outcomes[3].Result?.Ticket.Status);
        Assert.Equal(TicketStatus.Waiting, outcomes[4].Result?.Ticket.Status);
        var annTicket = (await queue.Get(ann.UserId)).Ticket!;
        Assert.Equal(outcomes[3].Result!.Ticket.MatchId, annTicket.MatchId);
        Assert.Equal(1, (await queue.Get(null)).WaitingCount);
    }

    [Fact]
    public async Task ConcurrentEnqueuesThroughTheFrontEachGetTheirOwnAnswer()
    {
        var category = factory.FreshCategory();
        var front = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IRandomMatchFrontGrain>(category);
        var users = Enumerable.Range(0, 200).Select(i => User($"u{i}")).ToArray();

        var results = await Task.WhenAll(users.Select((user, i) => Attempt(() => front.Enqueue(user, i % 10 == 0 ? Any.Add("weather", ["RAIN"]) : Any))));

        Assert.Equal(20, results.Count(r => r.Error?.Code == ErrorCodes.Validation));
        var tickets = results.Where(r => r.Result is not null).Select(r => r.Result!.Ticket).ToArray();
        Assert.Equal(180, tickets.Length);
        Assert.Equal(90, tickets.Count(t => t.Status == TicketStatus.Matched));
        Assert.Equal(0, (await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IRandomMatchQueueGrain>(category).Get(null)).WaitingCount);
    }

    private static Actor User(string nickname) => new(Guid.NewGuid(), nickname, IsAdmin: false);

    private static async Task<(TicketResult? Result, DomainException? Error)> Attempt(Func<Task<TicketResult>> enqueue)
    {
        try
        {
            return (await enqueue(), null);
        }
        catch (DomainException error)
        {
            return (null, error);
        }
    }
}
