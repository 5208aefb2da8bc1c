using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Partner.Streams;

namespace Partner.Silo.Hosting;

/// <summary>How long start-up waits for the stream provider to reach its queues (<c>Partner:Streams</c>).</summary>
public sealed class StreamStartOptions
{
    public const string Section = "Partner:Streams";

    /// <summary>Beyond this, start-up fails naming the provider's settings (against a silent host the Event Hubs client's own retries, 60 s per try by default, add up to minutes).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Start-up checks of the stream provider <c>Orleans:Streaming:partner</c>, which Orleans builds from
/// configuration: memory streams by default, Azure Event Hubs with <c>ProviderType=EventHubs</c>. Orleans'
/// own messages name neither the section nor the key, so a missing Event Hubs setting, or a hub that cannot be
/// reached within <see cref="StreamStartOptions.ConnectTimeout"/>, fails start-up here naming them.
/// </summary>
public static class PartnerStreamProvider
{
    public const string EventHubsProviderType = "EventHubs";

    public static string Section { get; } = $"Orleans:Streaming:{PartnerStreams.ProviderName}";

    public static bool IsEventHubs(IConfiguration configuration) =>
        string.Equals(configuration[$"{Section}:ProviderType"], EventHubsProviderType, StringComparison.OrdinalIgnoreCase);

    /// <summary>Call inside <c>UseOrleans</c>/<c>UseOrleansClient</c>, where Orleans has already registered the provider from configuration.</summary>
    public static void AddStartChecks(IServiceCollection services, IConfiguration configuration, bool silo)
    {
        if (!IsEventHubs(configuration))
        {
            return;
        }

        RequireEventHubsSettings(configuration, silo);
        services.AddOptions<StreamStartOptions>().BindConfiguration(StreamStartOptions.Section);

        var registered = services.LastOrDefault(d => d.IsKeyedService && d.ServiceType == typeof(IQueueAdapterFactory) && Equals(d.ServiceKey, PartnerStreams.ProviderName))
            ?? throw new InvalidOperationException($"Orleans registered no queue adapter for {Section}; is Microsoft.Orleans.Streaming.EventHubs referenced?");
        var create = registered.KeyedImplementationFactory!;
        var target = Describe(configuration);
        services.Remove(registered);
        services.AddKeyedSingleton<IQueueAdapterFactory>(PartnerStreams.ProviderName, (provider, key) =>
        {
            var timeout = provider.GetRequiredService<IOptions<StreamStartOptions>>().Value.ConnectTimeout;
            try
            {
                return new StartBoundedQueueAdapterFactory((IQueueAdapterFactory)create(provider, key), target, timeout);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"{Section} is not a usable Event Hubs configuration ({target}): {ex.Message}", ex);
            }
        });
    }

    /// <summary>Throws naming every missing Event Hubs setting, in its configuration and environment-variable forms.</summary>
    public static void RequireEventHubsSettings(IConfiguration configuration, bool silo)
    {
        var section = configuration.GetSection(Section);
        var missing = new List<string>();

        var connection = Resolve(configuration, section, "ConnectionString", "ConnectionName");
        if (connection.Value is null)
        {
            missing.Add(connection.Missing);
        }

        // Orleans also takes the hub name from the connection string's EntityPath.
        if (string.IsNullOrWhiteSpace(section["EventHubName"]) && !HasEntityPath(connection.Value))
        {
            missing.Add(Named($"{Section}:EventHubName"));
        }

        // Only silos read the hub, and they keep their position in an Azure Table.
        if (silo && Resolve(configuration, section, "CheckpointerConnectionString", "CheckpointerConnectionName") is { Value: null } checkpointer)
        {
            missing.Add(checkpointer.Missing);
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{Section}:ProviderType is {EventHubsProviderType} but these settings are missing: {string.Join("; ", missing)}.");
        }
    }

    private static (string? Value, string Missing) Resolve(IConfiguration configuration, IConfigurationSection section, string directKey, string nameKey)
    {
        if (section[directKey] is { Length: > 0 } direct && !string.IsNullOrWhiteSpace(direct))
        {
            return (direct, "");
        }

        if (section[nameKey] is { Length: > 0 } name)
        {
            return configuration.GetConnectionString(name) is { Length: > 0 } named && !string.IsNullOrWhiteSpace(named)
                ? (named, "")
                : (null, $"{Named($"ConnectionStrings:{name}")}, named by {section.Path}:{nameKey}");
        }

        return (null, $"{Named($"{section.Path}:{directKey}")} or {Named($"{section.Path}:{nameKey}")} naming a ConnectionStrings entry");
    }

    private static string Named(string key) => $"{key} (environment {key.Replace(":", "__", StringComparison.Ordinal)})";

    private static bool HasEntityPath(string? connectionString) => ConnectionProperty(connectionString, "EntityPath") is { Length: > 0 };

    private static string? ConnectionProperty(string? connectionString, string name) =>
        connectionString?.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Trim())
            .FirstOrDefault(part => part.StartsWith(name + "=", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..];

    /// <summary>The hub and namespace, for messages; never the key.</summary>
    private static string Describe(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var connection = Resolve(configuration, section, "ConnectionString", "ConnectionName").Value;
        var hub = section["EventHubName"] ?? ConnectionProperty(connection, "EntityPath");
        var endpoint = Uri.TryCreate(ConnectionProperty(connection, "Endpoint"), UriKind.Absolute, out var uri) ? uri.Authority : "?";
        return $"Event Hubs hub '{hub}' at {endpoint}";
    }
}

/// <summary>
/// Bounds the first contact with the queues (Event Hubs: reading the partition ids) and names the
/// provider's settings when it fails; the rest is the provider's own.
/// </summary>
internal sealed class StartBoundedQueueAdapterFactory(IQueueAdapterFactory inner, string target, TimeSpan timeout) : IQueueAdapterFactory
{
    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken)
    {
        var section = PartnerStreamProvider.Section;
        var check = $"Check {section}:ConnectionString (or ConnectionName), {section}:EventHubName and the network path to the namespace.";
        var creating = inner.CreateAdapter(cancellationToken);
        if (await Task.WhenAny(creating, Task.Delay(timeout, cancellationToken)) != creating && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"The stream provider {section} ({target}) could not be reached within {timeout} ({StreamStartOptions.Section}:ConnectTimeout). {check}");
        }

        try
        {
            return await creating;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"The stream provider {section} ({target}) could not be reached: {ex.GetBaseException().Message}. {check}", ex);
        }
    }

    public IQueueAdapterCache GetQueueAdapterCache() => inner.GetQueueAdapterCache();

    public IStreamQueueMapper GetStreamQueueMapper() => inner.GetStreamQueueMapper();

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => inner.GetDeliveryFailureHandler(queueId);
}
