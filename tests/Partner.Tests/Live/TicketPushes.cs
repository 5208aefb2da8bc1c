using System.Net;
using System.Net.Http.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Live;

/// <summary><c>ticketUpdated</c>: every device of a ticket's owner learns how the ticket ended.</summary>
public sealed class TicketPushes(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private static readonly object Conditions = new { conditions = new { place = new[] { "GAEPO" }, typeOfStudy = new[] { "NOT_INNER_CIRCLE" } } };

    [Fact]
    public async Task BothMembersDevicesLearnTheirTicketsWereMatched()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await using var alicePhone = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        await using var bobPhone = await LiveClient.ConnectAsync(factory, bob.AccessToken);
        Assert.Equal(HttpStatusCode.Created, (await alice.Http.PutAsJsonAsync("/api/random-match/STUDY/ticket", Conditions)).StatusCode);

        var completing = await (await bob.Http.PutAsJsonAsync("/api/random-match/STUDY/ticket", Conditions)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        var matchId = completing.GetProperty("matchId").GetGuid();
        foreach (var phone in new[] { alicePhone, bobPhone })
        {
            var ticket = await phone.NextTicketAsync();
            Assert.Equal("MATCHED", ticket.GetProperty("status").GetString());
            Assert.Equal(matchId, ticket.GetProperty("matchId").GetGuid());
            Assert.Equal("STUDY", ticket.GetProperty("category").GetString());
        }
    }

    [Fact]
    public async Task ACancelOnOneDeviceReachesTheOthers()
    {
        var alice = await factory.SignInAsync();
        await using var tablet = await LiveClient.ConnectAsync(factory, alice.AccessToken);
        Assert.Equal(HttpStatusCode.Created, (await alice.Http.PutAsJsonAsync("/api/random-match/MEAL/ticket", new { conditions = new { place = new[] { "OUT_OF_CLUSTER" }, timeOfEating = new[] { "MIDNIGHT" }, wayOfEating = new[] { "TAKEOUT" } } })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync("/api/random-match/MEAL/ticket")).StatusCode);

        var ticket = await tablet.NextTicketAsync();
        Assert.Equal("CANCELLED", ticket.GetProperty("status").GetString());
        Assert.Equal("MEAL", ticket.GetProperty("category").GetString());
    }
}
