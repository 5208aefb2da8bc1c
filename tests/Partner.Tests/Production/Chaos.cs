using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Infrastructure;
using Partner.Tests.Rooms;
using Xunit.Abstractions;

namespace Partner.Tests.Production;

/// <summary>
/// One fault at a time under a mixed load (joins, leaves, tickets, cancels, comments, reads) on 2 silos and 2 API
/// processes: the fault lands mid-load (asserted), the load reports what it saw, and afterwards nothing acknowledged
/// is missing, no room is over capacity, nobody is in two groups and no compatible pair is left waiting.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class Chaos(ProductionServers servers, ITestOutputHelper output)
{
    private const int Capacity = 6;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LoadAfterFault = TimeSpan.FromSeconds(6);
    private static readonly Dictionary<string, string?> OpenApi = new()
    {
        ["Auth__DevLogin"] = "true",
        ["Partner__RateLimits__Auth__PermitLimit"] = "1000000",
        ["Partner__RateLimits__Writes__PermitLimit"] = "1000000",

        // Rooms read back from storage, not from the API node's read model (RoomReadsAcrossNodes covers that).
        ["Partner__RoomReadModel__Enabled"] = "false",
    };

    private ProductionCluster cluster = null!;
    private SiloProcess[] silos = [];
    private ApiProcess[] apis = [];

    [Fact]
    public async Task ASiloKilledUnderMixedLoad()
    {
        await using var running = await StartAsync(servers.Database, servers.Redis);
        var load = await MixedLoad.PrepareAsync(apis, users: 40, rooms: 6);
        var (victim, _) = await RoomHosts.BusiestSiloAsync(cluster, silos, load.Rooms);

        var report = await load.RunAsync(fault: () => Task.Run(victim.Process.Kill), LoadAfterFault);

        output.WriteLine(report.Summary("kill -9 of a silo"));
        await CheckInvariantsAsync(load, apis);
    }

    [Fact]
    public async Task AnApiNodeKilledUnderMixedLoad()
    {
        await using var running = await StartAsync(servers.Database, servers.Redis);
        var load = await MixedLoad.PrepareAsync(apis, users: 40, rooms: 6);

        var report = await load.RunAsync(fault: () => Task.Run(apis[0].Process.Kill), LoadAfterFault, lost: apis[0]);

        output.WriteLine(report.Summary("kill -9 of an API node"));
        await CheckInvariantsAsync(load, [apis[1]]);
    }

    [Fact]
    public async Task MariaDbRestartedUnderMixedLoad()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var running = await StartAsync(database, servers.Redis);
        var load = await MixedLoad.PrepareAsync(apis, users: 40, rooms: 6);

        var report = await load.RunAsync(fault: async () =>
        {
            await database.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await database.StartAgainAsync();
        }, LoadAfterFault);

        output.WriteLine(report.Summary("MariaDB stopped for 2 s and restarted"));
        await CheckInvariantsAsync(load, apis);
    }

    [Fact]
    public async Task RedisRestartedUnderMixedLoad()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var running = await StartAsync(servers.Database, redis);
        var load = await MixedLoad.PrepareAsync(apis, users: 40, rooms: 6);

        var report = await load.RunAsync(fault: async () =>
        {
            await redis.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await redis.StartAgainAsync();
        }, LoadAfterFault);

        output.WriteLine(report.Summary("Redis (AOF) stopped for 2 s and restarted"));
        await CheckInvariantsAsync(load, apis);
    }

    [Fact]
    public async Task ASiloPausedPastItsProbesUnderMixedLoad()
    {
        await using var running = await StartAsync(servers.Database, servers.Redis);
        var load = await MixedLoad.PrepareAsync(apis, users: 40, rooms: 6);
        var (victim, _) = await RoomHosts.BusiestSiloAsync(cluster, silos, load.Rooms);

        // Frozen for longer than two missed 1 s probes: declared dead, then it wakes up and must step aside.
        var report = await load.RunAsync(fault: async () =>
        {
            Signal(victim.Process.Pid, "STOP");
            await Task.Delay(TimeSpan.FromSeconds(4));
            Signal(victim.Process.Pid, "CONT");
        }, LoadAfterFault);

        output.WriteLine(report.Summary("a silo paused (SIGSTOP) for 4 s"));
        await CheckInvariantsAsync(load, apis);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", $"-{signal} {pid.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private async Task<ProductionCluster> StartAsync(MariaDbServer database, RedisServer redis)
    {
        cluster = new ProductionCluster(database, redis);
        silos = await Task.WhenAll(cluster.StartSiloAsync(), cluster.StartSiloAsync());
        apis = await Task.WhenAll(cluster.StartApiAsync(OpenApi), cluster.StartApiAsync(OpenApi));
        await apis[0].WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience, body => body.Contains("2 active silo(s)", StringComparison.Ordinal));
        return cluster;
    }

    private async Task CheckInvariantsAsync(MixedLoad load, ApiProcess[] alive)
    {
        var api = alive[0];
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        using (var client = await cluster.ConnectClientAsync())
        {
            // Read back from storage, not from activations that lived through the fault.
            await client.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        }

        foreach (var room in load.Rooms)
        {
            var stored = await MixedLoad.GetAsync(api, $"/api/rooms/{room}", load.Owner.Token);
            var present = stored.GetProperty("participants").EnumerateArray().Skip(1).Select(p => p.GetProperty("nickname").GetString()!).ToHashSet();
            Assert.True(present.Count + 1 <= Capacity, $"room {room} holds {present.Count + 1} > {Capacity}");
            foreach (var user in load.Users.Where(u => u.Room == room && u.KnownInRoom.HasValue))
            {
                var known = user.KnownInRoom!.Value;
                Assert.True(known == present.Contains(user.Nickname), $"{user.Nickname} acknowledged {(known ? "in" : "out of")} room {room}, stored otherwise");
            }

            var comments = (await MixedLoad.GetAsync(api, $"/api/rooms/{room}/comments", load.Owner.Token)).EnumerateArray()
                .Select(c => c.GetProperty("commentId").GetGuid()).ToHashSet();
            Assert.All(load.Users.Where(u => u.Room == room).SelectMany(u => u.Comments), id => Assert.Contains(id, comments));
        }

        var matched = new Dictionary<Guid, Guid>();
        foreach (var user in load.Users)
        {
            var matches = (await MixedLoad.GetAsync(api, "/api/matches?method=RANDOM&size=100", user.Token)).GetProperty("items").EnumerateArray().ToArray();
            Assert.True(matches.Length <= user.TicketsPossible, $"{user.Nickname} is in {matches.Length} random groups from {user.TicketsPossible} tickets");
            foreach (var match in matches)
            {
                matched[match.GetProperty("matchId").GetGuid()] = user.UserId;
            }
        }

        var queue = await MixedLoad.GetAsync(api, $"/api/random-match/{MixedLoad.Category}", load.Owner.Token);
        Assert.True(queue.GetProperty("waitingCount").GetInt32() <= 1, $"{queue.GetProperty("waitingCount").GetInt32()} compatible tickets left waiting");
        var owner = await MixedLoad.GetAsync(api, "/api/alarms?limit=100", load.Owner.Token);
        Assert.True(owner.GetProperty("lastSeq").GetInt64() >= load.Users.Sum(u => u.JoinsAcknowledged), "every acknowledged join raised its alarm in the owner's inbox");
    }

    /// <summary>Users acting one step at a time on their room and the STUDY queue, over both API nodes, until told to stop.</summary>
    private sealed class MixedLoad
    {
        public const string Category = "STUDY";

        private readonly ApiProcess[] apis;
        private readonly ConcurrentDictionary<string, int> outcomes = new();

        private MixedLoad(ApiProcess[] apis, Actor owner, Guid[] rooms, Actor[] users) => (this.apis, Owner, Rooms, Users) = (apis, owner, rooms, users);

        public Actor Owner { get; }

        public Guid[] Rooms { get; }

        public Actor[] Users { get; }

        public static async Task<MixedLoad> PrepareAsync(ApiProcess[] apis, int users, int rooms)
        {
            var owner = await SignInAsync(apis[0], Guid.Empty);
            var roomIds = new List<Guid>();
            for (var i = 0; i < rooms; i++)
            {
                var created = await SendAsync(apis[0], HttpMethod.Post, "/api/rooms", owner.Token, RoomRequests.Body(capacity: Capacity));
                Assert.Equal(HttpStatusCode.Created, created.Status);
                roomIds.Add(JsonDocument.Parse(created.Body).RootElement.Id());
            }

            var actors = await Task.WhenAll(Enumerable.Range(0, users).Select(i => SignInAsync(apis[i % apis.Length], roomIds[i % rooms])));
            return new MixedLoad(apis, owner, [.. roomIds], actors);
        }

        /// <summary>
        /// Runs the load, applies <paramref name="fault"/> once a first round of writes was acknowledged, and goes on for
        /// <paramref name="after"/>; requests then avoid the <paramref name="lost"/> API node, as a load balancer would.
        /// </summary>
        public async Task<Report> RunAsync(Func<Task> fault, TimeSpan after, ApiProcess? lost = null)
        {
            var clock = Stopwatch.StartNew();
            var stop = new CancellationTokenSource();
            var warm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var acknowledged = 0;
            var faultAt = TimeSpan.MaxValue;
            var faulted = false;
            var answers = new ConcurrentBag<(TimeSpan Sent, TimeSpan Answered, int Status)>();
            var workers = Users.Select((user, i) => Task.Run(async () =>
            {
                var random = new Random(i);
                for (var step = 0; !stop.IsCancellationRequested; step++)
                {
                    var api = apis[(i + step) % apis.Length];
                    api = faulted && api == lost ? apis.First(a => a != lost) : api;
                    var sent = clock.Elapsed;
                    var status = await user.ActAsync(api, random);
                    answers.Add((sent, clock.Elapsed, status));
                    outcomes.AddOrUpdate(status == 0 ? "no answer" : status.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    if (status is >= 200 and < 300 && Interlocked.Increment(ref acknowledged) >= Users.Length)
                    {
                        warm.TrySetResult();
                    }
                }
            })).ToArray();

            await warm.Task.WaitAsync(Patience);
            faultAt = clock.Elapsed;
            var faulting = fault();
            faulted = true;
            await faulting;
            await Task.Delay(after);
            stop.Cancel();
            await Task.WhenAll(workers);

            var all = answers.ToArray();
            var inFlight = all.Count(a => a.Sent < faultAt && a.Answered > faultAt);
            // Recovery: the last moment a request sent was refused. (Calls caught in flight end by the response timeout, later.)
            var failures = all.Where(a => a.Sent > faultAt && a.Status is 0 or >= 500).Select(a => a.Sent).DefaultIfEmpty(faultAt).Max();
            var longestHang = all.Select(a => a.Answered - a.Sent).Max();
            var lastFailures = string.Join(", ", all.Where(a => a.Sent > faultAt && a.Status is 0 or >= 500).OrderByDescending(a => a.Answered).Take(3)
                .Select(a => $"{a.Status} sent {(a.Sent - faultAt).TotalSeconds:F1} s answered {(a.Answered - faultAt).TotalSeconds:F1} s after the fault"));
            var report = new Report(all.Length, inFlight, failures - faultAt, new Dictionary<string, int>(outcomes), lastFailures);
            Assert.True(inFlight > 0, "requests were in flight when the fault landed");
            Assert.DoesNotContain(all, a => a.Status == 500);
            Assert.True(longestHang < TimeSpan.FromSeconds(10), $"a request hung {longestHang.TotalSeconds:F1} s");
            Assert.True(all.Any(a => a.Sent > failures && a.Status is >= 200 and < 300), $"no success after the last failure: {report.Summary("the fault")}");
            return report;
        }

        public static async Task<JsonElement> GetAsync(ApiProcess api, string path, string token)
        {
            var (status, body) = await SendAsync(api, HttpMethod.Get, path, token);
            Assert.True(status == HttpStatusCode.OK, $"GET {path}: {(int)status} {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }

        public static async Task<(HttpStatusCode Status, string Body)> SendAsync(ApiProcess api, HttpMethod method, string path, string? token, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            using var response = await api.Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        private static async Task<Actor> SignInAsync(ApiProcess api, Guid room)
        {
            var login = "c" + Guid.NewGuid().ToString("N")[..10];
            var (status, body) = await SendAsync(api, HttpMethod.Post, "/api/auth/dev-login", null, new { login });
            Assert.True(status == HttpStatusCode.OK, body);
            var json = JsonDocument.Parse(body).RootElement;
            return new Actor(json.GetProperty("user").GetProperty("userId").GetGuid(), login, json.GetProperty("accessToken").GetString()!, room);
        }
    }

    /// <summary>One user's steps and what the API acknowledged of them; an unanswered write makes its outcome unknown.</summary>
    private sealed class Actor(Guid userId, string nickname, string token, Guid room)
    {
        public Guid UserId { get; } = userId;

        public string Nickname { get; } = nickname;

        public string Token { get; } = token;

        public Guid Room { get; } = room;

        /// <summary>In the room or not, as last acknowledged; null once a join or leave went unanswered.</summary>
        public bool? KnownInRoom { get; private set; } = false;

        public int JoinsAcknowledged { get; private set; }

        /// <summary>Tickets acknowledged (201), plus those whose answer never came or was a 503 (perhaps after the write).</summary>
        public int TicketsPossible { get; private set; }

        public List<Guid> Comments { get; } = [];

        /// <summary>One random step; the status code, or 0 when no answer came.</summary>
        public async Task<int> ActAsync(ApiProcess api, Random random)
        {
            var action = random.Next(6);
            try
            {
                switch (action)
                {
                    case 0 or 1:
                        var join = random.Next(2) == 0;
                        var (status, _) = await MixedLoad.SendAsync(api, join ? HttpMethod.Put : HttpMethod.Delete, $"/api/rooms/{Room}/participants/me", Token);
                        if (status is HttpStatusCode.Created)
                        {
                            JoinsAcknowledged++;
                        }

                        KnownInRoom = status switch
                        {
                            HttpStatusCode.Created or HttpStatusCode.OK => true,
                            HttpStatusCode.NoContent => false,
                            HttpStatusCode.Conflict => KnownInRoom,
                            // A 503 after a call timed out may have been applied (the silo died after its write).
                            _ => null,
                        };
                        return (int)status;
                    case 2:
                        var ticket = await MixedLoad.SendAsync(api, HttpMethod.Put, $"/api/random-match/{MixedLoad.Category}/ticket", Token, new { conditions = new { } });
                        TicketsPossible += ticket.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable ? 1 : 0;
                        return (int)ticket.Status;
                    case 3:
                        return (int)(await MixedLoad.SendAsync(api, HttpMethod.Delete, $"/api/random-match/{MixedLoad.Category}/ticket", Token)).Status;
                    case 4:
                        var comment = await MixedLoad.SendAsync(api, HttpMethod.Post, $"/api/rooms/{Room}/comments", Token, new { content = "on my way" });
                        if (comment.Status == HttpStatusCode.Created)
                        {
                            Comments.Add(JsonDocument.Parse(comment.Body).RootElement.GetProperty("commentId").GetGuid());
                        }

                        return (int)comment.Status;
                    default:
                        return (int)(await MixedLoad.SendAsync(api, HttpMethod.Get, $"/api/rooms/{Room}", Token)).Status;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // No answer: the write may or may not have happened.
                KnownInRoom = action is 0 or 1 ? null : KnownInRoom;
                TicketsPossible += action == 2 ? 1 : 0;
                return 0;
            }
        }
    }

    private sealed record Report(int Requests, int InFlightAtFault, TimeSpan Recovery, Dictionary<string, int> ByStatus, string LastFailures)
    {
        public string Summary(string fault) =>
            $"{fault}: {Requests} requests, {InFlightAtFault} in flight at the fault, requests refused until {Recovery.TotalSeconds:F1} s after it; by status: " +
            string.Join(", ", ByStatus.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} × {p.Value}")) +
            (LastFailures.Length > 0 ? $"; last failures: {LastFailures}" : "");
    }
}
