using Microsoft.Extensions.Logging;

namespace Partner.Health;

public sealed partial class StorageProbeGrain(
    [PersistentState("heartbeat")] IPersistentState<StorageProbeState> state,
    TimeProvider clock,
    ILogger<StorageProbeGrain> logger) : Grain, IStorageProbeGrain
{
    public async Task<StorageProbeResult> Check()
    {
        var before = state.State;
        var next = new StorageProbeState
        {
            Count = before.Count + 1,
            WrittenAt = clock.GetUtcNow(),
            WrittenBy = RuntimeIdentity,
        };

        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // Storage exceptions (MySqlException) cannot cross the grain boundary; report them as text.
            state.State = before;
            DeactivateOnIdle();
            LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
            return new StorageProbeResult(false, $"{ex.GetType().Name}: {ex.GetBaseException().Message}", Heartbeat(before));
        }

        return new StorageProbeResult(true, null, Heartbeat(next));
    }

    public Task<StorageHeartbeat> Last() => Task.FromResult(Heartbeat(state.State));

    private static StorageHeartbeat Heartbeat(StorageProbeState s) => new(s.Count, s.WrittenAt, s.WrittenBy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage probe {ProbeKey} could not write its heartbeat")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string probeKey);
}

[GenerateSerializer, Alias("partner.storage-probe-state")]
public sealed class StorageProbeState
{
    [Id(0)] public long Count { get; set; }
    [Id(1)] public DateTimeOffset? WrittenAt { get; set; }
    [Id(2)] public string? WrittenBy { get; set; }
}
