namespace Partner.Health;

/// <summary>
/// Proves that grain storage accepts writes: each check persists a small heartbeat through
/// the default grain storage provider, the same path every domain grain uses.
/// </summary>
[Alias("partner.storage-probe")]
public interface IStorageProbeGrain : IGrainWithStringKey
{
    /// <summary>Writes one heartbeat; never throws for a storage failure, reports it instead.</summary>
    [Alias("check")]
    Task<StorageProbeResult> Check();

    /// <summary>The heartbeat as last read from or written to storage.</summary>
    [Alias("last")]
    Task<StorageHeartbeat> Last();
}

[GenerateSerializer, Immutable, Alias("partner.storage-probe-result")]
public sealed record StorageProbeResult(
    [property: Id(0)] bool Healthy,
    [property: Id(1)] string? Error,
    [property: Id(2)] StorageHeartbeat Heartbeat);

[GenerateSerializer, Immutable, Alias("partner.storage-heartbeat")]
public sealed record StorageHeartbeat(
    [property: Id(0)] long Count,
    [property: Id(1)] DateTimeOffset? WrittenAt,
    [property: Id(2)] string? WrittenBy);
