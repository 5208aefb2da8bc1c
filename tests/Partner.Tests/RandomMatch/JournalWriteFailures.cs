using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;
using Partner.Tests.Matches;

namespace Partner.Tests.RandomMatch;

/// <summary>A journal append that fails answers 503 and leaves nothing behind: the queue reloads the truth.</summary>
public sealed class JournalWriteFailures : IDisposable
{
    private readonly FaultInjection faults = new();
    private readonly PartnerApiFactory factory;

    public JournalWriteFailures()
    {
        factory = new PartnerApiFactory
        {
            Settings = QueueTestCatalog.Settings(10, 2),
            ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(faults),
        };
    }

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task AFailedEnqueueAnswers503AndQueuesNothing()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        FailNextJournalWrite(category);

        await AssertUnavailableAsync(await user.PutTicketAsync(category));

        var queue = await user.QueueAsync(category);
        Assert.Equal(0, queue.GetProperty("waitingCount").GetInt32());
        Assert.False(queue.TryGetProperty("ticket", out var ticket) && ticket.ValueKind == JsonValueKind.Object, queue.ToString());
        Assert.Equal(HttpStatusCode.Created, (await user.PutTicketAsync(category)).StatusCode);
    }

    [Fact]
    public async Task AFailedGroupLeavesTheWaitingTicketWaitingAndFormsNoMatch()
    {
        var category = factory.FreshCategory();
        var waiter = await factory.SignInAsync();
        var arrival = await factory.SignInAsync();
        await (await waiter.PutTicketAsync(category)).TicketAsync();
        FailNextJournalWrite(category);

        await AssertUnavailableAsync(await arrival.PutTicketAsync(category));

        Assert.Equal("WAITING", (await waiter.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal(1, (await arrival.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
        Assert.Empty(await waiter.MatchIdsAsync());
        var matched = await (await arrival.PutTicketAsync(category)).TicketAsync();
        Assert.Equal("MATCHED", matched.GetProperty("status").GetString());
        Assert.Equal(matched.GetProperty("matchId").GetGuid(), (await waiter.QueueAsync(category)).GetProperty("ticket").GetProperty("matchId").GetGuid());
    }

    [Fact]
    public async Task AFailedCancelLeavesTheTicketWaiting()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        await (await user.PutTicketAsync(category)).TicketAsync();
        FailNextJournalWrite(category);

        await AssertUnavailableAsync(await user.Http.DeleteAsync($"/api/random-match/{category}/ticket"));

        Assert.Equal("WAITING", (await user.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);
    }

    private void FailNextJournalWrite(string category) => faults.FailOnce(context =>
        context.InterfaceMethod?.Name == "WriteStateAsync"
        && context.Request.GetArgumentCount() > 0
        && context.Request.GetArgument(0) is string key
        && key.Contains($"partner-rmq-segment/{category}/", StringComparison.Ordinal));

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unavailable", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
