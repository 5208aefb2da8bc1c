using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Infrastructure;
using Partner.Tests.Live;
using Partner.Tests.Rooms;

namespace Partner.Tests.Production;

/// <summary>
/// Production with the silo in the API process (<c>Partner:Cluster:CoHosted</c>): two such processes on one MariaDB and
/// Redis form one cluster; a stand-alone silo joins it too.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class CoHostedNodes(CoHostedNodes.Deployment deployment) : IClassFixture<CoHostedNodes.Deployment>
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(45);

    private ProductionCluster Cluster => deployment.Cluster;

    private CoHostedProcess A => deployment.A;

    private CoHostedProcess B => deployment.B;

    /// <summary>The two co-hosted nodes, started once for the class; a test that kills one puts its restarted self in its place.</summary>
    public sealed class Deployment(ProductionServers servers) : IAsyncLifetime
    {
        private static readonly Dictionary<string, string?> Settings = new() { ["Auth__DevLogin"] = "true" };

        public ProductionCluster Cluster { get; private set; } = null!;

        public CoHostedProcess A { get; private set; } = null!;

        public CoHostedProcess B { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Cluster = new ProductionCluster(servers.Database, servers.Redis);
            var nodes = await Task.WhenAll(Cluster.StartCoHostedAsync(Settings), Cluster.StartCoHostedAsync(Settings));
            (A, B) = (nodes[0], nodes[1]);
            await Task.WhenAll(A.Api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Recovery, body => body.Contains("2 active silo(s)", StringComparison.Ordinal)),
                B.Api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Recovery, body => body.Contains("2 active silo(s)", StringComparison.Ordinal)));
        }

        /// <summary>Kills <paramref name="node"/> (no drain) and starts it again on the same HTTP, silo and gateway ports.</summary>
        public async Task<CoHostedProcess> KillAndRestartAsync(CoHostedProcess node)
        {
            node.Process.Kill();
            var restarted = await Cluster.StartCoHostedAsync(Settings, node.Api.Http.BaseAddress!.Port, node.Silo.SiloPort, node.Silo.GatewayPort);
            (A, B) = node == A ? (restarted, B) : (A, restarted);
            return restarted;
        }

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }

    [Fact]
    public async Task ARoomJoinedAcrossNodesReachesItsOwnerLiveAndOutlivesTheNodeHostingIt()
    {
        var alice = await SignInAsync(A.Api);
        var bob = await SignInAsync(B.Api);
        var room = await CreateRoomAsync(A.Api, alice);
        await using var live = await LiveClient.ConnectAsync(A.Api, alice.Token);

        var joined = await B.Api.SendAsync(HttpMethod.Put, $"/api/rooms/{room}/participants/me", bob.Token);

        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        var alarm = await live.NextAlarmAsync();
        Assert.Equal("ROOM_JOINED", alarm.GetProperty("type").GetString());
        Assert.Equal(room, alarm.GetProperty("roomId").GetGuid());
        Assert.Equal(2, await ParticipantsOnceReadAsync(A.Api, room, bob.Token));
        Assert.Equal(2, await ParticipantsOnceReadAsync(B.Api, room, bob.Token));

        // The room's grain dies with its host, un-drained; the restarted node can only read the join back from MariaDB.
        var (host, _) = await RoomHosts.BusiestSiloAsync(Cluster, [A.Silo, B.Silo], [room]);
        var (hosting, other) = host == A.Silo ? (A, B) : (B, A);
        var restarted = await deployment.KillAndRestartAsync(hosting);

        Assert.Equal(2, await ParticipantsOnceReadAsync(restarted.Api, room, bob.Token));
        Assert.Equal(2, await ParticipantsOnceReadAsync(other.Api, room, bob.Token));
    }

    [Fact]
    public async Task AStandAloneSiloJoinsTheCoHostedNodesAndServesTheirRooms()
    {
        var silo = await Cluster.StartSiloAsync();
        try
        {
            await Task.WhenAll(A.Api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Recovery, body => body.Contains("3 active silo(s)", StringComparison.Ordinal)),
                B.Api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Recovery, body => body.Contains("3 active silo(s)", StringComparison.Ordinal)));
            var alice = await SignInAsync(A.Api);
            var bob = await SignInAsync(B.Api);
            var room = await RoomPlacedOnAsync(silo, alice);

            var joined = await B.Api.SendAsync(HttpMethod.Put, $"/api/rooms/{room}/participants/me", bob.Token);

            Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
            Assert.Equal(2, await ParticipantsOnceReadAsync(A.Api, room, alice.Token));
        }
        finally
        {
            // The class's deployment goes on without it: SIGTERM, so that it leaves the cluster cleanly.
            await silo.Process.StopAsync(Recovery);
        }
    }

    /// <summary>
    /// Opens rooms through node A until Orleans places one on <paramref name="silo"/>: its resource-optimized placement prefers
    /// the calling silo (here node A's own) until the load statistics it receives from the cluster favour another.
    /// </summary>
    private async Task<Guid> RoomPlacedOnAsync(SiloProcess silo, SignedIn owner)
    {
        using var client = await Cluster.ConnectClientAsync();
        var grains = client.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + Recovery;
        while (DateTime.UtcNow < deadline)
        {
            var rooms = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CreateRoomAsync(A.Api, owner)));
            foreach (var room in rooms)
            {
                if (silo.Hosts((await management.GetActivationAddress(grains.GetGrain<Partner.Rooms.IRoomGrain>(room)))?.ToString()))
                {
                    return room;
                }
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"no room opened through node A was placed on the stand-alone silo within {Recovery}");
    }

    /// <summary>The room's participant count as <paramref name="node"/> answers it, once the node answers 200 with two participants or <see cref="Recovery"/> has passed.</summary>
    private static async Task<int> ParticipantsOnceReadAsync(ApiProcess node, Guid room, string token)
    {
        var deadline = DateTime.UtcNow + Recovery;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await node.SendAsync(HttpMethod.Get, $"/api/rooms/{room}", token);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    var count = json.RootElement.GetProperty("participantCount").GetInt32();
                    if (count == 2)
                    {
                        return count;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{node.Process} did not show the room with both participants within {Recovery}; last: {last}");
    }

    private static async Task<SignedIn> SignInAsync(ApiProcess node)
    {
        var response = await node.Http.PostAsJsonAsync("/api/auth/dev-login", new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return new SignedIn(json.RootElement.GetProperty("accessToken").GetString()!);
    }

    /// <summary>Opens a room, sending it again with its <c>Idempotency-Key</c> while the cluster answers 503 (as it may while a silo joins or leaves).</summary>
    private static async Task<Guid> CreateRoomAsync(ApiProcess node, SignedIn owner)
    {
        var key = Guid.NewGuid().ToString("N");
        var deadline = DateTime.UtcNow + Recovery;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/rooms") { Content = JsonContent.Create(RoomRequests.Body()) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
            request.Headers.Add("Idempotency-Key", key);
            using var response = await node.Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                continue;
            }

            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("roomId").GetGuid();
        }
    }


    private sealed record SignedIn(string Token);
}
