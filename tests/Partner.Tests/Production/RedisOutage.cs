using System.Net;
using Partner.Tests.Infrastructure;
using static Partner.Tests.Production.OutageScenario;

namespace Partner.Tests.Production;

/// <summary>
/// The real Redis (cluster membership, the API's data-protection keys) stopped under a silo and an API process:
/// the running cluster goes on, so every write endpoint answers as it would (or 503 <c>unavailable</c> with
/// <c>Retry-After</c>), never 500; what was acknowledged is there once Redis is back.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class RedisOutage(ProductionServers servers, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task EveryWriteAnswersWithoutA500AndWhatWasAcknowledgedStays()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var cluster = new ProductionCluster(servers.Database, redis);
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync(new Dictionary<string, string?> { ["Auth__DevLogin"] = "true" });
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        var scenario = await OutageScenario.PrepareAsync(api);

        await redis.StopAsync();
        // The signal that the outage is seen: readiness names Redis.
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.ServiceUnavailable, Patience);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var answers = await scenario.SendWritesAsync();
        output.WriteLine($"{answers.Count} writes with Redis down in {watch.Elapsed.TotalSeconds:0.0} s:");
        answers.ForEach(a => output.WriteLine("  " + a.Answer));
        Assert.All(answers, a => Assert.True(a.Status < 500 || a.Answer.EndsWith(": 503 unavailable", StringComparison.Ordinal), a.Answer));
        Assert.Contains(answers, a => a.Status < 300);

        await redis.StartAgainAsync();
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        var acknowledged = answers.Where(a => a.Status < 300).Select(a => a.Answer).ToHashSet();
        bool Done(string prefix) => acknowledged.Any(a => a.StartsWith(prefix, StringComparison.Ordinal));

        var room = await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{scenario.Joined}", scenario.Alice, HttpStatusCode.OK);
        if (Done($"PUT /api/rooms/{scenario.Joined}:"))
        {
            Assert.Equal("Changed while down", room.GetProperty("title").GetString());
        }

        var comments = await ExpectAsync(api, HttpMethod.Get, $"/api/rooms/{scenario.Joined}/comments", scenario.Alice, HttpStatusCode.OK);
        if (Done($"POST /api/rooms/{scenario.Joined}/comments:"))
        {
            Assert.Contains("Written while down", comments.EnumerateArray().Select(c => c.TryGetProperty("content", out var content) ? content.GetString() : null));
        }

        if (Done($"DELETE /api/rooms/{scenario.Open}:"))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await api.Http.GetAsync($"/api/rooms/{scenario.Open}")).StatusCode);
        }
    }
}
