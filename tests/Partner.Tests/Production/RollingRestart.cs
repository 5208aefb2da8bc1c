using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Infrastructure;
using Partner.Tests.Rooms;
using Xunit.Abstractions;

namespace Partner.Tests.Production;

/// <summary>
/// A rolling restart under a light steady load on two API nodes over two silos: one silo stopped with SIGTERM and
/// started again, then one API node. Clients move to the other node when a connection is refused or dropped, as a load
/// balancer would; no request is answered 5xx or lost.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class RollingRestart(ProductionServers servers, ITestOutputHelper output)
{
    private const int Workers = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NoRequestFailsWhileASiloAndThenAnApiNodeRestart()
    {
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        var silos = await Task.WhenAll(cluster.StartSiloAsync(), cluster.StartSiloAsync());
        var settings = new Dictionary<string, string?> { ["Auth__DevLogin"] = "true", ["Partner__RateLimits__Writes__PermitLimit"] = "1000000" };
        var apiPort = FreePort.Next();
        var nodes = await Task.WhenAll(cluster.StartApiAsync(settings, httpPort: apiPort), cluster.StartApiAsync(settings));
        foreach (var node in nodes)
        {
            await node.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        }

        using var a = new HttpClient { BaseAddress = nodes[0].Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var b = new HttpClient { BaseAddress = nodes[1].Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        HttpClient[] balancer = [a, b];
        var owner = await SignInAsync(a);
        var failures = new ConcurrentQueue<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answered = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Workers).Select(async worker =>
        {
            var me = await SignInAsync(balancer[worker % 2]);
            var room = await CreateRoomAsync(a, owner);
            for (var i = worker; !stop.IsCancellationRequested; i++)
            {
                foreach (var (method, path) in new[] { (HttpMethod.Put, $"/api/rooms/{room}/participants/me"), (HttpMethod.Get, $"/api/rooms/{room}"), (HttpMethod.Delete, $"/api/rooms/{room}/participants/me") })
                {
                    var status = await SendWithFailoverAsync(balancer, i, method, path, me, failures, clock);
                    if (status is { } answer)
                    {
                        Interlocked.Increment(ref answered);
                        if ((int)answer >= 500)
                        {
                            failures.Enqueue($"{clock.Elapsed.TotalSeconds:F1} s: {method} {path}: {(int)answer}");
                        }
                    }
                }

                await Task.Delay(20);
            }
        }).ToList();

        var phases = new List<string>();
        await WhileLoadRunsAsync(() => Volatile.Read(ref answered), load);
        var beforeSilo = Volatile.Read(ref answered);
        phases.Add($"load running {clock.Elapsed.TotalSeconds:F1} s");
        await silos[0].Process.StopAsync(Drain);
        phases.Add($"silo stopped {clock.Elapsed.TotalSeconds:F1} s");
        await cluster.StartSiloAsync(silos[0].SiloPort, silos[0].GatewayPort);
        phases.Add($"silo back {clock.Elapsed.TotalSeconds:F1} s");
        await WhileLoadRunsAsync(() => Volatile.Read(ref answered), load);
        var beforeApi = Volatile.Read(ref answered);
        await nodes[0].Process.StopAsync(Drain);
        phases.Add($"API node stopped {clock.Elapsed.TotalSeconds:F1} s");
        var restarted = await cluster.StartApiAsync(settings, httpPort: apiPort);
        await restarted.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        phases.Add($"API node back {clock.Elapsed.TotalSeconds:F1} s");
        await WhileLoadRunsAsync(() => Volatile.Read(ref answered), load);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        output.WriteLine($"answered {answered} requests ({beforeSilo} before the silo restart, {beforeApi} before the API node restart); {string.Join(", ", phases)}");
        // What the API nodes said of each 503 (its causes' types), so a failure names its cause, and of each call they sent again.
        foreach (var node in nodes.Append(restarted))
        {
            using var reader = new StreamReader(new FileStream(node.Process.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            foreach (var line in (await reader.ReadToEndAsync()).Split('\n').Where(line => line.Contains("Answered 503", StringComparison.Ordinal) || line.Contains("sending it again", StringComparison.Ordinal)).Take(10))
            {
                output.WriteLine($"{node.Process.Name}: {line}");
            }
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failed requests ({string.Join(", ", phases)}):\n{string.Join('\n', failures.Take(20))}");
        Assert.True(beforeSilo >= 50 && beforeApi >= beforeSilo + 50 && answered >= beforeApi + 50, $"the load ran throughout: {beforeSilo}, {beforeApi}, {answered}");
    }

    /// <summary>Returns once 50 more requests were answered (the load runs), or throws what stopped the load.</summary>
    private static async Task WhileLoadRunsAsync(Func<int> answered, List<Task> load)
    {
        var target = answered() + 50;
        var deadline = DateTime.UtcNow + Patience;
        while (answered() < target)
        {
            if (load.Find(task => task.IsFaulted) is { } faulted)
            {
                await faulted;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the load stalled at {answered()} answers");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends to one node, and to the other when the first refuses or drops the connection; null (and a failure) if neither answers.</summary>
    private static async Task<HttpStatusCode?> SendWithFailoverAsync(HttpClient[] nodes, int turn, HttpMethod method, string path, string token, ConcurrentQueue<string> failures, System.Diagnostics.Stopwatch clock)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var node = nodes[(turn + attempt) % nodes.Length];
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await node.SendAsync(request);
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                // What a load balancer sees of a node that stopped listening: try the next one.
            }
        }

        failures.Enqueue($"{clock.Elapsed.TotalSeconds:F1} s: {method} {path}: no node answered");
        return null;
    }

    private static async Task<string> SignInAsync(HttpClient node)
    {
        using var response = await node.PostAsJsonAsync("/api/auth/dev-login", new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("accessToken").GetString()!;
    }

    /// <summary>
    /// Setup, before any restart: the first create on a cold cluster can pass the 5 s response timeout on a busy machine
    /// (a 503); it is sent again with the same Idempotency-Key, as a client would.
    /// </summary>
    private static async Task<Guid> CreateRoomAsync(HttpClient node, string owner)
    {
        var draft = RoomRequests.Body(capacity: 10);
        var key = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/rooms") { Content = JsonContent.Create(draft) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner);
            request.Headers.Add("Idempotency-Key", key);
            using var response = await node.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 3)
            {
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            return JsonDocument.Parse(body).RootElement.GetProperty("roomId").GetGuid();
        }
    }
}
