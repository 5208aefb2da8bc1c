using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Partner.Tests.Api;
using Partner.Tests.Live;

namespace Partner.Tests.RandomMatch;

/// <summary>A waiting ticket says how many compatible tickets wait and when its group is expected, in answers and in pushes.</summary>
public sealed class WaitTransparency : IDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly PartnerApiFactory factory;

    public WaitTransparency()
    {
        factory = new PartnerApiFactory
        {
            Settings = QueueTestCatalog.Settings(10, 2, 3, 4),
            ExtraServices = services => services.AddKeyedSingleton<TimeProvider>(DomainClock.Key, clock),
        };
    }

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task CompatibleWaitingCountsTheOtherTicketsThatCouldJoinMine()
    {
        var category = factory.FreshCategory(size: 4);
        var gaepo = await factory.SignInAsync();
        var anywhere = await factory.SignInAsync();
        var seocho = await factory.SignInAsync();
        Assert.Equal(0, (await (await gaepo.PutTicketAsync(category, new { place = new[] { "GAEPO" } })).TicketAsync()).GetProperty("compatibleWaiting").GetInt32());
        Assert.Equal(1, (await (await anywhere.PutTicketAsync(category)).TicketAsync()).GetProperty("compatibleWaiting").GetInt32());
        Assert.Equal(1, (await (await seocho.PutTicketAsync(category, new { place = new[] { "SEOCHO" } })).TicketAsync()).GetProperty("compatibleWaiting").GetInt32());

        Assert.Equal(1, (await gaepo.QueueAsync(category)).GetProperty("ticket").GetProperty("compatibleWaiting").GetInt32());
        Assert.Equal(2, (await anywhere.QueueAsync(category)).GetProperty("ticket").GetProperty("compatibleWaiting").GetInt32());
        Assert.Equal(3, (await gaepo.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task AQueueWithoutHistoryGivesNoEstimateAndAMatchedTicketNoFigures()
    {
        var category = factory.FreshCategory(size: 2);
        var first = await (await (await factory.SignInAsync()).PutTicketAsync(category)).TicketAsync();
        Assert.False(first.TryGetProperty("estimatedWaitSeconds", out var estimate) && estimate.ValueKind != JsonValueKind.Null, "no history, no estimate");

        var matched = await (await (await factory.SignInAsync()).PutTicketAsync(category)).TicketAsync();
        Assert.Equal("MATCHED", matched.GetProperty("status").GetString());
        Assert.False(matched.TryGetProperty("compatibleWaiting", out _));
    }

    [Fact]
    public async Task RecentArrivalsGiveAnEstimateThatGrowsAsTheyAge()
    {
        var category = factory.FreshCategory(size: 2);
        for (var minute = 0; minute < 6; minute++)
        {
            // Pairs that match at once: arrivals in my cells, none left waiting.
            await (await factory.SignInAsync()).PutTicketAsync(category, new { place = new[] { "GAEPO" } });
            await (await factory.SignInAsync()).PutTicketAsync(category, new { place = new[] { "GAEPO" } });
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var me = await factory.SignInAsync();
        var ticket = await (await me.PutTicketAsync(category, new { place = new[] { "GAEPO" } })).TicketAsync();
        // 12 arrivals in 6 minutes: one every 30 s.
        Assert.InRange(ticket.GetProperty("estimatedWaitSeconds").GetInt32(), 25, 45);

        clock.Advance(TimeSpan.FromMinutes(20));
        var later = (await me.QueueAsync(category)).GetProperty("ticket").GetProperty("estimatedWaitSeconds").GetInt32();
        Assert.True(later > 60, $"after 20 quiet minutes the estimate should have grown, was {later} s");
    }

    [Fact]
    public async Task TheOwnerIsToldWhenCompatibleTicketsArriveAndNotOfAnIncompatibleOne()
    {
        var category = factory.FreshCategory(size: 4);
        var alice = await factory.SignInAsync();
        await using var phone = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        await alice.PutTicketAsync(category, new { place = new[] { "GAEPO" } });

        await (await factory.SignInAsync()).PutTicketAsync(category);
        var first = await phone.NextTicketAsync(t => t.GetProperty("status").GetString() == "WAITING");
        Assert.Equal(1, first.GetProperty("compatibleWaiting").GetInt32());

        // The spacing of pushes (at most one a second) is TicketWaitsRules' to prove: receipts here carry the stream's jitter.
        await (await factory.SignInAsync()).PutTicketAsync(category, new { place = new[] { "GAEPO", "SEOCHO" } });
        var second = await phone.NextTicketAsync(t => t.GetProperty("status").GetString() == "WAITING");
        Assert.Equal(2, second.GetProperty("compatibleWaiting").GetInt32());

        await (await factory.SignInAsync()).PutTicketAsync(category, new { place = new[] { "SEOCHO" } });
        Assert.Equal(2, (await alice.QueueAsync(category)).GetProperty("ticket").GetProperty("compatibleWaiting").GetInt32());
    }
}
