using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;
using Partner.Tests.Matches;

namespace Partner.Tests.RandomMatch;

public sealed class RandomMatchGrouping(QueueApi api) : IClassFixture<QueueApi>
{
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task TheLastCompatibleTicketFormsAMatchThatBothMembersSee()
    {
        var category = factory.FreshCategory();
        var ann = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await (await ann.PutTicketAsync(category, new { place = new[] { "OUT_OF_CLUSTER", "SEOCHO" } })).TicketAsync();

        var response = await bob.PutTicketAsync(category, new { place = new[] { "SEOCHO", "OUT_OF_CLUSTER" }, timeOfEating = new[] { "DINNER", "LUNCH" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = await response.TicketAsync();
        Assert.Equal("MATCHED", ticket.GetProperty("status").GetString());
        var matchId = ticket.GetProperty("matchId").GetGuid();
        var annTicket = (await ann.QueueAsync(category)).GetProperty("ticket");
        Assert.Equal("MATCHED", annTicket.GetProperty("status").GetString());
        Assert.Equal(matchId, annTicket.GetProperty("matchId").GetGuid());
        Assert.Equal(0, (await bob.QueueAsync(category)).GetProperty("waitingCount").GetInt32());

        foreach (var member in new[] { ann, bob })
        {
            var match = await QueueTestCatalog.EventuallyAsync(() => MatchAsync(member, matchId), "the match");
            Assert.Equal("RANDOM", match.GetProperty("method").GetString());
            Assert.Equal(category, match.GetProperty("category").GetString());
            var conditions = match.GetProperty("conditions");
            Assert.Equal("SEOCHO", conditions.GetProperty("place")[0].GetString());
            Assert.Equal("LUNCH", conditions.GetProperty("timeOfEating")[0].GetString());
            Assert.Equal("DELIVERY", conditions.GetProperty("wayOfEating")[0].GetString());
            Assert.Equal(new[] { ann.UserId, bob.UserId }.Order(), match.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetGuid()).Order());
            var alarm = await QueueTestCatalog.EventuallyAsync(() => AlarmAsync(member, "MATCH_CONFIRMED"), "MATCH_CONFIRMED");
            Assert.Equal(matchId, alarm.GetProperty("matchId").GetGuid());
            var history = await member.Http.GetFromJsonAsync<JsonElement>("/api/matches?method=RANDOM");
            var entry = Assert.Single(history.GetProperty("items").EnumerateArray());
            Assert.Equal(matchId, entry.GetProperty("matchId").GetGuid());
            Assert.Equal($"Random {category} match (SEOCHO, LUNCH, DELIVERY)", entry.GetProperty("title").GetString());
            Assert.Equal(10, await member.ScoreAsync($"?category={category}"));
        }
    }

    [Fact]
    public async Task IncompatibleTicketsKeepWaiting()
    {
        var category = factory.FreshCategory();
        var ann = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await (await ann.PutTicketAsync(category, new { place = new[] { "GAEPO" }, wayOfEating = new[] { "DELIVERY" } })).TicketAsync();
        var ticket = await (await bob.PutTicketAsync(category, new { place = new[] { "GAEPO" }, wayOfEating = new[] { "EATOUT", "TAKEOUT" } })).TicketAsync();

        Assert.Equal("WAITING", ticket.GetProperty("status").GetString());
        Assert.Equal(2, (await bob.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task TheOldestCompatibleTicketIsMatchedFirst()
    {
        var category = factory.FreshCategory();
        var gaepo = await factory.SignInAsync();
        var seocho = await factory.SignInAsync();
        var anywhere = await factory.SignInAsync();
        var later = await factory.SignInAsync();
        await (await gaepo.PutTicketAsync(category, new { place = new[] { "GAEPO" } })).TicketAsync();
        await (await seocho.PutTicketAsync(category, new { place = new[] { "SEOCHO" } })).TicketAsync();

        var first = await (await anywhere.PutTicketAsync(category)).TicketAsync();
        Assert.Equal(first.GetProperty("matchId").GetGuid(), (await gaepo.QueueAsync(category)).GetProperty("ticket").GetProperty("matchId").GetGuid());
        Assert.Equal("WAITING", (await seocho.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());

        var second = await (await later.PutTicketAsync(category)).TicketAsync();
        Assert.Equal(second.GetProperty("matchId").GetGuid(), (await seocho.QueueAsync(category)).GetProperty("ticket").GetProperty("matchId").GetGuid());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task AGroupFormsWhenItsLastCompatibleTicketArrives(int size)
    {
        var category = factory.FreshCategory(size);
        var users = new List<SignedInClient>();
        for (var i = 0; i < size + 1; i++)
        {
            users.Add(await factory.SignInAsync());
        }

        // The odd one out accepts only SEOCHO; everyone else accepts GAEPO, and the oldest also SEOCHO.
        await (await users[0].PutTicketAsync(category, new { place = new[] { "GAEPO", "SEOCHO" } })).TicketAsync();
        await (await users[1].PutTicketAsync(category, new { place = new[] { "SEOCHO" } })).TicketAsync();
        for (var i = 2; i < size; i++)
        {
            var waiting = await (await users[i].PutTicketAsync(category, new { place = new[] { "GAEPO" } })).TicketAsync();
            Assert.Equal("WAITING", waiting.GetProperty("status").GetString());
        }

        var last = await (await users[size].PutTicketAsync(category, new { place = new[] { "GAEPO", "OUT_OF_CLUSTER" } })).TicketAsync();
        Assert.Equal("MATCHED", last.GetProperty("status").GetString());
        var matchId = last.GetProperty("matchId").GetGuid();
        var members = users.Where((_, i) => i != 1).ToArray();
        foreach (var member in members)
        {
            Assert.Equal(matchId, (await member.QueueAsync(category)).GetProperty("ticket").GetProperty("matchId").GetGuid());
        }

        Assert.Equal("WAITING", (await users[1].QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
        var match = await QueueTestCatalog.EventuallyAsync(() => MatchAsync(members[0], matchId), "the match");
        Assert.Equal(size, match.GetProperty("members").GetArrayLength());
        Assert.Equal("GAEPO", match.GetProperty("conditions").GetProperty("place")[0].GetString());
    }

    [Fact]
    public async Task AMatchedUserCanQueueAgain()
    {
        var category = factory.FreshCategory();
        var ann = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await (await ann.PutTicketAsync(category)).TicketAsync();
        await (await bob.PutTicketAsync(category)).TicketAsync();

        var again = await ann.PutTicketAsync(category);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("WAITING", (await again.TicketAsync()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKeyReturnsTheFirstTicketEvenOnceMatched()
    {
        var category = factory.FreshCategory();
        var ann = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await PutWithKeyAsync(ann, category, key)).StatusCode);
        var matched = await (await bob.PutTicketAsync(category)).TicketAsync();

        var retried = await PutWithKeyAsync(ann, category, key);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var ticket = await retried.TicketAsync();
        Assert.Equal("MATCHED", ticket.GetProperty("status").GetString());
        Assert.Equal(matched.GetProperty("matchId").GetGuid(), ticket.GetProperty("matchId").GetGuid());
        Assert.Equal(0, (await ann.QueueAsync(category)).GetProperty("waitingCount").GetInt32());

        var fresh = await PutWithKeyAsync(ann, category, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, fresh.StatusCode);
        Assert.Equal("WAITING", (await fresh.TicketAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnOverlongIdempotencyKeyIsRefusedNamingIt()
    {
        var user = await factory.SignInAsync();
        var category = factory.FreshCategory();
        var response = await PutWithKeyAsync(user, category, new string('k', 201));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), problem.ToString());
        Assert.Equal(0, (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task AFinishedTicketStaysVisibleAcrossReactivation()
    {
        var category = factory.FreshCategory();
        var ann = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carl = await factory.SignInAsync();
        await (await ann.PutTicketAsync(category)).TicketAsync();
        var matched = await (await bob.PutTicketAsync(category)).TicketAsync();
        await (await carl.PutTicketAsync(category, new { place = new[] { "GAEPO" } })).TicketAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await carl.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);

        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        foreach (var member in new[] { ann, bob })
        {
            var ticket = (await member.QueueAsync(category)).GetProperty("ticket");
            Assert.Equal("MATCHED", ticket.GetProperty("status").GetString());
            Assert.Equal(matched.GetProperty("matchId").GetGuid(), ticket.GetProperty("matchId").GetGuid());
        }

        Assert.Equal("CANCELLED", (await carl.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
    }

    private static Task<HttpResponseMessage> PutWithKeyAsync(SignedInClient user, string category, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/random-match/{category}/ticket") { Content = JsonContent.Create(new { conditions = new { } }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return user.Http.SendAsync(request);
    }

    private static async Task<JsonElement?> MatchAsync(SignedInClient member, Guid matchId)
    {
        var response = await member.Http.GetAsync($"/api/matches/{matchId}");
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    private static async Task<JsonElement?> AlarmAsync(SignedInClient member, string type)
    {
        var alarms = await member.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        return alarms.GetProperty("items").EnumerateArray().Where(a => a.GetProperty("type").GetString() == type).Select(a => (JsonElement?)a).FirstOrDefault();
    }
}
