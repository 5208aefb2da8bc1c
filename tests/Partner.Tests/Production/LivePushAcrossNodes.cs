using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Orleans.Streams;
using Partner.Streams;
using Partner.Tests.Alarms;
using Partner.Tests.Infrastructure;
using Partner.Tests.Live;
using Partner.Tests.Operations;

namespace Partner.Tests.Production;

/// <summary>
/// The hub on the normal deployment (2 silos, 2 API processes, MariaDB, Redis), through the real
/// SignalR client over WebSockets: the Orleans cluster is the backplane between API nodes, and
/// Resume recovers what a dead node or silo could not push.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class LivePushAcrossNodes(LivePushAcrossNodes.Deployment deployment) : IClassFixture<LivePushAcrossNodes.Deployment>, IAsyncLifetime
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(45);
    private SiloProcess[] silos = [];
    private Microsoft.Extensions.Hosting.IHost? client;
    private ApiProcess a = null!;
    private ApiProcess b = null!;

    /// <summary>
    /// The deployment, started once for the class: before each test it replaces whatever the previous test killed and
    /// waits until both silos are the cluster's only active ones, so every test starts on a whole deployment.
    /// </summary>
    public sealed class Deployment(ProductionServers servers) : IAsyncLifetime
    {
        private static readonly Dictionary<string, string?> ApiSettings = new() { ["Auth__DevLogin"] = "true" };
        private ProductionCluster cluster = null!;

        public SiloProcess[] Silos { get; private set; } = [];

        public ApiProcess A { get; private set; } = null!;

        public ApiProcess B { get; private set; } = null!;

        public Microsoft.Extensions.Hosting.IHost Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            cluster = new ProductionCluster(servers.Database, servers.Redis);
            Silos = await Task.WhenAll(cluster.StartSiloAsync(), cluster.StartSiloAsync());
            var nodes = await Task.WhenAll(cluster.StartApiAsync(ApiSettings), cluster.StartApiAsync(ApiSettings));
            (A, B) = (nodes[0], nodes[1]);
            Client = await cluster.ConnectClientAsync();
        }

        /// <summary>Starts a replacement for each silo or API process that has exited, then waits for the whole deployment.</summary>
        public async Task RestoreAsync()
        {
            Silos = await Task.WhenAll(Silos.Select(silo => silo.Process.HasExited ? cluster.StartSiloAsync() : Task.FromResult(silo)));
            var nodes = await Task.WhenAll(new[] { A, B }.Select(node => node.Process.HasExited ? cluster.StartApiAsync(ApiSettings) : Task.FromResult(node)));
            (A, B) = (nodes[0], nodes[1]);
            await A.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Recovery, body => body.Contains("2 active silo(s)", StringComparison.Ordinal));
            await B.WaitUntilAsync("/api/categories", HttpStatusCode.OK, Recovery);
            await WaitUntilOnlyTheLiveSilosAreActiveAsync();
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            await cluster.DisposeAsync();
        }

        // A killed silo stays active in the membership table until the others vote it dead.
        private async Task WaitUntilOnlyTheLiveSilosAreActiveAsync()
        {
            var management = Client.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            var deadline = DateTime.UtcNow + Recovery;
            var active = new List<string>();
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    active = (await management.GetHosts(onlyActive: true)).Keys.Select(silo => silo.ToString()).ToList();
                    if (active.Count == Silos.Length && Silos.All(silo => active.Any(silo.Hosts)))
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    active = [ex.Message];
                }

                await Task.Delay(200);
            }

            throw new TimeoutException($"the active silos did not become the live ones within {Recovery}; last: {string.Join(", ", active)}");
        }
    }

    public async Task InitializeAsync()
    {
        await deployment.RestoreAsync();
        (silos, client, a, b) = (deployment.Silos, deployment.Client, deployment.A, deployment.B);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AnAlarmRaisedThroughOneNodeReachesAClientOnTheOther()
    {
        var alice = await SignInAsync(a);
        var bob = await SignInAsync(b);
        var room = await CreateRoomAsync(a, alice);
        await using var live = await LiveClient.ConnectAsync(a, alice.Token);

        Assert.Equal(HttpStatusCode.Created, (await b.SendAsync(HttpMethod.Put, $"/api/rooms/{room}/participants/me", bob.Token)).StatusCode);

        var alarm = await live.NextAlarmAsync();
        Assert.Equal("ROOM_JOINED", alarm.GetProperty("type").GetString());
        Assert.Equal(room, alarm.GetProperty("roomId").GetGuid());
    }

    [Fact]
    public async Task ATicketMatchedThroughOneNodeReachesItsOwnerOnTheOther()
    {
        var alice = await SignInAsync(a);
        var bob = await SignInAsync(b);
        await using var live = await LiveClient.ConnectAsync(a, alice.Token);
        var ticket = new { conditions = new Dictionary<string, string[]> { ["place"] = ["SEOCHO"], ["wayOfEating"] = ["DELIVERY"] } };

        Assert.Equal(HttpStatusCode.Created, (await b.SendAsync(HttpMethod.Put, "/api/random-match/MEAL/ticket", alice.Token, ticket)).StatusCode);
        var matched = await b.SendAsync(HttpMethod.Put, "/api/random-match/MEAL/ticket", bob.Token, ticket);
        Assert.Equal(HttpStatusCode.Created, matched.StatusCode);

        // Through the queue's stream to node A, which holds alice's connection (WAITING figure updates may come first).
        var pushed = await live.NextTicketAsync(push => push.GetProperty("status").GetString() == "MATCHED");
        var answer = JsonDocument.Parse(await matched.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(answer.GetProperty("matchId").GetGuid(), pushed.GetProperty("matchId").GetGuid());
    }

    [Fact]
    public async Task AfterItsNodeDiesAClientResumesOnTheOtherWithEverythingRaisedMeanwhile()
    {
        var alice = await SignInAsync(b);
        var inbox = InboxOf(alice);
        await inbox.RaiseAsync(2);
        await using (var onA = await LiveClient.ConnectAsync(a, alice.Token, lastSeq: 2))
        {
            await inbox.RaiseAsync(1);
            Assert.Equal(3, (await onA.NextAlarmAsync()).GetProperty("seq").GetInt64());
            a.Process.Kill();
            await onA.Closed.WaitAsync(Recovery);
        }

        await inbox.RaiseAsync(4);
        await using var onB = await LiveClient.ConnectAsync(b, alice.Token, lastSeq: 3);

        Assert.Equal([4L, 5L, 6L, 7L], onB.Resumed.Select(m => m.GetProperty("seq").GetInt64()));
        await inbox.RaiseAsync(1);
        Assert.Equal(8, (await onB.NextAlarmAsync()).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task PushesGoOnAfterTheSiloHoldingTheInboxIsKilled()
    {
        var alice = await SignInAsync(a);
        var inbox = InboxOf(alice);
        await using var live = await LiveClient.ConnectAsync(a, alice.Token);
        await inbox.RaiseAsync(1);
        Assert.Equal(1, (await live.NextAlarmAsync()).GetProperty("seq").GetInt64());
        var host = await HostOfAsync(inbox);
        var heals = MetricsScrape.Sum(await a.Http.GetStringAsync("/metrics"), "partner_live_heals_total");

        host.Process.Kill();

        // Raised as soon as the cluster takes it again; every acknowledged alarm is there, pushed or resumed.
        var raised = await RaiseOnceAvailableAsync(inbox);
        var pushed = await live.NextAlarmAsync();
        var resumed = await live.Connection.InvokeAsync<JsonElement[]>("Resume", 1L);
        Assert.Equal(raised, pushed.GetProperty("seq").GetInt64());
        Assert.Equal([raised], resumed.Select(m => m.GetProperty("seq").GetInt64()));
        Assert.Equal(2, raised);
        // The node counted the loss it healed from.
        await MetricsScrape.EventuallyAboveAsync(a.Http, "/metrics", "partner_live_heals_total", heals);
    }

    [Fact]
    public async Task AStreamSubscriptionOutlivesTheSiloHoldingIt()
    {
        // A subscriber of the test's own (no healing behind it): only the subscription kept in PubSubStore can bring the push.
        var alice = await SignInAsync(a);
        var inbox = InboxOf(alice);
        var pushed = Channel.CreateUnbounded<long>();
        var stream = client!.Services.GetRequiredService<IClusterClient>().GetStreamProvider(PartnerStreams.ProviderName).GetStream<UserPush>(PartnerStreams.User(alice.UserId));
        await stream.SubscribeAsync((push, _) =>
        {
            // The user's stream is shared with the other users of its shard.
            if (push.UserId == alice.UserId && push.Alarm is { } alarm)
            {
                pushed.Writer.TryWrite(alarm.Seq);
            }

            return Task.CompletedTask;
        });
        await inbox.RaiseAsync(1);
        Assert.Equal(1, await NextAsync(pushed.Reader));
        var holder = await SubscriptionHolderAsync(alice.UserId);

        holder.Process.Kill();

        // A publish that met the dead silo's stream queue is lost (the inbox keeps the alarm; clients heal from it): raise
        // again each second until one is pushed. Were the subscription lost with the silo, none would ever be.
        var deadline = DateTime.UtcNow + Recovery;
        while (!pushed.Reader.TryRead(out _))
        {
            Assert.True(DateTime.UtcNow < deadline, "no push reached the subscriber after the silo holding its subscription died");
            await RaiseOnceAvailableAsync(inbox);
            await Task.Delay(1000);
        }
    }

    private IGrainFactory Grains => client!.Services.GetRequiredService<IGrainFactory>();

    private IAlarmInboxGrain InboxOf(SignedIn user) => Grains.GetGrain<IAlarmInboxGrain>(user.UserId);

    private async Task<SiloProcess> HostOfAsync(IAlarmInboxGrain inbox)
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var address = await management.GetActivationAddress(inbox);
        return silos.Single(s => s.Hosts(address?.ToString()));
    }

    /// <summary>The silo of the pub-sub grain that keeps the subscriptions of the user's stream.</summary>
    private async Task<SiloProcess> SubscriptionHolderAsync(Guid userId)
    {
        var activations = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var key = PartnerStreams.User(userId).ToString();
        var holder = activations.Single(s => s.GrainType.Contains("PubSubRendezvous", StringComparison.OrdinalIgnoreCase) && s.GrainId.ToString().EndsWith(key, StringComparison.OrdinalIgnoreCase));
        return silos.Single(s => s.Hosts(holder.SiloAddress.ToString()));
    }

    private static async Task<long> NextAsync(ChannelReader<long> pushes)
    {
        using var timeout = new CancellationTokenSource(Recovery);
        return await pushes.ReadAsync(timeout.Token);
    }

    private static async Task<long> RaiseOnceAvailableAsync(IAlarmInboxGrain inbox)
    {
        var deadline = DateTime.UtcNow + Recovery;
        while (true)
        {
            try
            {
                return await inbox.Raise(AlarmDrafts.RoomJoined("after the crash"));
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && ex is not DomainException)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<SignedIn> SignInAsync(ApiProcess node)
    {
        var response = await node.Http.PostAsJsonAsync("/api/auth/dev-login", new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return new SignedIn(json.RootElement.GetProperty("user").GetProperty("userId").GetGuid(), json.RootElement.GetProperty("accessToken").GetString()!);
    }

    private static async Task<Guid> CreateRoomAsync(ApiProcess node, SignedIn owner)
    {
        var response = await node.SendAsync(HttpMethod.Post, "/api/rooms", owner.Token, Rooms.RoomRequests.Body());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("roomId").GetGuid();
    }


    private sealed record SignedIn(Guid UserId, string Token);
}
