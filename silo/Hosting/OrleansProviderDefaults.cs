using Microsoft.Extensions.Configuration;
using Partner.Streams;

namespace Partner.Silo.Hosting;

/// <summary>
/// The Orleans providers each mode uses, written as the <c>Orleans</c> configuration section
/// that Orleans reads itself. They are added beneath every other configuration source, so any
/// key can be overridden (e.g. <c>Orleans__Streaming__partner__ProviderType=EventHubs</c>).
/// </summary>
public static class OrleansProviderDefaults
{
    public const string DatabaseConnectionName = "PartnerDb";
    public const string RedisConnectionName = "Redis";
    public const string MySqlInvariant = "MySql.Data.MySqlConnector";

    private static readonly Dictionary<string, string?> Common = new()
    {
        ["Orleans:ClusterId"] = "partner",
        ["Orleans:ServiceId"] = "partner",
        [$"Orleans:Streaming:{PartnerStreams.ProviderName}:ProviderType"] = "Memory",
    };

    private static readonly Dictionary<string, string?> EmbeddedSilo = new()
    {
        ["Orleans:GrainStorage:Default:ProviderType"] = "Memory",
        ["Orleans:GrainStorage:PubSubStore:ProviderType"] = "Memory",
        ["Orleans:Reminders:ProviderType"] = "Memory",
    };

    private static readonly Dictionary<string, string?> ProductionClustering = new()
    {
        ["Orleans:Clustering:ProviderType"] = "Redis",
        ["Orleans:Clustering:ConnectionName"] = RedisConnectionName,
    };

    private static readonly Dictionary<string, string?> ProductionSilo = new()
    {
        ["Orleans:GrainStorage:Default:ProviderType"] = "AdoNet",
        ["Orleans:GrainStorage:Default:Invariant"] = MySqlInvariant,
        ["Orleans:GrainStorage:Default:ConnectionName"] = DatabaseConnectionName,
        // Compacted random-match journal segments are deleted, not kept as empty rows.
        ["Orleans:GrainStorage:Default:DeleteStateOnClear"] = "true",
        // Stream subscriptions live here; on memory storage a silo restart would silently drop them.
        ["Orleans:GrainStorage:PubSubStore:ProviderType"] = "AdoNet",
        ["Orleans:GrainStorage:PubSubStore:Invariant"] = MySqlInvariant,
        ["Orleans:GrainStorage:PubSubStore:ConnectionName"] = DatabaseConnectionName,
        ["Orleans:Reminders:ProviderType"] = "AdoNet",
        ["Orleans:Reminders:Invariant"] = MySqlInvariant,
        ["Orleans:Reminders:ConnectionName"] = DatabaseConnectionName,
    };

    /// <summary>
    /// A silo that stops answering is declared dead after two missed 1 s probes, so its grains come back on the
    /// survivors within about 2 s (Orleans' defaults take 10 to 30 s); calls already sent to it fail after the
    /// 5 s response timeout instead of 30 s. The price: a silo frozen for over 2 s (a long GC pause, CPU starvation)
    /// is declared dead too, and restarts. A silo past its CPU or memory threshold sheds new requests (503).
    /// </summary>
    private static readonly Dictionary<string, string?> ProductionResilience = new()
    {
        ["Partner:Cluster:Membership:ProbeTimeout"] = "00:00:01",
        ["Partner:Cluster:Membership:NumMissedProbesLimit"] = "2",
        ["Partner:Cluster:LoadShedding:LoadSheddingEnabled"] = "true",
        ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
    };

    private static readonly Dictionary<string, string?> ClientFailover = new()
    {
        ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
    };

    public static IReadOnlyDictionary<string, string?> ForSilo(PartnerMode mode) =>
        mode == PartnerMode.Production ? Merge(Common, ProductionClustering, ProductionSilo, ProductionResilience) : Merge(Common, EmbeddedSilo);

    public static IReadOnlyDictionary<string, string?> ForClient() => Merge(Common, ProductionClustering, ClientFailover);

    /// <summary>Adds <paramref name="defaults"/> beneath every configuration source already present.</summary>
    public static void AddBeneath(IConfigurationBuilder configuration, IReadOnlyDictionary<string, string?> defaults) =>
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });

    private static Dictionary<string, string?> Merge(params Dictionary<string, string?>[] parts) =>
        parts.SelectMany(part => part).ToDictionary(StringComparer.OrdinalIgnoreCase);
}
