using System.Net;
using System.Text.Json;
using Partner.Tests.Infrastructure;
using static Partner.Tests.Production.OutageScenario;

namespace Partner.Tests.Production;

/// <summary>
/// The real MariaDB stopped under a silo and an API process: every write endpoint answers 503 <c>unavailable</c>
/// with <c>Retry-After</c> (never 500), whether its grains are active or must first be read, and nothing was written.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class DatabaseOutage(ProductionServers servers)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task EveryWriteAnswers503AndWritesNothing()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var cluster = new ProductionCluster(database, servers.Redis);
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync(new Dictionary<string, string?> { ["Auth__DevLogin"] = "true" });
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);

        var scenario = await OutageScenario.PrepareAsync(api);
        var (alice, bob, carol, joined, open) = (scenario.Alice, scenario.Bob, scenario.Carol, scenario.Joined, scenario.Open);

        await database.StopAsync();

        var answers = (await scenario.SendWritesAsync()).Select(a => a.Answer).ToList();
        Assert.All(answers, answer => Assert.EndsWith(": 503 unavailable", answer));

        await database.StartAgainAsync();
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        var room = await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{joined}", alice, HttpStatusCode.OK);
        Assert.Equal("Lunch at Gaepo", room.GetProperty("title").GetString());
        Assert.Equal(2, room.GetProperty("participantCount").GetInt32());
        Assert.Equal("OPEN", room.GetProperty("status").GetString());
        var comments = await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{joined}/comments", alice, HttpStatusCode.OK);
        Assert.Equal(["Noon?"], comments.EnumerateArray().Select(c => c.GetProperty("content").GetString()));
        Assert.Equal(1, (await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{open}", alice, HttpStatusCode.OK)).GetProperty("participantCount").GetInt32());
        Assert.False((await ExpectAsync(api, HttpMethod.Get, $"/api/matches/{scenario.Match}", bob, HttpStatusCode.OK)).GetProperty("reviewedByMe").GetBoolean());
        Assert.Equal("WAITING", (await ExpectAsync(api, HttpMethod.Get, "/api/random-match/STUDY", carol, HttpStatusCode.OK)).GetProperty("ticket").GetProperty("status").GetString());
        var meal = await ExpectAsync(api, HttpMethod.Get, "/api/random-match/MEAL", bob, HttpStatusCode.OK);
        Assert.False(meal.TryGetProperty("ticket", out var ticket) && ticket.ValueKind != JsonValueKind.Null, "no ticket was queued");
        var profile = await ExpectAsync(api, HttpMethod.Get, "/api/users/me", bob, HttpStatusCode.OK);
        Assert.Equal("ACTIVE", profile.GetProperty("status").GetString());
        Assert.NotEqual("bob@down.example", profile.TryGetProperty("email", out var email) ? email.GetString() : null);
    }
}
