using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.RandomMatch;
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
        Assert.Equal(["GAEPO"], ticket.GetProperty("conditions").GetProperty("place").EnumerateArray().Select(v => v.GetString()));
        Assert.False(ticket.GetProperty("conditions").TryGetProperty("timeOfEating", out _), "an empty dimension means any value");
        var enqueuedAt = ticket.GetProperty("enqueuedAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromMinutes(30), ticket.GetProperty("expiresAt").GetDateTimeOffset() - enqueuedAt);

        var queue = await user.QueueAsync(category);
        Assert.Equal(1, queue.GetProperty("waitingCount").GetInt32());
        Assert.Equal("WAITING", queue.GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal(enqueuedAt, queue.GetProperty("ticket").GetProperty("enqueuedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task TheSameConditionsAgainAnswer200WithTheWaitingTicket()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var first = await (await user.PutTicketAsync(category, new { place = new[] { "SEOCHO", "GAEPO" }, wayOfEating = Array.Empty<string>() })).TicketAsync();

        var again = await user.PutTicketAsync(category, new { place = new[] { "gaepo", "seocho", "GAEPO" } });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var ticket = await again.TicketAsync();
        Assert.Equal(first.GetProperty("enqueuedAt").GetDateTimeOffset(), ticket.GetProperty("enqueuedAt").GetDateTimeOffset());
        Assert.Equal(1, (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task DifferentConditionsWhileWaitingAnswer409()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.Created, (await user.PutTicketAsync(category, new { place = new[] { "SEOCHO" } })).StatusCode);

        var response = await user.PutTicketAsync(category, new { place = new[] { "GAEPO" } });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("random-match.already-waiting", problem.GetProperty("code").GetString());
        var queue = await user.QueueAsync(category);
        Assert.Equal(["SEOCHO"], queue.GetProperty("ticket").GetProperty("conditions").GetProperty("place").EnumerateArray().Select(v => v.GetString()));
    }

    [Theory]
    [InlineData("{\"conditions\":{\"mood\":[\"CALM\"]}}", "conditions.mood")]
    [InlineData("{\"conditions\":{\"weather\":[\"SUNNY\"]}}", "conditions.weather")]
    [InlineData("{\"conditions\":{\"place\":[\"JEJU\"]}}", "conditions.place")]
    public async Task RefusesConditionsRandomMatchingDoesNotUseNamingTheField(string body, string field)
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var response = await user.Http.PutAsync($"/api/random-match/{category}/ticket", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
        Assert.Equal(0, (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task AnUnknownCategoryIsRefusedNamingIt()
    {
        var user = await factory.SignInAsync();
        var response = await user.PutTicketAsync("EXERCISE");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("category", out _), problem.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await factory.CreateClient().GetAsync("/api/random-match/EXERCISE")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await factory.CreateClient().GetAsync("/api/random-match/not-a-category")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await factory.CreateClient().GetAsync($"/api/random-match/{new string('M', 65)}")).StatusCode);
    }

    [Fact]
    public async Task TheCategoryIsCaseInsensitiveAndNamesOneQueue()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.Created, (await user.PutTicketAsync(category.ToLowerInvariant())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.PutTicketAsync(category)).StatusCode);
        Assert.Equal(1, (await user.QueueAsync(category.ToLowerInvariant())).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task AMissingBodyWaitsForAnyone()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var response = await user.Http.PutAsync($"/api/random-match/{category}/ticket", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Empty((await response.TicketAsync()).GetProperty("conditions").EnumerateObject());
    }

    [Fact]
    public async Task CancelAnswers204AndTheTicketShowsCancelled()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        await (await user.PutTicketAsync(category)).TicketAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);
        var queue = await user.QueueAsync(category);
        Assert.Equal(0, queue.GetProperty("waitingCount").GetInt32());
        Assert.Equal("CANCELLED", queue.GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await user.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await user.PutTicketAsync(category, new { place = new[] { "GAEPO" } })).StatusCode);
    }

    [Fact]
    public async Task CancelWithNothingWaitingAnswers404()
    {
        var user = await factory.SignInAsync();
        var response = await user.Http.DeleteAsync($"/api/random-match/{factory.FreshCategory()}/ticket");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not-found", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnonymousCallersSeeTheCountButNoTicketAndCannotWrite()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        await (await user.PutTicketAsync(category)).TicketAsync();
        var anonymous = factory.CreateClient();

        var queue = await anonymous.GetFromJsonAsync<JsonElement>($"/api/random-match/{category}");
        Assert.Equal(1, queue.GetProperty("waitingCount").GetInt32());
        Assert.True(!queue.TryGetProperty("ticket", out var ticket) || ticket.ValueKind == JsonValueKind.Null, queue.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync($"/api/random-match/{category}/ticket", new { conditions = new { } })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);
    }

    [Fact]
    public async Task WithdrawingCancelsWaitingTicketsInEveryCategory()
    {
        string[] categories = [factory.FreshCategory(), factory.FreshCategory(3)];
        var user = await factory.SignInAsync();
        foreach (var category in categories)
        {
            await (await user.PutTicketAsync(category)).TicketAsync();
        }

        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync("/api/users/me")).StatusCode);

        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        foreach (var category in categories)
        {
            var queue = await grains.GetGrain<IRandomMatchQueueGrain>(category).Get(user.UserId);
            Assert.Equal(0, queue.WaitingCount);
            Assert.Equal(TicketStatus.Cancelled, queue.Ticket?.Status);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await user.PutTicketAsync(categories[0])).StatusCode);
    }

    [Fact]
    public async Task WaitingTicketsSurviveReactivationWithTheirOrderAndDeadlines()
    {
        var category = factory.FreshCategory();
        var first = await factory.SignInAsync();
        var second = await factory.SignInAsync();
        var a = await (await first.PutTicketAsync(category, new { place = new[] { "GAEPO" }, timeOfEating = new[] { "LUNCH" } })).TicketAsync();
        var b = await (await second.PutTicketAsync(category, new { place = new[] { "SEOCHO" }, timeOfEating = new[] { "LUNCH" } })).TicketAsync();

        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var queue = await first.QueueAsync(category);
        Assert.Equal(2, queue.GetProperty("waitingCount").GetInt32());
        Assert.Equal(a.GetProperty("expiresAt").GetDateTimeOffset(), queue.GetProperty("ticket").GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(b.GetProperty("enqueuedAt").GetDateTimeOffset(), (await second.QueueAsync(category)).GetProperty("ticket").GetProperty("enqueuedAt").GetDateTimeOffset());

        var third = await factory.SignInAsync();
        var matched = await (await third.PutTicketAsync(category, new { timeOfEating = new[] { "LUNCH" } })).TicketAsync();
        Assert.Equal("MATCHED", matched.GetProperty("status").GetString());
        Assert.Equal("MATCHED", (await first.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal("WAITING", (await second.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
    }
}
