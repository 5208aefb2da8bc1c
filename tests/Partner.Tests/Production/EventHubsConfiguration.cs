using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Partner.Silo.Hosting;
using Partner.Streams;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>
/// Event Hubs selected by configuration alone, in real silo and API processes. No hub can run here, so
/// each "hub" is a loopback port: closed (connection refused) or a listener that never answers.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class EventHubsConfiguration(ProductionServers servers)
{
    private static readonly TimeSpan FailWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SiloExitsNamingTheProviderWhenTheHubRefusesConnections()
    {
        var cluster = new ProductionCluster(servers.Database, servers.Redis);
        var clock = Stopwatch.StartNew();
        await using var silo = PartnerProcess.Start("silo", SiloEnvironment(cluster, EventHubs.Settings(FreePort.Next())), "silo-eventhubs-refused");

        var exitCode = await silo.WaitForExitAsync(FailWithin);

        Assert.True(exitCode is not null, $"the silo should have exited within {FailWithin}:\n{silo.Output}");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("The stream provider Orleans:Streaming:partner (Event Hubs hub 'partner' at 127.0.0.1:", silo.Output);
        Assert.DoesNotContain("is active in production mode", silo.Output);
        Console.WriteLine($"silo with a refusing hub exited after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task SiloExitsWithinTheBoundWhenTheHubNeverAnswers()
    {
        using var hub = new SilentHub();
        var cluster = new ProductionCluster(servers.Database, servers.Redis);
        var clock = Stopwatch.StartNew();
        await using var silo = PartnerProcess.Start("silo", SiloEnvironment(cluster, EventHubs.Settings(hub.Port)), "silo-eventhubs-silent");

        var exitCode = await silo.WaitForExitAsync(FailWithin);

        Assert.True(exitCode is not null, $"the silo should have exited within {FailWithin}:\n{silo.Output}");
        Assert.NotEqual(0, exitCode);
        Assert.True(hub.Connections > 0, "the silo never reached the hub");
        Assert.Contains("The stream provider Orleans:Streaming:partner (Event Hubs hub 'partner' at 127.0.0.1:", silo.Output);
        Assert.Contains("could not be reached within 00:00:10 (Partner:Streams:ConnectTimeout)", silo.Output);
        Console.WriteLine($"silo with a silent hub exited after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task ApiExitsNamingTheProviderWhenTheHubNeverAnswers()
    {
        using var hub = new SilentHub();
        await using var cluster = new ProductionCluster(servers.Database, servers.Redis);
        // A silo on memory streams: the API's own stream provider meets the hub only once it has joined the cluster.
        await cluster.StartSiloAsync();
        var environment = cluster.CommonEnvironment();
        foreach (var (key, value) in EventHubs.Settings(hub.Port, silo: false))
        {
            environment[key] = value;
        }

        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
        var clock = Stopwatch.StartNew();
        await using var api = PartnerProcess.Start("api", environment, "api-eventhubs-silent");

        var exitCode = await api.WaitForExitAsync(FailWithin);

        Assert.True(exitCode is not null, $"the API should have exited within {FailWithin}:\n{api.Output}");
        Assert.NotEqual(0, exitCode);
        Assert.True(hub.Connections > 0, "the API never reached the hub");
        Assert.Contains("The stream provider Orleans:Streaming:partner (Event Hubs hub 'partner' at 127.0.0.1:", api.Output);
        Console.WriteLine($"API with a silent hub exited after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task SiloRefusesToStartWithoutTheHubName()
    {
        var cluster = new ProductionCluster(servers.Database, servers.Redis);
        var settings = EventHubs.Settings(FreePort.Next());
        settings.Remove("Orleans__Streaming__partner__EventHubName");
        await using var silo = PartnerProcess.Start("silo", SiloEnvironment(cluster, settings), "silo-eventhubs-no-name");

        var exitCode = await silo.WaitForExitAsync(FailWithin);

        Assert.True(exitCode is not null, $"the silo should have exited within {FailWithin}:\n{silo.Output}");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("these settings are missing: Orleans:Streaming:partner:EventHubName (environment Orleans__Streaming__partner__EventHubName).", silo.Output);
    }

    private static Dictionary<string, string?> SiloEnvironment(ProductionCluster cluster, Dictionary<string, string?> settings)
    {
        var environment = cluster.CommonEnvironment();
        environment["Orleans__Endpoints__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        environment["Orleans__Endpoints__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        environment["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1";
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return environment;
    }
}

/// <summary>The silo's Event Hubs wiring, built but not started, and the start-up check of its settings.</summary>
public sealed class EventHubsWiring
{
    [Fact]
    public async Task SiloAcceptsACompleteConfigurationUpToConnectingToTheHub()
    {
        using var hub = new SilentHub();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(EventHubs.Configuration(hub.Port));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Partner:Streams:ConnectTimeout"] = "00:00:01" });
        builder.AddPartnerSilo();
        using var host = builder.Build();

        // What a silo checks before starting, among them Orleans' Event Hubs and checkpointer validators.
        var validators = host.Services.GetServices<IConfigurationValidator>().ToList();
        Assert.Contains(validators, validator => validator.GetType().Name == "EventHubOptionsValidator");
        Assert.Contains(validators, validator => validator.GetType().Name == "StreamCheckpointerConfigurationValidator");
        validators.ForEach(validator => validator.ValidateConfiguration());

        var factory = host.Services.GetRequiredKeyedService<IQueueAdapterFactory>(PartnerStreams.ProviderName);
        var bounded = Assert.IsType<StartBoundedQueueAdapterFactory>(factory);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bounded.CreateAdapter(CancellationToken.None));

        Assert.True(hub.Connections > 0, "the provider never reached the hub");
        Assert.StartsWith($"The stream provider Orleans:Streaming:partner (Event Hubs hub 'partner' at 127.0.0.1:{hub.Port}) could not be reached within 00:00:01", error.Message);
    }

    [Fact]
    public void ClientNeedsNoCheckpointer()
    {
        var configuration = Configure(EventHubs.Configuration(FreePort.Next(), silo: false));

        PartnerStreamProvider.RequireEventHubsSettings(configuration, silo: false);
        var error = Assert.Throws<InvalidOperationException>(() => PartnerStreamProvider.RequireEventHubsSettings(configuration, silo: true));
        Assert.Contains("Orleans:Streaming:partner:CheckpointerConnectionString (environment Orleans__Streaming__partner__CheckpointerConnectionString) or Orleans:Streaming:partner:CheckpointerConnectionName", error.Message);
    }

    [Fact]
    public void NamesTheConnectionStringThatAConnectionNamePointsTo()
    {
        var settings = EventHubs.Configuration(FreePort.Next());
        settings.Remove("Orleans:Streaming:partner:ConnectionString");
        settings["Orleans:Streaming:partner:ConnectionName"] = "Hub";

        var error = Assert.Throws<InvalidOperationException>(() => PartnerStreamProvider.RequireEventHubsSettings(Configure(settings), silo: true));

        Assert.Contains("ConnectionStrings:Hub (environment ConnectionStrings__Hub), named by Orleans:Streaming:partner:ConnectionName", error.Message);
        settings["ConnectionStrings:Hub"] = EventHubs.ConnectionString(FreePort.Next());
        PartnerStreamProvider.RequireEventHubsSettings(Configure(settings), silo: true);
    }

    [Fact]
    public void TakesTheHubNameFromTheConnectionStringsEntityPath()
    {
        var settings = EventHubs.Configuration(FreePort.Next());
        settings.Remove("Orleans:Streaming:partner:EventHubName");
        Assert.Throws<InvalidOperationException>(() => PartnerStreamProvider.RequireEventHubsSettings(Configure(settings), silo: true));

        settings["Orleans:Streaming:partner:ConnectionString"] += ";EntityPath=partner";
        PartnerStreamProvider.RequireEventHubsSettings(Configure(settings), silo: true);
    }

    private static IConfiguration Configure(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}

internal static class EventHubs
{
    /// <summary>The emulator form takes the endpoint's port as given (the cloud form always dials 5671).</summary>
    public static string ConnectionString(int port) =>
        $"Endpoint=sb://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/;SharedAccessKeyName=partner;SharedAccessKey=bm90LWEta2V5;UseDevelopmentEmulator=true";

    public static Dictionary<string, string?> Configuration(int port, bool silo = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:Streaming:partner:ProviderType"] = "EventHubs",
            ["Orleans:Streaming:partner:ConnectionString"] = ConnectionString(port),
            ["Orleans:Streaming:partner:EventHubName"] = "partner",
            ["Orleans:Streaming:partner:ConsumerGroup"] = "partner-silos",
        };
        if (silo)
        {
            // Never reached: a silo reads the checkpoint only after the hub has listed its partitions.
            settings["Orleans:Streaming:partner:CheckpointerConnectionString"] = "UseDevelopmentStorage=true";
        }

        return settings;
    }

    /// <summary><see cref="Configuration"/> as environment variables.</summary>
    public static Dictionary<string, string?> Settings(int port, bool silo = true) =>
        Configuration(port, silo).ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value);
}

/// <summary>A loopback port that accepts connections and never says a word, as a hub behind a black hole would.</summary>
internal sealed class SilentHub : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> clients = [];
    private readonly CancellationTokenSource stop = new();
    private int connections;

    public SilentHub()
    {
        listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref connections);

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        lock (clients)
        {
            clients.ForEach(client => client.Dispose());
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                lock (clients)
                {
                    clients.Add(client);
                }

                Interlocked.Increment(ref connections);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }
}
