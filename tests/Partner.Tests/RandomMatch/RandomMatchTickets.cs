using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

public sealed class RandomMatchTickets(QueueApi api) : IClassFixture<QueueApi>
{
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task CreatesAWaitingTicketWith201()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var response = await user.PutTicketAsync(category, new { place = new[] { "gaepo" }, timeOfEating = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = await response.TicketAsync();
        Assert.Equal(category, ticket.GetProperty("category").GetString());
        Assert.Equal("WAITING", ticket.GetProperty("status").GetString());
        Assert.Equal("GAEPO", ticket.GetProperty("conditions").GetProperty("place")[0].GetString());
        var enqueuedAt = ticket.GetProperty("enqueuedAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromMinutes(30), ticket.GetProperty("expiresAt").GetDateTimeOffset() - enqueuedAt);

        var queue = await user.QueueAsync(category);
        Assert.Equal(1, queue.GetProperty("waitingCount").GetInt32());
        Assert.Equal("WAITING", queue.GetProperty("ticket").GetProperty("status").GetString());
    }
}
