using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Partner.Tests.Infrastructure;

/// <summary>
/// Production mode as an operator runs it: real MariaDB and Redis, silo and API as separate
/// processes, configured only through environment variables.
/// </summary>
public sealed class ProductionCluster(MariaDbServer database, RedisServer redis) : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<PartnerProcess> processes = [];
    private readonly string clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The production signing key of this cluster's API nodes.</summary>
    public static readonly string SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));

    public string ClusterId => clusterId;

    public MariaDbServer Database => database;

    public RedisServer Redis => redis;

    /// <summary>What every process of the cluster shares: the mode, the two connection strings (failure detection is production's own default).</summary>
    public Dictionary<string, string?> CommonEnvironment() => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Partner__Mode"] = "Production",
        ["ConnectionStrings__PartnerDb"] = database.ConnectionString,
        ["ConnectionStrings__Redis"] = redis.ConnectionString,
        ["Orleans__ClusterId"] = clusterId,
        ["Auth__Jwt__SigningKey"] = SigningKey,
        ["Logging__LogLevel__Orleans"] = "Warning",
    };

    /// <summary>Starts a silo; <paramref name="settings"/> (environment variables) come on top of the common ones.</summary>
    public async Task<SiloProcess> StartSiloAsync(int? siloPort = null, int? gatewayPort = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var ports = (Silo: siloPort ?? FreePort.Next(), Gateway: gatewayPort ?? FreePort.Next());
        var environment = CommonEnvironment();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        environment["Orleans__Endpoints__SiloPort"] = ports.Silo.ToString(CultureInfo.InvariantCulture);
        environment["Orleans__Endpoints__GatewayPort"] = ports.Gateway.ToString(CultureInfo.InvariantCulture);
        environment["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1";
        var process = PartnerProcess.Start("silo", environment, $"silo-{ports.Silo}");
        processes.Add(process);
        await process.WaitForOutputAsync("is active in production mode", StartTimeout);
        return new SiloProcess(process, ports.Silo, ports.Gateway);
    }

    /// <summary>
    /// Starts an API process on one port (<paramref name="httpPort"/>, or a free one) of 127.0.0.1, and of each of
    /// <paramref name="extraLoopbackAddresses"/> (e.g. 127.0.0.2): clients spread over several addresses get more
    /// source ports than one address offers.
    /// </summary>
    public async Task<ApiProcess> StartApiAsync(IReadOnlyDictionary<string, string?>? settings = null, IReadOnlyList<string>? extraLoopbackAddresses = null, int? httpPort = null)
    {
        var port = httpPort ?? FreePort.Next();
        var environment = CommonEnvironment();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        environment["ASPNETCORE_URLS"] = string.Join(';', new[] { "127.0.0.1" }.Concat(extraLoopbackAddresses ?? [])
            .Select(address => $"http://{address}:{port.ToString(CultureInfo.InvariantCulture)}"));
        var process = PartnerProcess.Start("api", environment, $"api-{port}");
        processes.Add(process);
        var api = new ApiProcess(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) });
        await api.WaitUntilAsync("/health/live", HttpStatusCode.OK, StartTimeout);
        return api;
    }

    /// <summary>
    /// Starts an API process that hosts a production silo of this cluster (<c>Partner:Cluster:CoHosted</c>) on the given or
    /// free silo and gateway ports, serving HTTP on <paramref name="httpPort"/> or a free port; ready once its silo is active.
    /// </summary>
    public async Task<CoHostedProcess> StartCoHostedAsync(
        IReadOnlyDictionary<string, string?>? settings = null, int? httpPort = null, int? siloPort = null, int? gatewayPort = null)
    {
        var ports = (Http: httpPort ?? FreePort.Next(), Silo: siloPort ?? FreePort.Next(), Gateway: gatewayPort ?? FreePort.Next());
        var environment = CommonEnvironment();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        environment["Partner__Cluster__CoHosted"] = "true";
        environment["Orleans__Endpoints__SiloPort"] = ports.Silo.ToString(CultureInfo.InvariantCulture);
        environment["Orleans__Endpoints__GatewayPort"] = ports.Gateway.ToString(CultureInfo.InvariantCulture);
        environment["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1";
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ports.Http.ToString(CultureInfo.InvariantCulture)}";
        var process = PartnerProcess.Start("api", environment, $"cohosted-{ports.Http}");
        processes.Add(process);
        var node = new CoHostedProcess(
            new ApiProcess(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}"), Timeout = TimeSpan.FromSeconds(15) }),
            new SiloProcess(process, ports.Silo, ports.Gateway));
        await process.WaitForOutputAsync("is active in production mode", StartTimeout);
        await node.Api.WaitUntilAsync("/health/live", HttpStatusCode.OK, StartTimeout);
        return node;
    }

    /// <summary>An Orleans client in the test process, joined to the cluster through Redis like the API (with its memory streams).</summary>
    public async Task<IHost> ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client => client
            .UseRedisClustering(redis.ConnectionString)
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = clusterId;
                options.ServiceId = "partner";
            })
            .AddMemoryStreams(Partner.Streams.PartnerStreams.ProviderName));
        builder.Services.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = TimeSpan.FromSeconds(5));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        // Processes stop before the servers, or a silo's shutdown hangs retrying its membership update.
        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }
    }
}

public sealed record SiloProcess(PartnerProcess Process, int SiloPort, int GatewayPort)
{
    /// <summary>True when an Orleans silo address (e.g. "S127.0.0.1:11111:12345") is this silo's.</summary>
    public bool Hosts(string? siloAddress) =>
        siloAddress is not null && siloAddress.Contains($":{SiloPort.ToString(CultureInfo.InvariantCulture)}:", StringComparison.Ordinal);
}

/// <summary>One API process hosting a silo: the same process seen as an API node and as a silo.</summary>
public sealed record CoHostedProcess(ApiProcess Api, SiloProcess Silo)
{
    public PartnerProcess Process => Api.Process;
}

public sealed record ApiProcess(PartnerProcess Process, HttpClient Http)
{
    /// <summary>Sends <paramref name="method"/> <paramref name="path"/> with <paramref name="token"/> as its bearer and <paramref name="body"/> as JSON.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Http.SendAsync(request);
    }

    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="status"/>; returns that response's body.</summary>
    public async Task<string> WaitUntilAsync(string path, HttpStatusCode status, TimeSpan timeout, Func<string, bool>? bodyMatches = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"{Process} exited:\n{Process.Output}");
            }

            try
            {
                using var response = await Http.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {body}";
                if (response.StatusCode == status && (bodyMatches is null || bodyMatches(body)))
                {
                    return body;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{path} did not answer {(int)status} within {timeout}; last: {last}\n{Process.Output}");
    }
}
