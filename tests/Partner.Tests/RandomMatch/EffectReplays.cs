using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

/// <summary>A reactivated queue redoes only the effects that were not done: finished matches are not created again.</summary>
public sealed class EffectReplays : IDisposable
{
    private readonly CreateCounter creates = new();
    private readonly PartnerApiFactory factory;

    public EffectReplays()
    {
        factory = new PartnerApiFactory
        {
            Settings = QueueTestCatalog.Settings(2, 2),
            ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(creates),
        };
    }

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task DoneMatchesAreNotCreatedAgainAfterReactivation()
    {
        const string category = "Q2_0";
        var matchIds = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            var first = await factory.SignInAsync();
            var second = await factory.SignInAsync();
            await (await first.PutTicketAsync(category)).TicketAsync();
            matchIds.Add((await (await second.PutTicketAsync(category)).TicketAsync()).GetProperty("matchId").GetGuid());
        }

        await QueueTestCatalog.EventuallyAsync(() => Task.FromResult(matchIds.All(creates.Completed.ContainsKey)), "every match created");
        var late = await factory.SignInAsync();
        await (await late.PutTicketAsync(category, new { place = new[] { "GAEPO" } })).TicketAsync();
        var before = creates.Created.Values.Sum();

        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(1, (await late.QueueAsync(category)).GetProperty("waitingCount").GetInt32());

        // The reactivated queue's next effect is the probe's match; once it is done, any replay would have run before it.
        var probe = await factory.SignInAsync();
        var matched = await (await probe.PutTicketAsync(category)).TicketAsync();
        Assert.Equal("MATCHED", matched.GetProperty("status").GetString());
        var probeMatch = matched.GetProperty("matchId").GetGuid();
        await QueueTestCatalog.EventuallyAsync(() => Task.FromResult(creates.Completed.ContainsKey(probeMatch)), "the probe's match created");
        Assert.Equal(before + 1, creates.Created.Values.Sum());
    }

    private sealed class CreateCounter : IIncomingGrainCallFilter
    {
        public ConcurrentDictionary<Guid, int> Created { get; } = new();

        public ConcurrentDictionary<Guid, int> Completed { get; } = new();

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            var create = context.InterfaceMethod?.Name == "Create" && context.InterfaceMethod.DeclaringType == typeof(Partner.Matches.IMatchGrain);
            if (create)
            {
                Created.AddOrUpdate(context.TargetId.GetGuidKey(), 1, (_, n) => n + 1);
            }

            await context.Invoke();
            if (create)
            {
                Completed.AddOrUpdate(context.TargetId.GetGuidKey(), 1, (_, n) => n + 1);
            }
        }
    }
}
