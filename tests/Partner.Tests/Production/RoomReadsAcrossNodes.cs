using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Infrastructure;
using Partner.Tests.Operations;
using Xunit.Abstractions;

namespace Partner.Tests.Production;

/// <summary>
/// Room lists and details on the normal deployment (2 silos, 2 API processes): each API node answers them from its own read
/// model, kept from the room-change streams, so a change made through one node shows on the other within the freshness bound.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class RoomReadsAcrossNodes(RoomReadsAcrossNodes.Deployment deployment, ITestOutputHelper output) : IClassFixture<RoomReadsAcrossNodes.Deployment>
{
    /// <summary>The stated bound, with room for a loaded 2-core test machine; the figures printed are the measured ones.</summary>
    private static readonly TimeSpan FreshnessBound = TimeSpan.FromSeconds(1);

    private readonly ApiProcess a = deployment.A;
    private readonly ApiProcess b = deployment.B;

    public sealed class Deployment(ProductionServers servers) : IAsyncLifetime
    {
        private ProductionCluster cluster = null!;

        public ApiProcess A { get; private set; } = null!;

        public ApiProcess B { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            cluster = new ProductionCluster(servers.Database, servers.Redis);
            await Task.WhenAll(cluster.StartSiloAsync(), cluster.StartSiloAsync());
            var settings = new Dictionary<string, string?> { ["Auth__DevLogin"] = "true" };
            var nodes = await Task.WhenAll(cluster.StartApiAsync(settings), cluster.StartApiAsync(settings));
            (A, B) = (nodes[0], nodes[1]);
            await A.WaitUntilAsync("/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(45), body => body.Contains("2 active silo(s)", StringComparison.Ordinal));
            await Task.WhenAll(new[] { A, B }.Select(node => node.WaitUntilAsync("/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(45), body => body.Contains("room read model ready", StringComparison.Ordinal))));
        }

        public async Task DisposeAsync() => await cluster.DisposeAsync();
    }

    [Fact]
    public async Task JoinsThroughOneNodeShowInTheOtherNodesListAndDetailWithinTheBound()
    {
        var owner = await SignInAsync(a);
        var date = Rooms.RoomRequests.InDays(5);
        var room = await CreateRoomAsync(a, owner, date, capacity: 20);
        var list = $"/api/rooms?category=MEAL&size=100&date={date}";
        await EventuallyAsync(b, list, page => Count(page, room) == 1, TimeSpan.FromSeconds(30));

        var listed = new List<double>();
        var shown = new List<double>();
        for (var joined = 2; joined <= 16; joined++)
        {
            var guest = await SignInAsync(a);
            Assert.Equal(HttpStatusCode.Created, (await a.SendAsync(HttpMethod.Put, $"/api/rooms/{room}/participants/me", guest.Token)).StatusCode);
            var clock = Stopwatch.StartNew();
            var expected = joined;
            await EventuallyAsync(b, list, page => Count(page, room) == expected, FreshnessBound);
            listed.Add(clock.Elapsed.TotalMilliseconds);
            await EventuallyAsync(b, $"/api/rooms/{room}", detail => detail.GetProperty("participantCount").GetInt32() == expected, FreshnessBound);
            shown.Add(clock.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"a join through node A, seen on node B: list p50 {Median(listed):F0} ms, max {listed.Max():F0} ms; detail p50 {Median(shown):F0} ms, max {shown.Max():F0} ms (bound {FreshnessBound.TotalMilliseconds:F0} ms)");
    }

    [Fact]
    public async Task EditsCompletionsAndDeletionsThroughOneNodeShowOnTheOther()
    {
        var owner = await SignInAsync(a);
        var date = Rooms.RoomRequests.InDays(6);
        var edited = await CreateRoomAsync(a, owner, date, capacity: 4);
        var completed = await CreateRoomAsync(a, owner, date, capacity: 4);
        var deleted = await CreateRoomAsync(a, owner, date, capacity: 4);
        var list = $"/api/rooms?category=MEAL&size=100&date={date}";
        await EventuallyAsync(b, list, page => Lists(page, edited) && Lists(page, completed) && Lists(page, deleted), TimeSpan.FromSeconds(30));

        var edit = await a.SendAsync(HttpMethod.Put, $"/api/rooms/{edited}", owner.Token, Rooms.RoomRequests.Body(capacity: 6, date: date, title: "Dinner at Seocho"));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await a.SendAsync(HttpMethod.Put, $"/api/rooms/{completed}/participants/me", (await SignInAsync(a)).Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await a.SendAsync(HttpMethod.Post, $"/api/rooms/{completed}/match", owner.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await a.SendAsync(HttpMethod.Delete, $"/api/rooms/{deleted}", owner.Token)).StatusCode);

        await EventuallyAsync(b, $"/api/rooms/{edited}", room => room.GetProperty("title").GetString() == "Dinner at Seocho" && room.GetProperty("capacity").GetInt32() == 6, FreshnessBound);
        await EventuallyAsync(b, $"/api/rooms/{completed}", room => room.GetProperty("status").GetString() == "COMPLETED", FreshnessBound);
        await EventuallyAsync(b, $"{list}&status=completed", page => Lists(page, completed) && !Lists(page, edited), FreshnessBound);
        await EventuallyAsync(b, list, page => !Lists(page, deleted) && Lists(page, edited), FreshnessBound);
        Assert.Equal(HttpStatusCode.NotFound, (await b.Http.GetAsync($"/api/rooms/{deleted}")).StatusCode);
    }

    [Fact]
    public async Task ListsAndDetailsAreAnsweredOnTheApiNodeOnceItsReadModelIsReady()
    {
        var owner = await SignInAsync(a);
        var room = await CreateRoomAsync(a, owner, Rooms.RoomRequests.InDays(7), capacity: 4);
        await EventuallyAsync(b, $"/api/rooms/{room}", _ => true, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(0.5)); // past the exporter's scrape cache: "before" is counted after the reads above
        var before = await b.Http.GetStringAsync("/metrics");
        var node = new[] { ("answered_by", "node") };

        for (var i = 0; i < 10; i++)
        {
            (await b.Http.GetAsync("/api/rooms?category=MEAL")).EnsureSuccessStatusCode();
            (await b.Http.GetAsync($"/api/rooms/{room}")).EnsureSuccessStatusCode();
        }

        var after = await MetricsScrape.EventuallyAsync(b.Http, "/metrics", "partner_room_reads_total", MetricsScrape.Sum(before, "partner_room_reads_total", node) + 20, node);
        var grains = new[] { ("answered_by", "grains") };
        Assert.Equal(MetricsScrape.Sum(before, "partner_room_reads_total", grains), MetricsScrape.Sum(after, "partner_room_reads_total", grains));
        Assert.True(MetricsScrape.Sum(after, "partner_room_read_model_rooms") >= 1);

        // No silo was lost since the node started, so nothing made it forget what it holds (its first connection is no loss).
        Assert.Equal(0, MetricsScrape.Sum(after, "partner_live_heals_total"));
    }

    /// <summary>The room's participants as the page lists them, 0 when the page does not list it.</summary>
    private static int Count(JsonElement page, Guid roomId) =>
        page.GetProperty("items").EnumerateArray().Where(r => r.GetProperty("roomId").GetGuid() == roomId).Select(r => r.GetProperty("participantCount").GetInt32()).SingleOrDefault();

    private static bool Lists(JsonElement page, Guid roomId) => Count(page, roomId) > 0;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task EventuallyAsync(ApiProcess node, string path, Func<JsonElement, bool> seen, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < within)
        {
            var response = await node.Http.GetAsync(path);
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if (seen(json.RootElement))
                {
                    return;
                }
            }

            await Task.Delay(5);
        }

        Assert.Fail($"{path} did not show the change within {within.TotalMilliseconds:F0} ms; last answer: {last}");
    }

    private static async Task<SignedIn> SignInAsync(ApiProcess node)
    {
        var response = await node.Http.PostAsJsonAsync("/api/auth/dev-login", new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return new SignedIn(json.RootElement.GetProperty("accessToken").GetString()!);
    }

    private static async Task<Guid> CreateRoomAsync(ApiProcess node, SignedIn owner, string date, int capacity)
    {
        var response = await node.SendAsync(HttpMethod.Post, "/api/rooms", owner.Token, Rooms.RoomRequests.Body(capacity: capacity, date: date));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("roomId").GetGuid();
    }


    private sealed record SignedIn(string Token);
}
