using System.Diagnostics;
using System.Globalization;
using System.Net;
using Partner.Tests.Infrastructure;

namespace Partner.Benchmarks;

/// <summary>
/// One shape of the deployment on its own fresh MariaDB and Redis: silo and API processes in production mode (or API processes
/// hosting a silo each), a client per API node, and a CPU sampler naming every process (<c>silo 1</c>…, <c>api 1</c>…, or
/// <c>node 1</c>… when co-hosted, <c>mariadb</c>, <c>redis</c>, <c>bench</c>).
/// Disposing stops the processes before the servers.
/// </summary>
public sealed class ScaleDeployment : IAsyncDisposable
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(90);

    private ScaleDeployment(ScaleShape shape, MariaDbServer database, RedisServer redis, ProductionCluster cluster)
    {
        Shape = shape;
        Database = database;
        Redis = redis;
        Cluster = cluster;
    }

    public ScaleShape Shape { get; }

    public MariaDbServer Database { get; }

    public RedisServer Redis { get; }

    public ProductionCluster Cluster { get; }

    public List<SiloProcess> Silos { get; } = [];

    public List<ApiProcess> Apis { get; } = [];

    /// <summary>One keep-alive pool per API node: node i is <c>Nodes[i]</c>.</summary>
    public List<PartnerClient> Nodes { get; } = [];

    public CpuSampler Sampler { get; private set; } = null!;

    private readonly Dictionary<string, Uri> metrics = [];

    /// <summary>The Orleans messages each silo and API node sent, from its <c>/metrics</c>.</summary>
    public OrleansMessages Messages => new(metrics);

    public DatabaseCounters Counters => new(Database.RootConnectionString);

    /// <summary>Every process by name; a co-hosted shape's processes are API nodes and silos at once, named <c>node 1</c>….</summary>
    public IEnumerable<(string Name, PartnerProcess Process)> Processes => Shape.CoHosted
        ? Apis.Select((a, i) => (NodeName(i), a.Process))
        : Silos.Select((s, i) => (SiloName(i), s.Process)).Concat(Apis.Select((a, i) => (ApiName(i), a.Process)));

    public static string SiloName(int i) => "silo " + (i + 1).ToString(CultureInfo.InvariantCulture);

    public static string ApiName(int i) => "api " + (i + 1).ToString(CultureInfo.InvariantCulture);

    public static string NodeName(int i) => "node " + (i + 1).ToString(CultureInfo.InvariantCulture);

    public static async Task<ScaleDeployment> StartAsync(
        ScaleShape shape, int flushLogAtTrxCommit, IReadOnlyDictionary<string, string?> apiSettings, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var startingDatabase = MariaDbServer.StartAsync(stop);
        var startingRedis = RedisServer.StartAsync(persistent: true, stop);
        var database = await startingDatabase;
        RedisServer? redis = null;
        try
        {
            redis = await startingRedis;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        var deployment = new ScaleDeployment(shape, database, redis, new ProductionCluster(database, redis));
        try
        {
            await BenchmarkRunner.SetDurabilityAsync(database, flushLogAtTrxCommit, stop);
            await deployment.StartProcessesAsync(apiSettings, stop);
            Console.WriteLine($"{shape.Name}: MariaDB on {database.Port}, Redis on {redis.Port}, silos (pids {string.Join(", ", deployment.Silos.Select(s => s.Process.Pid))}), "
                + $"API nodes{(shape.CoHosted ? " hosting a silo each" : string.Empty)} ({string.Join(", ", deployment.Apis.Select(a => $"pid {a.Process.Pid} {a.Http.BaseAddress}"))}) ready ({clock.Elapsed.TotalSeconds:0.0} s)");
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        // Processes stop before the servers, or a silo's shutdown hangs retrying its membership update.
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
        await Redis.DisposeAsync();
    }

    private async Task StartProcessesAsync(IReadOnlyDictionary<string, string?> apiSettings, CancellationToken stop)
    {
        if (!Shape.CoHosted)
        {
            var siloSettings = Enumerable.Range(0, Shape.Silos).Select(_ => new Dictionary<string, string?>(LivePush.ProductionTimeouts)
            {
                ["Partner__Metrics__Host"] = "127.0.0.1",
                ["Partner__Metrics__Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            }).ToList();
            Silos.AddRange(await Task.WhenAll(siloSettings.Select(settings => Cluster.StartSiloAsync(settings: settings))).WaitAsync(stop));
            for (var i = 0; i < Silos.Count; i++)
            {
                metrics[SiloName(i)] = new Uri($"http://127.0.0.1:{siloSettings[i]["Partner__Metrics__Port"]}/metrics");
            }
        }

        var settings = new Dictionary<string, string?>(apiSettings)
        {
            // Users sign in once per shape; on a busy machine filling a day with 10,000 rooms outlasts the default 15 minutes of a token.
            ["Auth__Jwt__AccessTokenLifetime"] = "02:00:00",
        };
        foreach (var (key, value) in LivePush.ProductionTimeouts)
        {
            settings[key] = value;
        }

        if (Shape.CoHosted)
        {
            var nodes = await Task.WhenAll(Enumerable.Range(0, Shape.Apis).Select(_ => Cluster.StartCoHostedAsync(settings))).WaitAsync(stop);
            Apis.AddRange(nodes.Select(node => node.Api));
        }
        else
        {
            Apis.AddRange(await Task.WhenAll(Enumerable.Range(0, Shape.Apis).Select(_ => Cluster.StartApiAsync(settings))).WaitAsync(stop));
        }

        var silos = Shape.Silos.ToString(CultureInfo.InvariantCulture) + " active silo(s)";
        await Task.WhenAll(Apis.Select(api => api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Ready, body => body.Contains(silos, StringComparison.Ordinal)))).WaitAsync(stop);
        Nodes.AddRange(Apis.Select(api => new PartnerClient(api.Http.BaseAddress!)));
        for (var i = 0; i < Apis.Count; i++)
        {
            metrics[Shape.CoHosted ? NodeName(i) : ApiName(i)] = new Uri(Apis[i].Http.BaseAddress!, "metrics");
        }

        var processes = new Dictionary<string, int>
        {
            ["mariadb"] = BenchmarkRunner.PidFromFile(Path.Combine(Database.DataDirectory, "mysqld.pid")),
            ["redis"] = BenchmarkRunner.PidFromFile(Path.Combine(Redis.DataDirectory, "redis.pid")),
            ["bench"] = Environment.ProcessId,
        };
        foreach (var (name, process) in Processes)
        {
            processes[name] = process.Pid;
        }

        Sampler = new CpuSampler(processes);
    }
}
