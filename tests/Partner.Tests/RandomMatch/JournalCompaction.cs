using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Partner.RandomMatch;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

public sealed class JournalCompaction : IDisposable
{
    private readonly PartnerApiFactory factory = new()
    {
        Settings = new Dictionary<string, string?>(QueueTestCatalog.Settings(2, 2))
        {
            ["Partner:RandomMatch:SegmentEvents"] = "8",
            ["Partner:RandomMatch:MaxLiveSegments"] = "2",
            // About carrying waiting tickets: finished ones would keep their segments for the retention.
            ["Partner:RandomMatch:FinishedTicketRetention"] = "00:00:00",
        },
    };

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task OldSegmentsGoWhileWaitingTicketsKeepTheirOrderAndDeadlines()
    {
        const string category = "Q2_0";
        var cells = (from place in QueueTestCatalog.Places
                     from time in QueueTestCatalog.Times
                     from way in QueueTestCatalog.Ways
                     select new { place = new[] { place }, timeOfEating = new[] { time }, wayOfEating = new[] { way } }).ToArray();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var queue = grains.GetGrain<IRandomMatchQueueGrain>(category);

        var waiting = new List<(SignedInClient User, TicketView Ticket)>();
        for (var i = 0; i < 30; i++)
        {
            var user = await factory.SignInAsync();
            await (await user.PutTicketAsync(category, cells[i])).TicketAsync();
            waiting.Add((user, (await queue.Get(user.UserId)).Ticket!));
        }

        for (var round = 0; round < 10; round++)
        {
            for (var i = 30; i < cells.Length; i++)
            {
                var first = await factory.SignInAsync();
                var second = await factory.SignInAsync();
                await (await first.PutTicketAsync(category, cells[i])).TicketAsync();
                Assert.Equal("MATCHED", (await (await second.PutTicketAsync(category, cells[i])).TicketAsync()).GetProperty("status").GetString());
            }
        }

        var stored = await StoredSegmentsAsync(category);
        // 30 waiting tickets fill 4 segments of 8; compaction keeps at most twice that, plus the tail being filled.
        Assert.InRange(stored.Count, 4, 11);
        Assert.True(stored.Min() > 20, $"early segments should be compacted away, found {string.Join(", ", stored)}");

        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(waiting.Count, (await queue.Get(null)).WaitingCount);
        foreach (var (user, ticket) in waiting)
        {
            var now = (await queue.Get(user.UserId)).Ticket!;
            Assert.Equal(ticket.EnqueuedAt, now.EnqueuedAt);
            Assert.Equal(ticket.ExpiresAt, now.ExpiresAt);
            Assert.Equal(TicketStatus.Waiting, now.Status);
            Assert.Equal(ticket.Conditions.OrderBy(c => c.Key).Select(c => (c.Key, c.Value.Single())), now.Conditions.OrderBy(c => c.Key).Select(c => (c.Key, c.Value.Single())));
        }

        var anyone = await factory.SignInAsync();
        Assert.Equal("MATCHED", (await (await anyone.PutTicketAsync(category)).TicketAsync()).GetProperty("status").GetString());
        Assert.Null((await queue.Get(waiting[0].User.UserId)).Ticket);
        foreach (var (user, _) in waiting.Skip(1))
        {
            Assert.Equal(TicketStatus.Waiting, (await queue.Get(user.UserId)).Ticket!.Status);
        }
    }

    private async Task<List<long>> StoredSegmentsAsync(string category)
    {
        var storage = factory.Services.GetRequiredKeyedService<IGrainStorage>("Default");
        var found = new List<long>();
        for (var number = 0L; number < 1000; number++)
        {
            var segment = new GrainState<LogSegment<QueueEvent>>(new LogSegment<QueueEvent>());
            var kind = RandomMatchQueueGrain.JournalKind;
            await storage.ReadStateAsync(kind, GrainId.Create(kind, $"{category}/{number}"), segment);
            if (segment.RecordExists)
            {
                found.Add(number);
            }
        }

        return found;
    }
}
